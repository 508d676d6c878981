// What AWS authorizes for each request in the emulator's recording: the IAM action(s), the
// resource ARN(s) in AWS's format and the condition keys the generated policies use, derived
// from the request itself (and, where AWS reads them from the resource, from what earlier
// requests created or from the emulator). An operation this file does not know throws: a new AWS
// call must be described here, and so is checked against the CI policies.
import { parseRecording } from "../../actions/src/emulator/recording.js";
import type { Authorization, ContextValue } from "./iam-evaluator.js";

export interface RawEntry {
  headers?: Record<string, string>;
  method?: string;
  url?: string;
  body?: string | null;
  body_encoded?: boolean;
}

/** Facts AWS reads from existing resources, looked up in the emulator by the test. */
export interface ResourceFacts {
  instanceTags(instanceId: string): Record<string, string>;
  imageOwner(imageId: string): string;
  /** The role in an instance profile. */
  profileRole(profile: string): string;
}

export interface Recorded {
  service: string;
  operation: string;
  authorizations: Authorization[];
}

export async function downloadRecording(endpoint: string): Promise<RawEntry[]> {
  const response = await fetch(`${endpoint}/moto-api/recorder/download-recording`);
  const text = await response.text();
  const entries: RawEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as RawEntry);
    } catch {
      // a line cut short by a concurrent write, as parseRecording skips it
    }
  }
  return entries;
}

/**
 * Turns recorded requests into authorizations, in order: IAM paths and boundaries come from the
 * CreateRole / PutRolePermissionsBoundary requests before them.
 */
export class RequestAuthorizer {
  private readonly rolePaths = new Map<string, string>();
  private readonly roleBoundaries = new Map<string, string>();
  private readonly profilePaths = new Map<string, string>();

  constructor(
    private readonly account: string,
    private readonly region: string,
    /** The path of roles this recording did not create (they existed before it). */
    private readonly defaultPath: string,
    private readonly facts: ResourceFacts,
  ) {}

  authorize(entries: readonly RawEntry[]): Recorded[] {
    return entries
      .filter((e) => !(e.url ?? "").includes("/moto-api/") && !(e.url ?? "").includes("/_mlops/"))
      .map((entry) => {
        const [request] = parseRecording(JSON.stringify(entry));
        if (!request) throw new Error(`unreadable recorded request ${JSON.stringify(entry)}`);
        const because = `${request.service} ${request.operation}`;
        const list = this.of(entry, request.service, request.operation).map((a) => ({
          ...a,
          because,
        }));
        return { service: request.service, operation: request.operation, authorizations: list };
      });
  }

  private arn(service: string, resource: string, region = this.region, account = this.account) {
    return `arn:aws:${service}:${region}:${account}:${resource}`;
  }

  private of(
    entry: RawEntry,
    service: string,
    operation: string,
  ): Omit<Authorization, "because">[] {
    switch (service) {
      case "sts":
        // GetCallerIdentity needs no permission: AWS answers it for any credentials.
        if (operation === "GetCallerIdentity") return [];
        break;
      case "s3":
        return this.s3(entry, operation);
      case "iam":
        // ListRoles has no resource-level permissions.
        if (operation === "ListRoles") return [auth("iam:ListRoles", "*")];
        return this.iam(form(entry), operation);
      case "tagging":
        // The Resource Groups Tagging API has no resource-level permissions.
        return [auth(`tag:${operation}`, "*")];
      case "sagemaker":
        return this.sagemaker(json(entry), operation);
      case "application-autoscaling":
        // No resource-level permissions (scalable targets are named by random ids).
        return [auth(`application-autoscaling:${operation}`, "*")];
      case "lambda":
        return this.lambda(entry, operation);
      case "logs":
        return this.logs(json(entry), operation);
      case "monitoring":
        return this.cloudwatch(json(entry), operation);
      case "ec2":
        return this.ec2(form(entry), operation);
      case "ssm": {
        const name = text(json(entry)["Name"]);
        return [auth(`ssm:${operation}`, this.arn("ssm", `parameter${name}`, this.region, ""))];
      }
    }
    throw new Error(`no authorization model for ${service} ${operation}: describe it here`);
  }

  private s3(entry: RawEntry, recordedAs: string): Omit<Authorization, "because">[] {
    const url = new URL(entry.url ?? "http://localhost/");
    const operation = recordedAs;
    const [bucket = "", ...rest] = decodeURIComponent(url.pathname).split("/").filter(Boolean);
    const key = rest.join("/");
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const objectArn = `arn:aws:s3:::${bucket}/${key}`;
    const prefix = { "s3:prefix": url.searchParams.get("prefix") ?? "" };
    const onBucket: Record<string, string> = {
      CreateBucket: "s3:CreateBucket",
      DeleteBucket: "s3:DeleteBucket",
      HeadBucket: "s3:ListBucket",
      GetBucketEncryption: "s3:GetEncryptionConfiguration",
      PutBucketEncryption: "s3:PutEncryptionConfiguration",
      GetBucketPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
      PutBucketPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
      GetBucketTagging: "s3:GetBucketTagging",
      GetBucketLocation: "s3:GetBucketLocation",
      PutBucketTagging: "s3:PutBucketTagging",
      GetBucketPolicy: "s3:GetBucketPolicy",
      DeleteBucketPolicy: "s3:DeleteBucketPolicy",
      ListObjectVersions: "s3:ListBucketVersions",
      ListMultipartUploads: "s3:ListBucketMultipartUploads",
    };
    const onObject: Record<string, string> = {
      GetObject: "s3:GetObject",
      HeadObject: "s3:GetObject",
      PutObject: "s3:PutObject",
      CreateMultipartUpload: "s3:PutObject",
      UploadPart: "s3:PutObject",
      CompleteMultipartUpload: "s3:PutObject",
      AbortMultipartUpload: "s3:AbortMultipartUpload",
      ListParts: "s3:ListMultipartUploadParts",
      DeleteObject: "s3:DeleteObject",
    };
    if (operation === "ListObjectsV2" || operation === "ListObjects")
      return [auth("s3:ListBucket", bucketArn, prefix)];
    const bucketAction = onBucket[operation];
    if (bucketAction) return [auth(bucketAction, bucketArn)];
    const objectAction = onObject[operation];
    if (objectAction) return [auth(objectAction, objectArn)];
    if (operation === "DeleteObjects") {
      // DeleteObjects is authorized as s3:DeleteObject on every key it names.
      const keys = [...body(entry).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xml(m[1] ?? ""));
      return keys.map((k) => auth("s3:DeleteObject", `arn:aws:s3:::${bucket}/${k}`));
    }
    if (operation === "CopyObject") {
      const source = decodeURIComponent(header(entry, "x-amz-copy-source") ?? "").replace(
        /^\//,
        "",
      );
      return [auth("s3:PutObject", objectArn), auth("s3:GetObject", `arn:aws:s3:::${source}`)];
    }
    throw new Error(`no authorization model for s3 ${operation}: describe it here`);
  }

  private roleArn(name: string): string {
    return `arn:aws:iam::${this.account}:role${this.rolePaths.get(name) ?? this.defaultPath}${name}`;
  }

  private iam(p: URLSearchParams, operation: string): Omit<Authorization, "because">[] {
    const action = `iam:${operation}`;
    const roleName = p.get("RoleName");
    const profileName = p.get("InstanceProfileName");
    if (operation === "CreateRole" && roleName !== null) {
      this.rolePaths.set(roleName, p.get("Path") ?? "/");
      const boundary = p.get("PermissionsBoundary");
      if (boundary !== null) this.roleBoundaries.set(roleName, boundary);
      else this.roleBoundaries.delete(roleName);
      return [auth(action, this.roleArn(roleName), boundaryContext(boundary))];
    }
    if (operation === "CreateInstanceProfile" && profileName !== null) {
      this.profilePaths.set(profileName, p.get("Path") ?? "/");
    }
    if (operation === "CreateServiceLinkedRole") {
      const name = p.get("AWSServiceName") ?? "";
      return [
        auth(action, `arn:aws:iam::${this.account}:role/aws-service-role/${name}/x`, {
          "iam:AWSServiceName": name,
        }),
      ];
    }
    if (profileName !== null) {
      const profileArn = `arn:aws:iam::${this.account}:instance-profile${
        this.profilePaths.get(profileName) ?? this.defaultPath
      }${profileName}`;
      return [auth(action, profileArn)];
    }
    if (roleName !== null) {
      const arn = this.roleArn(roleName);
      if (operation === "PutRolePermissionsBoundary") {
        const boundary = p.get("PermissionsBoundary");
        const result = [auth(action, arn, boundaryContext(boundary))];
        if (boundary !== null) this.roleBoundaries.set(roleName, boundary);
        return result;
      }
      if (operation === "DeleteRolePermissionsBoundary") this.roleBoundaries.delete(roleName);
      // These are evaluated against the boundary the role carries now.
      const current = ["PutRolePolicy", "AttachRolePolicy", "DeleteRolePolicy", "DetachRolePolicy"];
      const context = current.includes(operation)
        ? boundaryContext(this.roleBoundaries.get(roleName) ?? null)
        : {};
      return [auth(action, arn, context)];
    }
    // Reading a managed policy (what one attached to a role grants) is authorized on the policy.
    const policyArn = p.get("PolicyArn");
    if (policyArn !== null && (operation === "GetPolicy" || operation === "GetPolicyVersion"))
      return [auth(action, policyArn)];
    throw new Error(`no authorization model for iam ${operation}: describe it here`);
  }

  private sagemaker(
    b: Record<string, unknown>,
    operation: string,
  ): Omit<Authorization, "because">[] {
    const action = `sagemaker:${operation}`;
    // SageMaker ARNs are lowercase.
    const sm = (type: string, field: string) =>
      this.arn("sagemaker", `${type}/${text(b[field]).toLowerCase()}`);
    const tagged = (resource: string) =>
      Array.isArray(b["Tags"]) && b["Tags"].length > 0 ? [auth("sagemaker:AddTags", resource)] : [];
    const pass = (field: string) =>
      b[field] === undefined
        ? []
        : [
            auth("iam:PassRole", text(b[field]), {
              "iam:PassedToService": "sagemaker.amazonaws.com",
            }),
          ];
    // The trials' role travels in the training definition.
    const passDefinitionRole = () => {
      const definition = b["TrainingJobDefinition"] as Record<string, unknown> | undefined;
      return definition?.["RoleArn"] === undefined
        ? []
        : [
            auth("iam:PassRole", text(definition["RoleArn"]), {
              "iam:PassedToService": "sagemaker.amazonaws.com",
            }),
          ];
    };
    if (/^List(EndpointConfigs|Models|TrainingJobs|Endpoints)$/.test(operation))
      return [auth(action, "*")];
    if (operation === "ListTags" || operation === "AddTags" || operation === "DeleteTags")
      return [auth(action, text(b["ResourceArn"]))];
    // The model registry: groups by name, versions by ARN (a new version: one in its group).
    if (operation === "ListModelPackages") return [auth(action, "*")];
    if (/ModelPackageGroup$/.test(operation)) {
      const group = sm("model-package-group", "ModelPackageGroupName");
      return [auth(action, group), ...(operation.startsWith("Create") ? tagged(group) : [])];
    }
    if (operation === "CreateModelPackage") {
      const version = sm("model-package", "ModelPackageGroupName").concat("/next");
      return [auth(action, version), ...tagged(version)];
    }
    if (operation === "DescribeModelPackage") return [auth(action, text(b["ModelPackageName"]))];
    if (operation === "UpdateModelPackage") return [auth(action, text(b["ModelPackageArn"]))];
    const byName: [RegExp, string, string][] = [
      [/EndpointConfig$/, "endpoint-config", "EndpointConfigName"],
      [/Endpoint$/, "endpoint", "EndpointName"],
      [/Model$/, "model", "ModelName"],
      [/TrainingJob$/, "training-job", "TrainingJobName"],
      // ListTrainingJobsForHyperParameterTuningJob is authorized on the tuning job.
      [/HyperParameterTuningJob$/, "hyper-parameter-tuning-job", "HyperParameterTuningJobName"],
    ];
    const match = byName.find(([re]) => re.test(operation));
    if (!match)
      throw new Error(`no authorization model for sagemaker ${operation}: describe it here`);
    const resource = sm(match[1], match[2]);
    return [
      auth(action, resource),
      ...(operation.startsWith("Create") ? tagged(resource) : []),
      ...(operation === "CreateModel" ? pass("ExecutionRoleArn") : []),
      ...(operation === "CreateTrainingJob" ? pass("RoleArn") : []),
      ...(operation === "CreateHyperParameterTuningJob" ? passDefinitionRole() : []),
    ];
  }

  private lambda(entry: RawEntry, operation: string): Omit<Authorization, "because">[] {
    const action = `lambda:${operation}`;
    const url = new URL(entry.url ?? "http://localhost/");
    const path = decodeURIComponent(url.pathname);
    if (operation === "GetAccountSettings") return [auth(action, "*")];
    const tags = /^\/[^/]+\/tags\/(.+)$/.exec(path);
    if (tags) return [auth(action, tags[1] ?? "")];
    if (operation === "CreateFunction") {
      const b = json(entry);
      const fn = this.arn("lambda", `function:${text(b["FunctionName"])}`);
      return [
        auth(action, fn),
        auth("iam:PassRole", text(b["Role"]), { "iam:PassedToService": "lambda.amazonaws.com" }),
        ...(b["Tags"] !== undefined && Object.keys(b["Tags"] as object).length > 0
          ? [auth("lambda:TagResource", fn)]
          : []),
      ];
    }
    const m = /^\/[^/]+\/functions\/([^/]+)(?:\/aliases\/([^/]+))?/.exec(path);
    if (!m)
      throw new Error(`no authorization model for lambda ${operation} ${path}: describe it here`);
    const name = (m[1] ?? "").replace(/^arn:aws:lambda:[^:]+:\d+:function:/, "");
    const qualifier = m[2] ?? url.searchParams.get("Qualifier");
    const fn = this.arn("lambda", `function:${name}${qualifier !== null ? `:${qualifier}` : ""}`);
    return [auth(action, fn)];
  }

  private logs(b: Record<string, unknown>, operation: string): Omit<Authorization, "because">[] {
    const action = `logs:${operation}`;
    if (operation === "DescribeLogGroups") return [auth(action, this.arn("logs", "log-group:*"))];
    if (typeof b["resourceArn"] === "string") return [auth(action, b["resourceArn"])];
    if (typeof b["logGroupName"] === "string")
      return [auth(action, this.arn("logs", `log-group:${b["logGroupName"]}:*`))];
    throw new Error(`no authorization model for logs ${operation}: describe it here`);
  }

  /** CloudWatch alarm calls are authorized on each alarm they name (or the alarm ARN). */
  private cloudwatch(
    b: Record<string, unknown>,
    operation: string,
  ): Omit<Authorization, "because">[] {
    const action = `cloudwatch:${operation}`;
    if (typeof b["ResourceARN"] === "string") return [auth(action, b["ResourceARN"])];
    const names =
      typeof b["AlarmName"] === "string"
        ? [b["AlarmName"]]
        : Array.isArray(b["AlarmNames"])
          ? b["AlarmNames"].map((n) => text(n))
          : [];
    if (names.length === 0)
      throw new Error(`no authorization model for cloudwatch ${operation}: describe it here`);
    return names.map((n) => auth(action, this.arn("cloudwatch", `alarm:${n}`)));
  }

  private ec2(p: URLSearchParams, operation: string): Omit<Authorization, "because">[] {
    const action = `ec2:${operation}`;
    const ec2 = (resource: string, account = this.account) =>
      this.arn("ec2", resource, this.region, account);
    if (operation.startsWith("Describe")) return [auth(action, "*")];
    if (operation === "TerminateInstances") {
      return indexed(p, "InstanceId").map((id) =>
        auth(
          action,
          ec2(`instance/${id}`),
          tagContext("aws:ResourceTag/", this.facts.instanceTags(id)),
        ),
      );
    }
    if (operation === "RunInstances") return this.runInstances(p);
    throw new Error(`no authorization model for ec2 ${operation}: describe it here`);
  }

  /** RunInstances is authorized once per resource it touches, plus tag-on-create and PassRole. */
  private runInstances(p: URLSearchParams): Omit<Authorization, "because">[] {
    const ec2 = (resource: string, account = this.account) =>
      this.arn("ec2", resource, this.region, account);
    const tags: Record<string, string> = {};
    const taggedTypes: string[] = [];
    for (let i = 1; p.has(`TagSpecification.${i}.ResourceType`); i++) {
      taggedTypes.push(p.get(`TagSpecification.${i}.ResourceType`) ?? "");
      for (let j = 1; p.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
        tags[p.get(`TagSpecification.${i}.Tag.${j}.Key`) ?? ""] =
          p.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? "";
      }
    }
    const requestTags = tagContext("aws:RequestTag/", tags);
    const imageId = p.get("ImageId") ?? "";
    const subnet = p.get("SubnetId");
    const groups = indexed(p, "SecurityGroupId");
    const run = "ec2:RunInstances";
    const out: Omit<Authorization, "because">[] = [
      auth(run, ec2("instance/*"), {
        ...requestTags,
        "ec2:InstanceType": p.get("InstanceType") ?? "",
      }),
      auth(run, ec2(`image/${imageId}`, ""), { "ec2:Owner": this.facts.imageOwner(imageId) }),
      auth(run, ec2(`subnet/${subnet ?? "default-subnet"}`)),
      ...(groups.length > 0 ? groups : ["default-security-group"]).map((g) =>
        auth(run, ec2(`security-group/${g}`)),
      ),
      auth(
        run,
        ec2("network-interface/*"),
        subnet === null ? {} : { "ec2:Subnet": ec2(`subnet/${subnet}`) },
      ),
      auth(run, ec2("volume/*"), requestTags),
      ...(p.get("InstanceMarketOptions.MarketType") === "spot"
        ? [auth(run, ec2("spot-instances-request/*"))]
        : []),
      ...taggedTypes.map((type) =>
        auth("ec2:CreateTags", ec2(`${type}/*`), {
          ...requestTags,
          "ec2:CreateAction": "RunInstances",
        }),
      ),
    ];
    const profile = p.get("IamInstanceProfile.Name");
    if (profile !== null) {
      out.push(
        auth("iam:PassRole", this.roleArn(this.facts.profileRole(profile)), {
          "iam:PassedToService": "ec2.amazonaws.com",
        }),
      );
    }
    return out;
  }
}

function auth(
  action: string,
  resource: string,
  context: Record<string, ContextValue> = {},
): Omit<Authorization, "because"> {
  return { action, resource, context };
}

const boundaryContext = (boundary: string | null): Record<string, string> =>
  boundary === null ? {} : { "iam:PermissionsBoundary": boundary };

function tagContext(prefix: string, tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}${k}`, v]));
}

function indexed(p: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; p.has(`${name}.${i}`); i++) values.push(p.get(`${name}.${i}`) ?? "");
  return values;
}

function header(entry: RawEntry, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(entry.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

/** The request's body as text. */
export function body(entry: RawEntry): string {
  const text = entry.body ?? "";
  return entry.body_encoded === true ? Buffer.from(text, "base64").toString("utf8") : text;
}

function form(entry: RawEntry): URLSearchParams {
  const url = new URL(entry.url ?? "http://localhost/");
  const params = new URLSearchParams(body(entry));
  for (const [k, v] of url.searchParams) params.append(k, v);
  return params;
}

function json(entry: RawEntry): Record<string, unknown> {
  const text = body(entry);
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** A string field of a JSON request ("" when absent or not a string). */
const text = (value: unknown): string => (typeof value === "string" ? value : "");

const xml = (text: string): string =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

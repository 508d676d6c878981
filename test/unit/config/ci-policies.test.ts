// What the generated policies refuse: each case is a way the deploy role (or a role it writes)
// could be turned into more than it is for, evaluated with the test evaluator against the
// policies `mlops iam-policy` prints. The coverage test (test/integration/policy-coverage.test.ts)
// shows that what the tool itself does stays allowed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  githubTrustPolicy,
  iamPolicyCommand,
} from "../../../actions/src/cli/iam-policy-command.js";
import { loadConfig } from "../../../actions/src/config/load.js";
import type { Config } from "../../../actions/src/config/types.js";
import { buildGraph } from "../../../actions/src/graph/build-graph.js";
import { boundaryPolicy, ciPolicy } from "../../../actions/src/graph/ci-policies.js";
import type { RoleSpec } from "../../../actions/src/graph/iam-nodes.js";
import type { PolicyDocument } from "../../../actions/src/graph/iam-policies.js";
import { isAllowed, type ContextValue } from "../../support/iam-evaluator.js";
import { BASE_CONFIG, makeWorkspace, type Workspace } from "./helpers.js";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/mlops/pets-boundary`;
const role = (name: string, path = "/mlops/") => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
const ec2 = (resource: string, account = ACCOUNT) => `arn:aws:ec2:${REGION}:${account}:${resource}`;

let w: Workspace;
beforeAll(() => {
  w = makeWorkspace();
});
afterAll(() => {
  w.remove();
});

function config(edit: (text: string) => string = (t) => t): Config {
  return loadConfig(w.write("mlops.yaml", edit(BASE_CONFIG)));
}

function policies(c: Config) {
  const graph = buildGraph(c, { account: ACCOUNT });
  const spec = (address: string) =>
    graph.nodes.find((n) => n.address === address)?.spec as RoleSpec;
  return {
    graph,
    deploy: ciPolicy(c, graph, "deploy"),
    plan: ciPolicy(c, graph, "plan"),
    boundary: boundaryPolicy(graph),
    role: spec,
  };
}

const allows = (
  policy: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, ContextValue> = {},
): boolean => isAllowed(policy, { action, resource, context, because: "test" });

const p0 = () => policies(config());

describe("the deploy role cannot make itself (or a role it writes) more than it is", () => {
  const p = p0;

  it("creates, and writes the policy of, only roles that carry the boundary", () => {
    const { deploy } = p();
    const withBoundary = { "iam:PermissionsBoundary": BOUNDARY };
    expect(allows(deploy, "iam:CreateRole", role("pets-sagemaker"), withBoundary)).toBe(true);
    expect(allows(deploy, "iam:PutRolePolicy", role("pets-lambda"), withBoundary)).toBe(true);
    // A role without a boundary, or with another one: {"Action":"*"} would be unbounded.
    expect(allows(deploy, "iam:CreateRole", role("pets-sagemaker"))).toBe(false);
    expect(allows(deploy, "iam:PutRolePolicy", role("pets-lambda"))).toBe(false);
    const other = {
      "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess`,
    };
    expect(allows(deploy, "iam:PutRolePolicy", role("pets-lambda"), other)).toBe(false);
    expect(allows(deploy, "iam:PutRolePermissionsBoundary", role("pets-lambda"), other)).toBe(
      false,
    );
    // Only the project's own roles.
    expect(allows(deploy, "iam:PutRolePolicy", role("someone-else"), withBoundary)).toBe(false);
  });

  it("can neither lift the boundary, rewrite trust, nor attach managed policies", () => {
    const { deploy } = p();
    for (const action of [
      "iam:DeleteRolePermissionsBoundary",
      "iam:UpdateAssumeRolePolicy",
      "iam:AttachRolePolicy",
      "iam:CreatePolicyVersion",
    ]) {
      expect(
        allows(deploy, action, role("pets-sagemaker"), { "iam:PermissionsBoundary": BOUNDARY }),
        action,
      ).toBe(false);
    }
  });

  it("passes each role only to its own service", () => {
    const { deploy } = p();
    const to = (service: string) => ({ "iam:PassedToService": service });
    expect(
      allows(deploy, "iam:PassRole", role("pets-sagemaker"), to("sagemaker.amazonaws.com")),
    ).toBe(true);
    expect(allows(deploy, "iam:PassRole", role("pets-lambda"), to("lambda.amazonaws.com"))).toBe(
      true,
    );
    expect(allows(deploy, "iam:PassRole", role("pets-sagemaker"), to("lambda.amazonaws.com"))).toBe(
      false,
    );
    expect(allows(deploy, "iam:PassRole", role("pets-lambda"), to("sagemaker.amazonaws.com"))).toBe(
      false,
    );
    expect(allows(deploy, "iam:PassRole", role("pets-lambda"), to("ec2.amazonaws.com"))).toBe(
      false,
    );
  });

  it("the boundary caps a role whatever its inline policy says", () => {
    const { boundary, role: spec } = p();
    // What a widened inline policy would grant beyond the roles' own needs.
    expect(allows(boundary, "iam:CreateRole", role("x"))).toBe(false);
    expect(
      allows(
        boundary,
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:eu-west-1:111122223333:training-job/x",
      ),
    ).toBe(false);
    expect(allows(boundary, "s3:GetObject", "arn:aws:s3:::another-bucket/secret")).toBe(false);
    // And it covers what the roles' generated policies grant: the boundary is their union.
    for (const address of ["iam.role.sagemaker", "iam.role.lambda"]) {
      for (const s of spec(address).policy.Statement) {
        for (const action of s.Action) {
          for (const resource of s.Resource ?? []) {
            const context = Object.fromEntries(
              Object.values(s.Condition ?? {}).flatMap((body) =>
                Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v : (v[0] ?? "")]),
              ),
            );
            expect(allows(boundary, action, resource, context), `${address} ${action}`).toBe(true);
          }
        }
      }
    }
  });

  it("uses iam.permissionsBoundary when set, on the roles and in the deploy policy", () => {
    const custom = "arn:aws:iam::111122223333:policy/org/ml-boundary";
    const c = config((t) => t.replace("iam:\n", `iam:\n  permissionsBoundary: ${custom}\n`));
    const { deploy, role: spec } = policies(c);
    expect(spec("iam.role.sagemaker").permissionsBoundary).toBe(custom);
    expect(
      allows(deploy, "iam:CreateRole", role("pets-sagemaker"), {
        "iam:PermissionsBoundary": custom,
      }),
    ).toBe(true);
    expect(
      allows(deploy, "iam:CreateRole", role("pets-sagemaker"), {
        "iam:PermissionsBoundary": BOUNDARY,
      }),
    ).toBe(false);
  });

  it("the plan role only reads", () => {
    const { plan } = p();
    const writes = plan.Statement.flatMap((s) => s.Action).filter(
      (a) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a),
    );
    expect(writes).toEqual([]);
  });

  it("deletes no bucket", () => {
    const { deploy } = p();
    expect(allows(deploy, "s3:DeleteBucket", "arn:aws:s3:::pets-111122223333-eu-west-1")).toBe(
      false,
    );
  });
});

describe("the Function URL (lambda.url)", () => {
  const fn = (q = "") => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:pets-inference${q}`;
  const withUrl = (auth: string) =>
    policies(
      config((t) => t.replace("  environment:\n", `  url: { auth: ${auth} }\n  environment:\n`)),
    );

  it("without one, no URL or resource-policy call is granted", () => {
    const { deploy, plan } = p0();
    for (const action of [
      "lambda:CreateFunctionUrlConfig",
      "lambda:GetFunctionUrlConfig",
      "lambda:AddPermission",
      "lambda:RemovePermission",
      "lambda:GetPolicy",
    ]) {
      expect(allows(deploy, action, fn(":live")), action).toBe(false);
      expect(allows(plan, action, fn(":live")), action).toBe(false);
    }
  });

  it("an AWS_IAM URL: its own calls on this function only, and never AddPermission", () => {
    const { deploy, plan } = withUrl("AWS_IAM");
    for (const action of [
      "lambda:CreateFunctionUrlConfig",
      "lambda:UpdateFunctionUrlConfig",
      "lambda:DeleteFunctionUrlConfig",
      "lambda:RemovePermission",
    ])
      expect(allows(deploy, action, fn(":live")), action).toBe(true);
    expect(allows(plan, "lambda:GetFunctionUrlConfig", fn(":live"))).toBe(true);
    expect(allows(plan, "lambda:GetPolicy", fn(":live"))).toBe(true);
    expect(allows(deploy, "lambda:AddPermission", fn(":live"))).toBe(false);
    expect(
      allows(
        deploy,
        "lambda:CreateFunctionUrlConfig",
        `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`,
      ),
    ).toBe(false);
  });

  it("a public URL may add its statements", () => {
    expect(allows(withUrl("NONE").deploy, "lambda:AddPermission", fn(":live"))).toBe(true);
  });
});

describe("the roles the tool creates", () => {
  it("trust their service only on behalf of this account (SageMaker, Lambda)", () => {
    const { role: spec } = policies(config());
    for (const address of ["iam.role.sagemaker", "iam.role.lambda"]) {
      expect(spec(address).trust.Statement[0]?.Condition).toEqual({
        StringEquals: { "aws:SourceAccount": ACCOUNT },
      });
    }
  });

  it("the SageMaker role pulls only the framework images' repositories", () => {
    const { role: spec } = policies(config());
    const policy = spec("iam.role.sagemaker").policy;
    const dlc = "arn:aws:ecr:eu-west-1:763104351884:repository";
    expect(allows(policy, "ecr:BatchGetImage", `${dlc}/pytorch-training`)).toBe(true);
    expect(allows(policy, "ecr:BatchGetImage", `${dlc}/pytorch-inference`)).toBe(true);
    expect(allows(policy, "ecr:BatchGetImage", `${dlc}/some-other-image`)).toBe(false);
    expect(
      allows(
        policy,
        "ecr:BatchGetImage",
        "arn:aws:ecr:eu-west-1:999988887777:repository/pytorch-training",
      ),
    ).toBe(false);
  });
});

describe("the GPU runner's statements", () => {
  const ec2Config = (extra = "") =>
    config((t) =>
      t
        .replace("backend: sagemaker", "backend: ec2")
        .replace("    instanceTypes: [g5.xlarge]\n", `    instanceTypes: [g5.xlarge]\n${extra}`),
    );
  const request = { "aws:RequestTag/mlops:project": "pets" };

  it("tag only at launch, so no other instance can be tagged into the project", () => {
    const { deploy } = policies(ec2Config());
    expect(allows(deploy, "ec2:CreateTags", ec2("instance/i-0someoneelse"), request)).toBe(false);
    expect(
      allows(deploy, "ec2:CreateTags", ec2("instance/i-0new"), {
        ...request,
        "ec2:CreateAction": "RunInstances",
      }),
    ).toBe(true);
  });

  it("launch only the configured instance types from an Amazon-owned image", () => {
    const { deploy } = policies(ec2Config());
    const instance = (type: string) =>
      allows(deploy, "ec2:RunInstances", ec2("instance/*"), {
        ...request,
        "ec2:InstanceType": type,
      });
    expect(instance("g5.xlarge")).toBe(true);
    expect(instance("p5.48xlarge")).toBe(false);
    const image = (owner: string) =>
      allows(deploy, "ec2:RunInstances", ec2("image/ami-0abc", ""), { "ec2:Owner": owner });
    expect(image("amazon")).toBe(true);
    expect(image("999988887777")).toBe(false);
  });

  it("with training.ec2.ami, subnets and security groups: only those", () => {
    const { deploy } = policies(
      ec2Config(
        "    ami: ami-0123456789abcdef0\n    subnets: [subnet-aaa]\n    securityGroups: [sg-bbb]\n",
      ),
    );
    const run = (resource: string, context: Record<string, string> = {}) =>
      allows(deploy, "ec2:RunInstances", resource, context);
    expect(run(ec2("image/ami-0123456789abcdef0", ""))).toBe(true);
    expect(run(ec2("image/ami-0fffffffffffffff0", ""), { "ec2:Owner": "amazon" })).toBe(false);
    expect(run(ec2("subnet/subnet-aaa"))).toBe(true);
    expect(run(ec2("subnet/subnet-zzz"))).toBe(false);
    expect(run(ec2("security-group/sg-bbb"))).toBe(true);
    expect(run(ec2("security-group/sg-zzz"))).toBe(false);
  });

  it("cannot read instances' user data", () => {
    const { deploy } = policies(ec2Config());
    expect(allows(deploy, "ec2:DescribeInstanceAttribute", "*")).toBe(false);
  });
});

describe("mlops iam-policy --trust", () => {
  it("binds the deploy role to the environment's jobs of this repository", () => {
    const trust = githubTrustPolicy("aws", ACCOUNT, "acme/pets", "deploy", "production");
    expect(trust.Statement[0]?.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/pets:environment:production",
      },
    });
    expect(
      githubTrustPolicy("aws", ACCOUNT, "acme/pets", "plan", "production").Statement[0]
        ?.Condition?.["StringEquals"]?.["token.actions.githubusercontent.com:sub"],
    ).toBe("repo:acme/pets:pull_request");
  });
});

describe("mlops iam-policy", () => {
  const run = async (options: Partial<Parameters<typeof iamPolicyCommand>[0]>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await iamPolicyCommand(
      {
        config: w.write("mlops.yaml", BASE_CONFIG),
        role: "deploy",
        account: ACCOUNT,
        ...options,
      },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("--for deploy --trust prints the environment-bound trust and asks for the branch rule", async () => {
    const { code, out, err } = await run({ trust: true, repository: "acme/pets" });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(
      githubTrustPolicy("aws", ACCOUNT, "acme/pets", "deploy", "production"),
    );
    expect(err).toContain('Restrict the "production" environment\'s deployment branches to main');
  });

  it("--trust needs the repository", async () => {
    const saved = process.env["GITHUB_REPOSITORY"];
    delete process.env["GITHUB_REPOSITORY"];
    try {
      await expect(run({ trust: true })).rejects.toThrow("--trust needs --repository OWNER/REPO");
    } finally {
      if (saved !== undefined) process.env["GITHUB_REPOSITORY"] = saved;
    }
  });

  it("--for boundary prints the boundary the roles carry", async () => {
    const { code, out } = await run({ role: "boundary" });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(boundaryPolicy(buildGraph(config(), { account: ACCOUNT })));
  });
});

describe("monitoring and data capture grant exactly what they use", () => {
  const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
  const capture = (t: string) =>
    t.replace(
      "  initialInstanceCount: 1\n",
      "  initialInstanceCount: 1\n  dataCapture:\n    prefix: capture/\n    kmsKeyArn: arn:aws:kms:eu-west-1:111122223333:key/k-1\n",
    );

  it("the deploy role manages the tool's alarms by name; the plan role only reads them", () => {
    const { deploy, plan } = policies(config());
    for (const name of [
      "pets-endpoint-5xx",
      "pets-endpoint-latency-p99",
      "pets-lambda-spillover",
    ]) {
      expect(allows(deploy, "cloudwatch:PutMetricAlarm", alarm(name)), name).toBe(true);
      expect(allows(deploy, "cloudwatch:DeleteAlarms", alarm(name)), name).toBe(true);
      expect(allows(plan, "cloudwatch:DescribeAlarms", alarm(name)), name).toBe(true);
      expect(allows(plan, "cloudwatch:PutMetricAlarm", alarm(name)), name).toBe(false);
    }
    expect(allows(deploy, "cloudwatch:PutMetricAlarm", alarm("someone-elses"))).toBe(false);
    expect(allows(deploy, "cloudwatch:DeleteAlarms", alarm("pets-other"))).toBe(false);
  });

  it("without alarms, no alarm permission at all", () => {
    const { deploy } = policies(
      config((t) => t.replace("iam:\n", "monitoring:\n  alarms: false\niam:\n")),
    );
    expect(JSON.stringify(deploy)).not.toContain("cloudwatch:");
  });

  it("the SageMaker role writes captures to exactly the prefix, with exactly the key, and reads the rollback alarms", () => {
    const { role: spec } = policies(config(capture));
    const sagemaker = spec("iam.role.sagemaker").policy;
    const bucket = `pets-${ACCOUNT}-${REGION}`;
    expect(allows(sagemaker, "s3:PutObject", `arn:aws:s3:::${bucket}/capture/x.jsonl`)).toBe(true);
    expect(allows(sagemaker, "s3:PutObject", `arn:aws:s3:::${bucket}/other/x.jsonl`)).toBe(false);
    const key = "arn:aws:kms:eu-west-1:111122223333:key/k-1";
    expect(allows(sagemaker, "kms:GenerateDataKey", key)).toBe(true);
    expect(allows(sagemaker, "kms:GenerateDataKey", `${key}0`)).toBe(false);
    // The base config's canary deployment rolls back on the tool's endpoint alarms.
    expect(allows(sagemaker, "cloudwatch:DescribeAlarms", alarm("pets-endpoint-5xx"))).toBe(true);
    expect(allows(sagemaker, "cloudwatch:DescribeAlarms", alarm("pets-lambda-errors"))).toBe(false);
  });
});

describe("an s3:// data source", () => {
  it("is located, listed and read by both roles, and written by neither", () => {
    const { plan, deploy } = policies(
      config((t) => t.replace("  source: data\n", "  source: s3://shared-datasets/dogs/\n")),
    );
    for (const policy of [plan, deploy]) {
      expect(allows(policy, "s3:GetBucketLocation", "arn:aws:s3:::shared-datasets")).toBe(true);
      expect(allows(policy, "s3:ListBucket", "arn:aws:s3:::shared-datasets")).toBe(true);
      expect(allows(policy, "s3:GetObject", "arn:aws:s3:::shared-datasets/dogs/a.jpg")).toBe(true);
      expect(allows(policy, "s3:PutObject", "arn:aws:s3:::shared-datasets/dogs/a.jpg")).toBe(false);
    }
  });
});

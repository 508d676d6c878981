// `mlops import`, first half: what an account has for a project made by hand (in the console or
// a notebook): the endpoint with its config, model and auto-scaling, the training job behind
// the model (found from the model's artifact), the Lambda function in front with its alias,
// versions and concurrency, and the roles. Read only; what could not be known is said in
// `guesses`, for the config's comments.
import {
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from "@aws-sdk/client-lambda";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import type { AwsClients } from "../aws/clients.js";
import { readOrUndefined, withContext } from "../aws/errors.js";
import { OperationalError } from "../operational-errors.js";
import {
  INVOCATIONS_METRIC,
  readPolicies,
  readTarget,
  variantResourceId,
} from "../resources/autoscaling/variant-scaling.js";
import { parseS3Uri } from "../aws/s3-uri.js";

export interface ImportedRole {
  name: string;
  path: string;
}

export interface ImportedProject {
  endpoint: {
    name: string;
    variantName: string;
    instanceType: string;
    initialInstanceCount: number;
    /** The endpoint config it serves now. */
    configName: string;
    dataCapture?: {
      samplingPercentage: number;
      destination: string;
      capture: ("request" | "response")[];
      kmsKeyArn?: string;
    };
  };
  autoscaling?: {
    minCapacity: number;
    maxCapacity: number;
    targetInvocationsPerInstance: number;
    scaleInCooldownSeconds?: number;
    scaleOutCooldownSeconds?: number;
    disableScaleIn: boolean;
  };
  model: {
    name: string;
    artifact: string;
    image: string;
    /** The container's environment variables (the inference script inside the artifact). */
    environment: Record<string, string>;
    role?: ImportedRole;
  };
  training?: {
    job: string;
    instanceType: string;
    instanceCount: number;
    volumeSizeGB: number;
    maxRuntimeSeconds?: number;
    entryPoint?: string;
    codeUri?: string;
    hyperparameters: Record<string, string | number | boolean>;
  };
  /** Where the data is: the training job's input, else the model artifact's bucket. */
  data: { bucket: string; prefix: string };
  lambda?: {
    name: string;
    runtime: string;
    memory: number;
    timeoutSeconds: number;
    architecture: "arm64" | "x86_64";
    environment: Record<string, string>;
    role?: ImportedRole;
    alias?: { name: string; version: string };
    provisioned?: { qualifier: string; count: number };
    reservedConcurrency?: number;
  };
  /** Lines for the config's comments: what was guessed, and from what. */
  guesses: Record<string, string>;
}

/** `arn:aws:iam::123456789012:role/service-role/name` -> { name, path: "/service-role/" }. */
export function roleFromArn(arn: string | undefined): ImportedRole | undefined {
  const match = /^arn:[^:]+:iam::\d{12}:role(\/(?:.*\/)?)([^/]+)$/.exec(arn ?? "");
  return match?.[1] && match[2] ? { path: match[1], name: match[2] } : undefined;
}

/** `s3://b/some/job-name/output/model.tar.gz` -> "job-name": where SageMaker writes a job's model. */
export function trainingJobOfArtifact(artifact: string): string | undefined {
  const match = /^s3:\/\/[^/]+\/(?:.*\/)?([^/]+)\/output\/model\.tar\.gz$/.exec(artifact);
  return match?.[1];
}

/** The longest common folder of several S3 prefixes ("" when they share none). */
function commonFolder(prefixes: readonly string[]): string {
  const split = prefixes.map((p) => p.split("/").slice(0, -1));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  return first
    .slice(0, n)
    .map((s) => `${s}/`)
    .join("");
}

/**
 * SageMaker's Python SDK stores hyperparameters JSON-encoded ("\"train.py\"", "10") beside its
 * own `sagemaker_*` keys: the user's ones, decoded, and the entry point and code location.
 */
function hyperparametersOf(raw: Record<string, string> | undefined): {
  hyperparameters: Record<string, string | number | boolean>;
  entryPoint?: string;
  codeUri?: string;
} {
  const decode = (value: string): string | number | boolean => {
    try {
      const parsed = JSON.parse(value) as unknown;
      return typeof parsed === "string" || typeof parsed === "number" || typeof parsed === "boolean"
        ? parsed
        : value;
    } catch {
      return value;
    }
  };
  const hyperparameters: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(raw ?? {}))
    if (!key.startsWith("sagemaker_")) hyperparameters[key] = decode(value);
  const program = raw?.["sagemaker_program"];
  const code = raw?.["sagemaker_submit_directory"];
  return {
    hyperparameters,
    ...(program !== undefined && { entryPoint: String(decode(program)) }),
    ...(code !== undefined && { codeUri: String(decode(code)) }),
  };
}

export async function readProject(
  clients: AwsClients,
  options: { endpoint: string; functionName?: string },
): Promise<ImportedProject> {
  const { sagemaker } = clients;
  const guesses: Record<string, string> = {};
  const endpoint = await readOrUndefined(`reading endpoint ${options.endpoint}`, () =>
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: options.endpoint })),
  );
  if (!endpoint)
    throw new OperationalError(
      `there is no SageMaker endpoint ${options.endpoint} in this account and region (AWS_REGION, --region)`,
    );
  const config = await withContext(`reading endpoint config ${endpoint.EndpointConfigName}`, () =>
    sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    ),
  );
  const variants = config.ProductionVariants ?? [];
  const variant = variants[0];
  if (!variant?.ModelName)
    throw new OperationalError(`endpoint ${options.endpoint} serves no model variant`);
  if (variants.length > 1)
    guesses["endpoint.variantName"] =
      `the endpoint has ${variants.length} variants; mlops serves one, the first (${variant.VariantName})`;
  const model = await withContext(`reading model ${variant.ModelName}`, () =>
    sagemaker.send(new DescribeModelCommand({ ModelName: variant.ModelName })),
  );
  const artifact = model.PrimaryContainer?.ModelDataUrl ?? "";
  if (artifact === "" || (model.Containers?.length ?? 0) > 0)
    throw new OperationalError(
      `model ${variant.ModelName} is not one artifact in one container (${(model.Containers?.length ?? 0) > 0 ? "several containers" : "no ModelDataUrl: a model package, uncompressed data or none"}); mlops serves one model.tar.gz, so it cannot describe this endpoint`,
    );
  const capture = config.DataCaptureConfig;
  const [autoscaling, training, lambda] = await Promise.all([
    readAutoscaling(clients, variantResourceId(options.endpoint, variant.VariantName ?? "")),
    readTrainingJob(clients, artifact, guesses),
    options.functionName === undefined
      ? Promise.resolve(undefined)
      : readFunction(clients, options.functionName, guesses),
  ]);

  const artifactAt = parseS3Uri(artifact);
  const data =
    training?.data ?? (artifactAt && { bucket: artifactAt.bucket, prefix: artifactAt.key });
  if (!training?.data)
    guesses["data.source"] =
      `no training job found from the model's artifact (${artifact || "none"}): the data location is the artifact's bucket; put the data set's s3:// prefix here`;
  const modelRole = roleFromArn(model.ExecutionRoleArn);
  return {
    endpoint: {
      name: options.endpoint,
      variantName: variant.VariantName ?? "AllTraffic",
      instanceType: variant.InstanceType ?? "ml.m5.large",
      initialInstanceCount: variant.InitialInstanceCount ?? 1,
      configName: endpoint.EndpointConfigName ?? "",
      ...(capture?.EnableCapture === true && {
        dataCapture: {
          samplingPercentage: capture.InitialSamplingPercentage ?? 100,
          destination: capture.DestinationS3Uri ?? "",
          capture: (capture.CaptureOptions ?? []).map((o) =>
            o.CaptureMode === "Input" ? ("request" as const) : ("response" as const),
          ),
          ...(capture.KmsKeyId !== undefined && { kmsKeyArn: capture.KmsKeyId }),
        },
      }),
    },
    ...(autoscaling && { autoscaling }),
    model: {
      name: variant.ModelName,
      artifact,
      image: model.PrimaryContainer?.Image ?? "",
      environment: model.PrimaryContainer?.Environment ?? {},
      ...(modelRole && { role: modelRole }),
    },
    ...(training && { training: training.job }),
    data: { bucket: data?.bucket ?? "", prefix: data?.prefix ?? "" },
    ...(lambda && { lambda }),
    guesses,
  };
}

async function readAutoscaling(
  clients: AwsClients,
  resourceId: string,
): Promise<ImportedProject["autoscaling"]> {
  const [target, policies] = await Promise.all([
    readTarget({ clients }, resourceId),
    readPolicies({ clients }, resourceId),
  ]);
  if (!target) return undefined;
  const tracking = policies
    .map((p) => p.TargetTrackingScalingPolicyConfiguration)
    .find((c) => c?.PredefinedMetricSpecification?.PredefinedMetricType === INVOCATIONS_METRIC);
  return {
    minCapacity: target.min,
    maxCapacity: target.max,
    targetInvocationsPerInstance: tracking?.TargetValue ?? 0,
    ...(tracking?.ScaleInCooldown !== undefined && {
      scaleInCooldownSeconds: tracking.ScaleInCooldown,
    }),
    ...(tracking?.ScaleOutCooldown !== undefined && {
      scaleOutCooldownSeconds: tracking.ScaleOutCooldown,
    }),
    disableScaleIn: tracking?.DisableScaleIn ?? false,
  };
}

async function readTrainingJob(
  { sagemaker }: AwsClients,
  artifact: string,
  guesses: Record<string, string>,
): Promise<
  { job: NonNullable<ImportedProject["training"]>; data?: ImportedProject["data"] } | undefined
> {
  const name = trainingJobOfArtifact(artifact);
  if (name === undefined) return undefined;
  const job: DescribeTrainingJobCommandOutput | undefined = await readOrUndefined(
    `reading training job ${name}`,
    () => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
  );
  if (!job) return undefined;
  guesses["training"] =
    `from the training job ${name}, found from the model's artifact ${artifact}`;
  const inputs = (job.InputDataConfig ?? [])
    .map((c) => parseS3Uri(c.DataSource?.S3DataSource?.S3Uri ?? ""))
    .filter((l) => l !== undefined);
  const bucket = inputs[0]?.bucket;
  const sameBucket = inputs.filter((l) => l.bucket === bucket);
  const data =
    bucket !== undefined
      ? {
          bucket,
          prefix: commonFolder(sameBucket.map((l) => (l.key.endsWith("/") ? l.key : `${l.key}/`))),
        }
      : undefined;
  const resources = job.ResourceConfig;
  return {
    job: {
      job: name,
      instanceType: resources?.InstanceType ?? "ml.m5.xlarge",
      instanceCount: resources?.InstanceCount ?? 1,
      volumeSizeGB: resources?.VolumeSizeInGB ?? 30,
      ...(job.StoppingCondition?.MaxRuntimeInSeconds !== undefined && {
        maxRuntimeSeconds: job.StoppingCondition.MaxRuntimeInSeconds,
      }),
      ...hyperparametersOf(job.HyperParameters),
    },
    ...(data && { data }),
  };
}

async function readFunction(
  { lambda }: AwsClients,
  FunctionName: string,
  guesses: Record<string, string>,
): Promise<ImportedProject["lambda"]> {
  const fn = await readOrUndefined(`reading Lambda function ${FunctionName}`, () =>
    lambda.send(new GetFunctionCommand({ FunctionName })),
  );
  const c = fn?.Configuration;
  if (!c)
    throw new OperationalError(
      `there is no Lambda function ${FunctionName} in this account and region`,
    );
  const [aliases, provisioned, reserved] = await Promise.all([
    withContext(`listing the aliases of ${FunctionName}`, () =>
      lambda.send(new ListAliasesCommand({ FunctionName })),
    ),
    withContext(`listing the provisioned concurrency of ${FunctionName}`, () =>
      lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName })),
    ),
    withContext(`reading the reserved concurrency of ${FunctionName}`, () =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName })),
    ),
  ]);
  const alias = aliases.Aliases?.[0];
  if ((aliases.Aliases?.length ?? 0) > 1)
    guesses["lambda.alias"] =
      `the function has ${aliases.Aliases?.length} aliases; mlops keeps one, the first (${alias?.Name})`;
  const config = provisioned.ProvisionedConcurrencyConfigs?.find(
    (p) => (p.RequestedProvisionedConcurrentExecutions ?? 0) > 0,
  );
  const qualifier = config?.FunctionArn?.split(":").pop() ?? "";
  if (config && qualifier !== alias?.Name)
    guesses["lambda.provisionedConcurrency"] =
      `it is on version ${qualifier} now; mlops keeps it on the alias, which points at the version it publishes`;
  if (!c.Runtime?.startsWith("nodejs"))
    guesses["lambda.code"] =
      `the function runs ${c.Runtime ?? "a container image"} now; mlops deploys its own Node.js function in front of the endpoint (the plan shows the code change)`;
  const role = roleFromArn(c.Role);
  const architecture = c.Architectures?.[0] === "arm64" ? "arm64" : "x86_64";
  return {
    name: FunctionName,
    runtime: c.Runtime ?? "",
    memory: c.MemorySize ?? 128,
    timeoutSeconds: c.Timeout ?? 3,
    architecture,
    environment: c.Environment?.Variables ?? {},
    ...(role && { role }),
    ...(alias?.Name && { alias: { name: alias.Name, version: alias.FunctionVersion ?? "" } }),
    ...(config && {
      provisioned: { qualifier, count: config.RequestedProvisionedConcurrentExecutions ?? 0 },
    }),
    ...(reserved.ReservedConcurrentExecutions !== undefined && {
      reservedConcurrency: reserved.ReservedConcurrentExecutions,
    }),
  };
}

// AWS's own limits on the config values that reach a request, counted as the request carries
// them: with the tags, hyperparameters and environment variables the tool adds and the JSON
// encoding it applies. The numbers, patterns and instance-type enums come from botocore's
// service models (aws-limits.generated.ts, made by scripts/aws-limits.py), the same models the
// strict emulator checks requests against; the few limits the models lack are constants here,
// each with the AWS page that documents it.
import type { ConfigPath } from "./issues.js";
import { didYouMean } from "./did-you-mean.js";
import { AWS_LIMITS } from "./aws-limits.generated.js";
import { fillTemplate } from "../aws/naming.js";
import { rollbackAlarmNames } from "../graph/alarm-nodes.js";
import type { Config } from "./types.js";

interface Problem {
  path: ConfigPath;
  message: string;
}

interface Limit {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly source: string;
}

/**
 * The most tags a resource the graph creates gets from the tool: graph/graph.ts resourceTags
 * (3), and the IAM roles' mlops:state pointer (graph/iam-nodes.ts).
 */
export const TOOL_TAGS = 4;
/** The EC2 runner's own tags on its instance and volumes (ec2-runner/names.ts runnerTags). */
export const RUNNER_TAGS = 8;
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions: EC2's
// model does not carry its 50-tag limit.
const EC2_MAX_TAGS = 50;
/** Tags per resource: the smallest limit among the services that receive the config's tags. */
export const MAX_TAGS = Math.min(
  AWS_LIMITS.sagemakerTagList.max,
  AWS_LIMITS.iamTagList.max,
  AWS_LIMITS.logsTags.max,
);
export const MAX_USER_TAGS = MAX_TAGS - TOOL_TAGS;

/** Hyperparameters the SageMaker backend adds (training/sagemaker-job.ts), 5 with several instances. */
// sagemaker_program, sagemaker_submit_directory, sagemaker_region, sagemaker_container_log_level
const TOOL_HYPERPARAMETER_COUNT = 4;

// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 4 KB of environment
// variables per function, measured as their JSON; the tool adds MLOPS_ENDPOINT_NAME,
// MLOPS_TOP_K and MLOPS_CORS_ORIGIN (graph/lambda-nodes.ts lambdaEnvironment).
const LAMBDA_ENVIRONMENT_BYTES = 4096;

// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html: each
// key and value of a container's Environment at most 1024 bytes, all of them together 32 KB; the
// model counts characters and lacks the total.
const CONTAINER_ENVIRONMENT_BYTES = 32 * 1024;

const patterns = new Map<string, RegExp>();

/** AWS's (Java) pattern as an anchored JavaScript one: AWS matches the whole value. */
export function awsPattern(java: string): RegExp {
  let re = patterns.get(java);
  if (re === undefined) {
    re = new RegExp(`^(?:${java})$`, "u");
    patterns.set(java, re);
  }
  return re;
}

/** Why AWS refuses `value` under `limit` (as the request carries it), or undefined. */
export function limitProblem(value: string, limit: Limit): string | undefined {
  const where = `(AWS ${limit.source})`;
  if (limit.enum !== undefined && !limit.enum.includes(value)) {
    const hint = didYouMean(value, limit.enum);
    return `"${value}" is not one AWS accepts ${where}${hint === undefined ? "" : `; did you mean "${hint}"?`}`;
  }
  // AWS counts UTF-16 code units, as JavaScript does.
  if (limit.max !== undefined && value.length > limit.max) {
    return `is ${String(value.length)} characters as sent; AWS allows at most ${String(limit.max)} ${where}`;
  }
  if (limit.min !== undefined && value.length < limit.min) {
    return `is ${String(value.length)} characters; AWS needs at least ${String(limit.min)} ${where}`;
  }
  if (limit.pattern !== undefined && !awsPattern(limit.pattern).test(value)) {
    return `"${value}" does not match AWS's pattern ${limit.pattern} ${where}`;
  }
  return undefined;
}

const at = (path: ConfigPath, message: string | undefined): Problem[] =>
  message === undefined ? [] : [{ path, message }];

const TAG_KEY_LIMITS: readonly Limit[] = [
  AWS_LIMITS.sagemakerTagKey,
  AWS_LIMITS.iamTagKey,
  AWS_LIMITS.logsTagKey,
];
const TAG_VALUE_LIMITS: readonly Limit[] = [
  AWS_LIMITS.sagemakerTagValue,
  AWS_LIMITS.iamTagValue,
  AWS_LIMITS.logsTagValue,
];

function first(value: string, limits: readonly Limit[]): string | undefined {
  for (const limit of limits) {
    const found = limitProblem(value, limit);
    if (found !== undefined) return found;
  }
  return undefined;
}

function tagProblems(c: Config): Problem[] {
  const problems = Object.entries(c.tags).flatMap(([key, value]) => [
    ...at(["tags", key], first(key, TAG_KEY_LIMITS)?.replace(/^/, "tag key: ")),
    ...at(["tags", key], first(value, TAG_VALUE_LIMITS)?.replace(/^/, "tag value: ")),
  ]);
  const count = Object.keys(c.tags).filter((k) => k !== "Name").length;
  if (c.training.backend === "ec2" && count + RUNNER_TAGS > EC2_MAX_TAGS) {
    problems.push({
      path: ["tags"],
      message: `has ${String(count)} tags; the EC2 training runner adds ${String(RUNNER_TAGS)} of the ${String(EC2_MAX_TAGS)} EC2 allows per instance, so at most ${String(EC2_MAX_TAGS - RUNNER_TAGS)}`,
    });
  }
  return problems;
}

function hyperparameterProblems(c: Config): Problem[] {
  const t = c.training;
  const hp = t.hyperparameters;
  const own = TOOL_HYPERPARAMETER_COUNT + (t.instance.count > 1 ? 1 : 0);
  const problems: Problem[] = [];
  const count = Object.keys(hp).length;
  if (t.backend === "sagemaker" && count + own > AWS_LIMITS.hyperParameters.max) {
    problems.push({
      path: ["training", "hyperparameters"],
      message: `has ${String(count)} entries; SageMaker allows ${String(AWS_LIMITS.hyperParameters.max)} and the tool adds ${String(own)}, so at most ${String(AWS_LIMITS.hyperParameters.max - own)}`,
    });
  }
  for (const [key, value] of Object.entries(hp)) {
    problems.push(
      ...at(["training", "hyperparameters", key], limitProblem(key, AWS_LIMITS.hyperParameterKey)),
    );
    // Script mode sends every value JSON-encoded: a string gains its quotes and escapes.
    const sent = JSON.stringify(value);
    problems.push(
      ...at(
        ["training", "hyperparameters", key],
        limitProblem(sent, AWS_LIMITS.hyperParameterValue)?.replace(/^is/, "is, JSON-encoded,"),
      ),
    );
  }
  return problems;
}

function instanceTypeProblems(c: Config): Problem[] {
  const t = c.training;
  // A type without "ml." is already reported by semantic-rules.ts, with a hint.
  const sageMaker = (path: ConfigPath, type: string, limit: Limit): Problem[] =>
    type.startsWith("ml.") ? at(path, limitProblem(type, limit)) : [];
  return [
    ...(t.backend === "sagemaker"
      ? sageMaker(
          ["training", "instance", "type"],
          t.instance.type,
          AWS_LIMITS.trainingInstanceType,
        )
      : []),
    ...(t.backend === "ec2"
      ? t.ec2.instanceTypes.flatMap((type, i) =>
          at(
            ["training", "ec2", "instanceTypes", i],
            limitProblem(type, AWS_LIMITS.ec2InstanceType),
          ),
        )
      : []),
    ...sageMaker(
      ["endpoint", "instanceType"],
      c.endpoint.instanceType,
      AWS_LIMITS.endpointInstanceType,
    ),
  ];
}

function metricAndAlarmProblems(c: Config): Problem[] {
  const metrics = c.training.metrics;
  const alarms = c.endpoint.deployment.rollbackAlarms;
  // What the deployment sends: the tool's own endpoint alarms count too.
  const sent = rollbackAlarmNames(c);
  return [
    ...(metrics.length > AWS_LIMITS.metricDefinitionList.max
      ? at(
          ["training", "metrics"],
          `has ${String(metrics.length)} metrics; SageMaker allows ${String(AWS_LIMITS.metricDefinitionList.max)}`,
        )
      : []),
    ...metrics.flatMap((m, i) => [
      ...at(["training", "metrics", i, "name"], limitProblem(m.name, AWS_LIMITS.metricName)),
      ...at(["training", "metrics", i, "regex"], limitProblem(m.regex, AWS_LIMITS.metricRegex)),
    ]),
    ...(sent.length > AWS_LIMITS.alarmList.max
      ? at(
          ["endpoint", "deployment", "rollbackAlarms"],
          `makes ${String(sent.length)} rollback alarms with the tool's own (${String(sent.length - alarms.length)}); SageMaker allows ${String(AWS_LIMITS.alarmList.max)}`,
        )
      : []),
    ...alarms.flatMap((a, i) =>
      at(["endpoint", "deployment", "rollbackAlarms", i], limitProblem(a, AWS_LIMITS.alarmName)),
    ),
  ];
}

function dataCaptureProblems(c: Config): Problem[] {
  const capture = c.endpoint.dataCapture;
  if (!capture) return [];
  // DestinationS3Uri as sent: the data bucket with its template filled (an account id is always
  // 12 digits) and the prefix.
  const bucket = fillTemplate(c.data.bucket, { account: "123456789012", region: c.region }).value;
  return [
    ...at(
      ["endpoint", "dataCapture", "prefix"],
      limitProblem(`s3://${bucket}/${capture.prefix}`, AWS_LIMITS.dataCaptureDestination),
    ),
    ...(capture.kmsKeyArn !== undefined
      ? at(
          ["endpoint", "dataCapture", "kmsKeyArn"],
          limitProblem(capture.kmsKeyArn, AWS_LIMITS.dataCaptureKmsKey),
        )
      : []),
  ];
}

function lambdaProblems(c: Config): Problem[] {
  const l = c.lambda;
  if (!l) return [];
  const problems = Object.keys(l.environment).flatMap((key) =>
    at(["lambda", "environment", key], limitProblem(key, AWS_LIMITS.lambdaEnvironmentVariableName)),
  );
  problems.push(...at(["lambda", "handler"], limitProblem(l.handler, AWS_LIMITS.lambdaHandler)));
  const sent = {
    ...l.environment,
    MLOPS_ENDPOINT_NAME: c.endpoint.name,
    MLOPS_TOP_K: String(l.topK),
    MLOPS_CORS_ORIGIN: l.corsOrigin,
  };
  const bytes = Buffer.byteLength(JSON.stringify(sent));
  if (bytes > LAMBDA_ENVIRONMENT_BYTES) {
    problems.push({
      path: ["lambda", "environment"],
      message: `is ${String(bytes)} bytes as sent (with the tool's MLOPS_ variables); Lambda allows ${String(LAMBDA_ENVIRONMENT_BYTES)} in all`,
    });
  }
  return problems;
}

/** List-size limits of AWS's model (`min`/`max` items), as a problem at the list. */
function listSizeProblem(
  path: ConfigPath,
  items: readonly unknown[],
  limit: { readonly max?: number; readonly source: string },
): Problem[] {
  return limit.max !== undefined && items.length > limit.max
    ? [
        {
          path,
          message: `has ${String(items.length)} entries; AWS allows at most ${String(limit.max)} (AWS ${limit.source})`,
        },
      ]
    : [];
}

/** The Function URL's CORS as CreateFunctionUrlConfig sends it (Cors in AWS's model). */
function functionUrlCorsProblems(c: Config): Problem[] {
  const cors = c.lambda?.url?.cors;
  if (!cors) return [];
  const base = ["lambda", "url", "cors"];
  const each = (field: string, values: readonly string[], limit: Limit): Problem[] =>
    values.flatMap((v, i) => at([...base, field, i], limitProblem(v, limit)));
  const maxAge = AWS_LIMITS.lambdaCorsMaxAge;
  return [
    ...listSizeProblem([...base, "allowOrigins"], cors.allowOrigins, AWS_LIMITS.lambdaCorsOrigins),
    ...each("allowOrigins", cors.allowOrigins, AWS_LIMITS.lambdaCorsOrigin),
    ...listSizeProblem([...base, "allowMethods"], cors.allowMethods, AWS_LIMITS.lambdaCorsMethods),
    ...each("allowMethods", cors.allowMethods, AWS_LIMITS.lambdaCorsMethod),
    ...listSizeProblem([...base, "allowHeaders"], cors.allowHeaders, AWS_LIMITS.lambdaCorsHeaders),
    ...each("allowHeaders", cors.allowHeaders, AWS_LIMITS.lambdaCorsHeader),
    ...listSizeProblem(
      [...base, "exposeHeaders"],
      cors.exposeHeaders,
      AWS_LIMITS.lambdaCorsHeaders,
    ),
    ...each("exposeHeaders", cors.exposeHeaders, AWS_LIMITS.lambdaCorsHeader),
    ...(cors.maxAgeSeconds > maxAge.max
      ? [
          {
            path: [...base, "maxAge"],
            message: `is ${String(cors.maxAgeSeconds)} seconds; AWS allows at most ${String(maxAge.max)} (1d) (AWS ${maxAge.source})`,
          },
        ]
      : []),
  ];
}

/**
 * model.serve as CreateModel and CreateEndpointConfig carry it: the artifact (ModelDataUrl) and
 * image as written, the environment as written (absent, the tool sends its own few variables),
 * and the adopted model and endpoint config by name.
 */
function servedModelProblems(c: Config): Problem[] {
  const serve = c.model.serve;
  if (!serve) return [];
  const base = ["model", "serve"];
  const environment = serve.environment ?? {};
  const bytes = Object.entries(environment).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
  return [
    ...at([...base, "artifact"], limitProblem(serve.artifact, AWS_LIMITS.modelDataUrl)),
    ...at([...base, "image"], limitProblem(serve.image, AWS_LIMITS.containerImage)),
    ...listSizeProblem(
      [...base, "environment"],
      Object.keys(environment),
      AWS_LIMITS.containerEnvironment,
    ),
    ...Object.entries(environment).flatMap(([key, value]) => [
      ...at(
        [...base, "environment", key],
        limitProblem(key, AWS_LIMITS.containerEnvironmentKey)?.replace(/^/, "variable name: "),
      ),
      ...at(
        [...base, "environment", key],
        (
          limitProblem(value, AWS_LIMITS.containerEnvironmentValue) ??
          utf8Problem(value, AWS_LIMITS.containerEnvironmentValue)
        )?.replace(/^/, "value: "),
      ),
    ]),
    ...(bytes > CONTAINER_ENVIRONMENT_BYTES
      ? at(
          [...base, "environment"],
          `is ${String(bytes)} bytes (names and values); SageMaker allows ${String(CONTAINER_ENVIRONMENT_BYTES)} in all`,
        )
      : []),
    ...(serve.adopt.model !== undefined
      ? at([...base, "adopt", "model"], limitProblem(serve.adopt.model, AWS_LIMITS.modelName))
      : []),
    ...(serve.adopt.endpointConfig !== undefined
      ? at(
          [...base, "adopt", "endpointConfig"],
          limitProblem(serve.adopt.endpointConfig, AWS_LIMITS.endpointConfigName),
        )
      : []),
  ];
}

/** A limit AWS documents in bytes where its model counts characters: the value as UTF-8. */
function utf8Problem(value: string, limit: Limit): string | undefined {
  const bytes = Buffer.byteLength(value);
  return limit.max !== undefined && bytes > limit.max
    ? `is ${String(bytes)} bytes in UTF-8; AWS allows at most ${String(limit.max)} (AWS ${limit.source})`
    : undefined;
}

/** Every AWS limit the config's values break, at the value that breaks it. */
export function awsLimitProblems(c: Config): Problem[] {
  return [
    ...tagProblems(c),
    ...hyperparameterProblems(c),
    ...instanceTypeProblems(c),
    ...metricAndAlarmProblems(c),
    ...dataCaptureProblems(c),
    ...lambdaProblems(c),
    ...functionUrlCorsProblems(c),
    ...servedModelProblems(c),
  ];
}

// Rules the JSON Schema cannot express: relations between fields, AWS naming limits including
// the suffixes the tool appends, and files the config refers to. Each rule names the field
// it is about so the problem can be shown at its line.
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import {
  IAM_ROLE_NAME,
  LAMBDA_ALIAS,
  LAMBDA_NAME,
  SAGEMAKER_NAME,
  bucketNameProblem,
  derivedNames,
  fillTemplate,
  longestDerivedSageMakerNames,
  nameProblem,
} from "../aws/naming.js";
import { frameworkProblem } from "../aws/pytorch-images.js";
import { partitionOf } from "../graph/graph.js";
import { awsLimitProblems, MAX_USER_TAGS, TOOL_TAGS } from "./aws-limits.js";
import { formatDuration } from "./duration.js";
import { environmentProblems } from "./environment-rules.js";
import type { ConfigPath } from "./issues.js";
import { serveProblems } from "./serve-rules.js";
import { tuningProblems } from "./tuning-rules.js";
import type { Config } from "./types.js";

export interface Problem {
  path: ConfigPath;
  message: string;
}

type Rule = (config: Config) => Problem[];

const MAX_TRAINING_SECONDS = 28 * 24 * 3600;
const MAX_LAMBDA_TIMEOUT = 900;
/** CloudWatch: EvaluationPeriods x Period at most one day (PutMetricAlarm reference). */
const MAX_ALARM_EVALUATION_SECONDS = 86_400;
/** Families the current x86_64 PyTorch Deep Learning AMIs support. */
export const DLAMI_GPU_FAMILIES = [
  "g4dn",
  "g5",
  "g6",
  "g6e",
  "gr6",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
];
const EXAMPLE_ACCOUNT = "123456789012";
/** IAM's PolicyArn (arnType): 20 to 2048 characters. */
const MAX_POLICY_ARN = 2048;

const problem = (path: ConfigPath, message: string): Problem[] => [{ path, message }];
const none: Problem[] = [];

const rules: Rule[] = [
  // Names
  (c) => {
    const tooLong = longestDerivedSageMakerNames(c.project).find(
      (n) => n.length > SAGEMAKER_NAME.max,
    );
    return tooLong
      ? problem(
          ["project"],
          `is too long: derived names such as "${tooLong}" would exceed ${SAGEMAKER_NAME.max} characters`,
        )
      : none;
  },
  (c) => optional(["endpoint", "name"], nameProblem(c.endpoint.name, SAGEMAKER_NAME)),
  (c) => optional(["endpoint", "variantName"], nameProblem(c.endpoint.variantName, SAGEMAKER_NAME)),
  (c) => (c.lambda ? optional(["lambda", "name"], nameProblem(c.lambda.name, LAMBDA_NAME)) : none),
  (c) =>
    c.lambda ? optional(["lambda", "alias"], nameProblem(c.lambda.alias, LAMBDA_ALIAS)) : none,
  (c) =>
    (["sagemaker", "lambda", "ec2"] as const).flatMap((use) =>
      optional(
        c.iam.roleNames[use] !== undefined ? ["iam", "roleNames", use] : ["project"],
        nameProblem(c.iam.roleNames[use] ?? derivedNames.role(c.project, use), IAM_ROLE_NAME),
      ),
    ),
  (c) =>
    (["sagemaker", "lambda", "ec2"] as const).flatMap((use) =>
      (c.iam.extraPolicies[use] ?? []).flatMap((arn, i) => {
        const partition = partitionOf(c.region);
        if (arn.split(":")[1] !== partition)
          return problem(
            ["iam", "extraPolicies", use, i],
            `"${arn}" is in partition ${arn.split(":")[1] ?? "?"}, but ${c.region} is in ${partition}`,
          );
        return arn.length > MAX_POLICY_ARN
          ? problem(["iam", "extraPolicies", use, i], `is longer than ${MAX_POLICY_ARN} characters`)
          : none;
      }),
    ),
  (c) => bucketRule(c, ["data", "bucket"], c.data.bucket),
  (c) =>
    c.state.bucket !== c.data.bucket ? bucketRule(c, ["state", "bucket"], c.state.bucket) : none,
  (c) =>
    Object.keys(c.tags).flatMap((key) =>
      key.toLowerCase().startsWith("aws:") || key.startsWith("mlops:")
        ? problem(
            ["tags", key],
            `tag key "${key}" uses a reserved prefix (aws: and mlops: are not yours to set)`,
          )
        : none,
    ),
  (c) =>
    Object.keys(c.tags).length > MAX_USER_TAGS
      ? problem(
          ["tags"],
          `has ${Object.keys(c.tags).length} tags; at most ${MAX_USER_TAGS} (the tool adds ${TOOL_TAGS} of the 50 AWS allows)`,
        )
      : none,

  // Data
  (c) =>
    c.data.source.kind === "archive" && c.data.source.url.toLowerCase().startsWith("http:")
      ? problem(["data", "source"], "must use https://, not http://")
      : none,
  (c) =>
    c.data.source.kind === "local" && !isDir(c.data.source.path)
      ? problem(
          ["data", "source"],
          `folder ${shown(c.data.source.path)} does not exist (paths are relative to the config file)`,
        )
      : none,
  (c) =>
    c.data.source.kind === "s3" && c.data.delete
      ? problem(
          ["data", "delete"],
          "cannot be true when data.source is an s3:// prefix: that data is used in place, never synced",
        )
      : none,
  (c) =>
    c.data.source.kind === "s3" && c.data.source.bucket && bucketNameProblem(c.data.source.bucket)
      ? problem(["data", "source"], bucketNameProblem(c.data.source.bucket) ?? "")
      : none,

  // Training (its code only matters to `mlops train` while the config serves a model)
  (c) => (c.model.serve ? none : trainingCodeProblems(c)),
  (c) =>
    c.training.image === undefined
      ? optional(
          ["training", "framework", "version"],
          frameworkProblem(c.training.framework.version, c.training.framework.python),
        )
      : none,
  (c) =>
    c.training.instance.type.startsWith("ml.")
      ? none
      : problem(
          ["training", "instance", "type"],
          `"${c.training.instance.type}" is not a SageMaker instance type; they start with "ml." (e.g. ml.m5.xlarge)`,
        ),
  (c) =>
    c.training.instance.count > 1 && c.training.backend !== "sagemaker"
      ? problem(
          ["training", "instance", "count"],
          `is ${c.training.instance.count}, but only the sagemaker backend trains on several instances`,
        )
      : none,
  (c) =>
    c.training.maxRuntimeSeconds < 60 || c.training.maxRuntimeSeconds > MAX_TRAINING_SECONDS
      ? problem(
          ["training", "maxRuntime"],
          `is ${formatDuration(c.training.maxRuntimeSeconds)}; SageMaker allows 1m to 28d`,
        )
      : none,
  (c) =>
    c.training.spot.enabled && c.training.spot.maxWaitSeconds === undefined
      ? problem(
          ["training", "spot"],
          "needs maxWait when spot is enabled (at least training.maxRuntime)",
        )
      : none,
  (c) => {
    const wait = c.training.spot.maxWaitSeconds;
    return c.training.spot.enabled && wait !== undefined && wait < c.training.maxRuntimeSeconds
      ? problem(
          ["training", "spot", "maxWait"],
          `is ${formatDuration(wait)}; it must be at least training.maxRuntime (${formatDuration(c.training.maxRuntimeSeconds)})`,
        )
      : none;
  },
  (c) =>
    c.training.metrics.flatMap((m, i) => {
      let groups: number;
      try {
        new RegExp(m.regex);
        // Matching the empty alternative yields one slot per capture group, plus one.
        groups = new RegExp(`(?:${m.regex})|`).exec("")?.length ?? 1;
      } catch (error) {
        // V8 says "Invalid regular expression: /.../: Unterminated character class".
        const reason = (error as Error).message.split(": ").at(-1) ?? "";
        return problem(
          ["training", "metrics", i, "regex"],
          `${JSON.stringify(m.regex)} is not a valid regular expression (${reason.toLowerCase()})`,
        );
      }
      return groups < 2
        ? problem(
            ["training", "metrics", i, "regex"],
            "needs a capture group ( ... ) around the value",
          )
        : none;
    }),
  (c) => {
    const seen = new Set<string>();
    return c.training.metrics.flatMap((m, i) => {
      const dup = seen.has(m.name);
      seen.add(m.name);
      return dup
        ? problem(["training", "metrics", i, "name"], `metric "${m.name}" is defined twice`)
        : none;
    });
  },
  (c) =>
    c.training.backend === "ec2"
      ? c.training.ec2.instanceTypes.flatMap((type, i) => {
          const family = type.split(".")[0] ?? "";
          return DLAMI_GPU_FAMILIES.includes(family)
            ? none
            : problem(
                ["training", "ec2", "instanceTypes", i],
                `"${type}" is not a GPU type the PyTorch Deep Learning AMIs support (${DLAMI_GPU_FAMILIES.join(", ")})`,
              );
        })
      : none,
  (c) =>
    c.training.ec2.idleTimeoutSeconds >= c.training.ec2.maxLifetimeSeconds
      ? problem(
          ["training", "ec2", "idleTimeout"],
          `must be shorter than maxLifetime (${formatDuration(c.training.ec2.maxLifetimeSeconds)})`,
        )
      : none,

  // Model
  (c) => {
    const gate = c.model.qualityGate;
    if (!gate) return none;
    if ((gate.min === undefined) === (gate.max === undefined)) {
      return problem(["model", "qualityGate"], "needs exactly one of min or max");
    }
    const names = c.training.metrics.map((m) => m.name);
    // A name without a colon may be a metrics.json key written by the training script.
    if (gate.metric.includes(":") && !names.includes(gate.metric)) {
      return problem(
        ["model", "qualityGate", "metric"],
        `"${gate.metric}" is not defined in training.metrics (${names.join(", ")})`,
      );
    }
    return none;
  },

  // Endpoint
  (c) =>
    c.endpoint.instanceType.startsWith("ml.")
      ? none
      : problem(
          ["endpoint", "instanceType"],
          `"${c.endpoint.instanceType}" is not a SageMaker instance type; they start with "ml." (e.g. ml.m5.large)`,
        ),
  (c) => {
    const a = c.endpoint.autoscaling;
    return a && a.minCapacity > a.maxCapacity
      ? problem(
          ["endpoint", "autoscaling", "minCapacity"],
          `is ${a.minCapacity}, more than maxCapacity (${a.maxCapacity})`,
        )
      : none;
  },
  (c) => {
    const a = c.endpoint.autoscaling;
    const n = c.endpoint.initialInstanceCount;
    // With min above max the range is meaningless; the rule above already reports that.
    return a && a.minCapacity <= a.maxCapacity && (n < a.minCapacity || n > a.maxCapacity)
      ? problem(
          ["endpoint", "initialInstanceCount"],
          `is ${n}, outside the auto-scaling range ${a.minCapacity}-${a.maxCapacity}`,
        )
      : none;
  },
  (c) => {
    const d = c.endpoint.deployment;
    return [
      ...(d.waitIntervalSeconds > 3600
        ? problem(
            ["endpoint", "deployment", "waitInterval"],
            `is ${formatDuration(d.waitIntervalSeconds)}; at most 1h`,
          )
        : none),
      ...(d.terminationWaitSeconds > 3600
        ? problem(
            ["endpoint", "deployment", "terminationWait"],
            `is ${formatDuration(d.terminationWaitSeconds)}; at most 1h`,
          )
        : none),
      ...(d.maxExecutionTimeoutSeconds < 600 || d.maxExecutionTimeoutSeconds > 28_800
        ? problem(
            ["endpoint", "deployment", "maxExecutionTimeout"],
            `is ${formatDuration(d.maxExecutionTimeoutSeconds)}; SageMaker allows 10m to 8h`,
          )
        : none),
    ];
  },

  // Lambda
  (c) =>
    c.lambda && !isDir(c.lambda.code)
      ? problem(
          ["lambda", "code"],
          `folder ${shown(c.lambda.code)} does not exist (run npm run build; paths are relative to the config file)`,
        )
      : none,
  (c) =>
    c.lambda && isDir(c.lambda.code) && !hasRegularFile(c.lambda.code)
      ? problem(
          ["lambda", "code"],
          `folder ${shown(c.lambda.code)} has no files to deploy (run npm run build?)`,
        )
      : none,
  (c) =>
    c.lambda && (c.lambda.timeoutSeconds < 1 || c.lambda.timeoutSeconds > MAX_LAMBDA_TIMEOUT)
      ? problem(
          ["lambda", "timeout"],
          `is ${formatDuration(c.lambda.timeoutSeconds)}; Lambda allows 1s to 15m`,
        )
      : none,
  (c) => {
    const l = c.lambda;
    return l?.reservedConcurrency !== undefined && l.provisionedConcurrency > l.reservedConcurrency
      ? problem(
          ["lambda", "provisionedConcurrency"],
          `is ${l.provisionedConcurrency}, more than reservedConcurrency (${l.reservedConcurrency}); provisioned concurrency counts against the reservation`,
        )
      : none;
  },
  (c) =>
    c.lambda?.url?.auth === "NONE" && c.lambda.reservedConcurrency === undefined
      ? problem(
          ["lambda", "url", "auth"],
          "is NONE (a public URL): set lambda.reservedConcurrency too, the only throttle a public Function URL has",
        )
      : none,
  (c) =>
    c.lambda
      ? Object.keys(c.lambda.environment).flatMap((k) =>
          k.startsWith("MLOPS_") || k.startsWith("AWS_")
            ? problem(
                ["lambda", "environment", k],
                `"${k}" is reserved (MLOPS_ variables are set by the tool, AWS_ ones by Lambda)`,
              )
            : none,
        )
      : none,
  (c) => {
    const m = c.monitoring;
    return [
      ...(m.periodSeconds < 60 || m.periodSeconds % 60 !== 0
        ? problem(
            ["monitoring", "period"],
            `is ${formatDuration(m.periodSeconds)}; use whole minutes (1m or more)`,
          )
        : none),
      ...(m.periodSeconds * m.evaluationPeriods > MAX_ALARM_EVALUATION_SECONDS
        ? problem(
            ["monitoring", "evaluationPeriods"],
            `times period is ${formatDuration(m.periodSeconds * m.evaluationPeriods)}; CloudWatch evaluates at most 1d`,
          )
        : none),
      ...(m.datapointsToAlarm > m.evaluationPeriods
        ? problem(
            ["monitoring", "datapointsToAlarm"],
            `is ${m.datapointsToAlarm}, more than evaluationPeriods (${m.evaluationPeriods})`,
          )
        : none),
      ...(m.topicArn !== undefined && m.topicArn.split(":")[3] !== c.region
        ? problem(
            ["monitoring", "topicArn"],
            `is in another region than ${c.region}; CloudWatch notifies topics of its own region`,
          )
        : none),
    ];
  },
  (c) => {
    const capture = c.endpoint.dataCapture;
    // With data.delete, a sync removes what is under data.prefix and not in the source.
    return capture && c.data.source.kind !== "s3" && capture.prefix.startsWith(c.data.prefix)
      ? problem(
          ["endpoint", "dataCapture", "prefix"],
          `"${capture.prefix}" is inside data.prefix "${c.data.prefix}": the data sync would treat captures as data; use a prefix beside it`,
        )
      : none;
  },
];

export function semanticProblems(config: Config): Problem[] {
  return [
    ...rules.flatMap((rule) => rule(config)),
    ...environmentProblems(config),
    ...awsLimitProblems(config),
    ...tuningProblems(config),
    ...serveProblems(config),
  ];
}

function optional(path: ConfigPath, message: string | undefined): Problem[] {
  return message === undefined ? none : problem(path, message);
}

function bucketRule(c: Config, path: ConfigPath, template: string): Problem[] {
  const { value, unknown } = fillTemplate(template, { account: EXAMPLE_ACCOUNT, region: c.region });
  if (unknown.length > 0) {
    return problem(
      path,
      `unknown placeholder ${unknown.join(", ")}; only \${account} and \${region} are filled in`,
    );
  }
  const message = bucketNameProblem(value);
  return message && template !== value
    ? problem(path, `${message} (with \${account} as a 12-digit id)`)
    : optional(path, message);
}

/** The training code the config points at is missing or outside sourceDir. */
export function trainingCodeProblems(c: Config): Problem[] {
  const found = isDir(c.training.sourceDir);
  // Only sourceDir is packed into sourcedir.tar.gz: the script cannot live outside it.
  const inside = entryPointInside(c);
  const script = join(c.training.sourceDir, c.training.entryPoint);
  return [
    ...(found
      ? none
      : problem(
          ["training", "sourceDir"],
          `folder ${shown(c.training.sourceDir)} does not exist (paths are relative to the config file)`,
        )),
    ...(inside
      ? none
      : problem(
          ["training", "entryPoint"],
          `"${c.training.entryPoint}" points outside training.sourceDir; only that folder is packed for training`,
        )),
    ...(found && inside && !existsSync(script)
      ? problem(["training", "entryPoint"], `${shown(script)} does not exist`)
      : none),
  ];
}

function entryPointInside(c: Config): boolean {
  const { sourceDir, entryPoint } = c.training;
  return !relative(sourceDir, join(sourceDir, entryPoint)).startsWith("..");
}

/** Whether a regular file lies anywhere below `dir` (what the Lambda zip is made of). */
function hasRegularFile(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile());
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A path as the user can find it: relative to the working folder when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

// Rules for `environments:` the schema cannot say: every name an environment derives (the
// project prefix, the endpoint, the function, the roles, each with `-<env>`) within AWS's
// limits, one inference image for all (registry versions name one image), and what an
// environment's overrides must agree with.
import {
  IAM_ROLE_NAME,
  LAMBDA_NAME,
  SAGEMAKER_NAME,
  derivedNames,
  longestDerivedSageMakerNames,
  nameProblem,
} from "../aws/naming.js";
import { isGpuSageMakerInstance } from "../aws/pytorch-images.js";
import { limitProblem, MAX_TAGS, MAX_USER_TAGS, TOOL_TAGS } from "./aws-limits.js";
import { AWS_LIMITS } from "./aws-limits.generated.js";
import type { ConfigPath } from "./issues.js";
import type { Config } from "./types.js";

interface Problem {
  path: ConfigPath;
  message: string;
}

export function environmentProblems(config: Config): Problem[] {
  const environments = config.environments;
  if (!environments) return [];
  if (Object.keys(environments).length === 0) {
    return [
      {
        path: ["environments"],
        message: "declares no environment: add one (e.g. staging) or remove environments:",
      },
    ];
  }
  return Object.entries(environments).flatMap(([name, env]) => {
    const at = (...path: string[]): ConfigPath => ["environments", name, ...path];
    const out: Problem[] = [];
    const add = (path: ConfigPath, message: string | undefined): void => {
      if (message !== undefined) out.push({ path, message });
    };
    const project = `${config.project}-${name}`;
    const long = longestDerivedSageMakerNames(project).find((n) => n.length > SAGEMAKER_NAME.max);
    add(
      at(),
      long &&
        `makes names such as "${long}" longer than ${SAGEMAKER_NAME.max} characters; shorten the project or the environment's name`,
    );
    add(at(), nameProblem(`${config.endpoint.name}-${name}`, SAGEMAKER_NAME));
    if (config.lambda) add(at(), nameProblem(`${config.lambda.name}-${name}`, LAMBDA_NAME));
    for (const use of ["sagemaker", "lambda"] as const) {
      const base = config.iam.roleNames[use];
      add(
        at(),
        nameProblem(base ? `${base}-${name}` : derivedNames.role(project, use), IAM_ROLE_NAME),
      );
    }
    const type = env.endpoint.instanceType;
    if (type !== undefined)
      add(at("endpoint", "instanceType"), limitProblem(type, AWS_LIMITS.endpointInstanceType));
    if (
      type !== undefined &&
      isGpuSageMakerInstance(type) !== isGpuSageMakerInstance(config.endpoint.instanceType)
    ) {
      add(
        at("endpoint", "instanceType"),
        `${type} needs the ${isGpuSageMakerInstance(type) ? "GPU" : "CPU"} inference image, but endpoint.instanceType ${config.endpoint.instanceType} the ${isGpuSageMakerInstance(type) ? "CPU" : "GPU"} one: every environment serves the one image a model version is registered with`,
      );
    }
    const scaling = env.endpoint.autoscaling ?? config.endpoint.autoscaling;
    if (scaling && scaling.minCapacity > scaling.maxCapacity) {
      add(
        at("endpoint", "autoscaling"),
        `minCapacity ${scaling.minCapacity} is above maxCapacity ${scaling.maxCapacity}`,
      );
    }
    if (config.lambda) {
      const provisioned = env.lambda.provisionedConcurrency ?? config.lambda.provisionedConcurrency;
      const reserved = env.lambda.reservedConcurrency ?? config.lambda.reservedConcurrency;
      if (reserved !== undefined && provisioned > reserved) {
        add(
          at("lambda"),
          `provisioned concurrency ${provisioned} is above the reserved concurrency ${reserved} here`,
        );
      }
    } else if (Object.keys(env.lambda).length > 0) {
      add(at("lambda"), "overrides the Lambda function, but the config has no lambda:");
    }
    for (const key of Object.keys(env.tags)) {
      if (key.toLowerCase().startsWith("aws:") || key.startsWith("mlops:"))
        add(
          at("tags", key),
          `tag key "${key}" uses a reserved prefix (aws: and mlops: are not yours to set)`,
        );
    }
    const tags = Object.keys({ ...config.tags, ...env.tags }).length;
    if (tags > MAX_USER_TAGS - 1) {
      add(
        at("tags"),
        `makes ${tags} tags with the config's; at most ${MAX_USER_TAGS - 1} (the tool adds ${TOOL_TAGS + 1} of the ${MAX_TAGS} AWS allows in an environment: mlops:environment too)`,
      );
    }
    return out;
  });
}

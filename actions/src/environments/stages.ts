// Stages of a config with `environments:`: the build stage (data, training, the model registry,
// once) and each environment (its own endpoint, Lambda, roles, state record and lock). Without
// `environments:` there is one implicit stage and nothing here applies.
import type { Config } from "../config/types.js";
import { OperationalError } from "../operational-errors.js";

/** The stage that trains and registers; not a valid environment name (the schema says so). */
export const BUILD_STAGE = "build";

/** The environments in the order the config lists them (the order a model moves through). */
export function environmentNames(config: Config): string[] {
  return Object.keys(config.environments ?? {});
}

export class UnknownEnvironmentError extends OperationalError {
  override name = "UnknownEnvironmentError";
}

/** Refuses a name the config does not declare, naming those it does. */
export function requireEnvironment(config: Config, name: string): void {
  if (name === BUILD_STAGE && config.environments) return;
  if (config.environments?.[name] !== undefined) return;
  const declared = environmentNames(config);
  throw new UnknownEnvironmentError(
    declared.length === 0
      ? `${config.file} declares no environments: drop --env, or add an environments: map`
      : `${config.file} declares no environment "${name}"; it declares ${[BUILD_STAGE, ...declared].join(", ")}`,
  );
}

/**
 * The config as one environment sees it: its overrides applied and every name carrying the
 * environment (`<project>-<env>` prefixes the derived names; the endpoint, the function and
 * named roles get `-<env>`), so stages can share an account. Its state record and lock live
 * under `<state.prefix>environments/<env>/`. Training stays the build stage's (the environment
 * never trains), so no runner role is made here.
 */
export function environmentConfig(config: Config, name: string): Config {
  requireEnvironment(config, name);
  const env = config.environments?.[name];
  if (!env) return config;
  const suffixed = (value: string): string => `${value}-${name}`;
  const autoscaling = env.endpoint.autoscaling ?? config.endpoint.autoscaling;
  const { autoscaling: _base, ...endpoint } = config.endpoint;
  const roleNames = Object.fromEntries(
    Object.entries(config.iam.roleNames).map(([use, role]) => [use, suffixed(role)]),
  );
  return {
    ...config,
    project: suffixed(config.project),
    tags: { ...config.tags, ...env.tags },
    state: { ...config.state, prefix: `${config.state.prefix}environments/${name}/` },
    training: { ...config.training, backend: "sagemaker" },
    endpoint: {
      ...endpoint,
      name: suffixed(config.endpoint.name),
      instanceType: env.endpoint.instanceType ?? config.endpoint.instanceType,
      initialInstanceCount:
        env.endpoint.initialInstanceCount ?? config.endpoint.initialInstanceCount,
      ...(autoscaling !== undefined && { autoscaling }),
    },
    ...(config.lambda && {
      lambda: {
        ...config.lambda,
        name: suffixed(config.lambda.name),
        provisionedConcurrency:
          env.lambda.provisionedConcurrency ?? config.lambda.provisionedConcurrency,
        ...((env.lambda.reservedConcurrency ?? config.lambda.reservedConcurrency) !== undefined && {
          reservedConcurrency: env.lambda.reservedConcurrency ?? config.lambda.reservedConcurrency,
        }),
      },
    }),
    iam: { ...config.iam, roleNames, boundaryProject: config.project },
  };
}

/** The build stage's config: no serving, so no Lambda role; the rest is the config's. */
export function buildStageConfig(config: Config): Config {
  const { lambda: _serving, ...build } = config;
  return build;
}

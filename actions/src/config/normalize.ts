// Turns schema-valid data (defaults filled) into the typed Config: durations in seconds, paths
// absolute, the data source classified. Runs only after the schema accepted the data, so the
// shapes below hold.
import { dirname, resolve } from "node:path";
import { parseDuration } from "./duration.js";
import type {
  AutoscalingConfig,
  Config,
  DataSource,
  EnvironmentConfig,
  FunctionUrlConfig,
  FunctionUrlCors,
  LambdaConfig,
  MonitoringConfig,
  ParameterRange,
  TuningConfig,
} from "./types.js";
import { parseS3Uri } from "../aws/s3-uri.js";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- schema-validated data */

const seconds = (text: string): number => parseDuration(text) ?? 0;

export function normalize(raw: any, file: string): Config {
  const dir = dirname(file);
  const t = raw.training;
  const e = raw.endpoint;
  const d = e.deployment;
  const config: Config = {
    version: 1,
    project: raw.project,
    region: raw.region,
    tags: raw.tags,
    state: {
      bucket: raw.state.bucket ?? raw.data.bucket,
      prefix: raw.state.prefix,
      lockTimeoutSeconds: seconds(raw.state.lockTimeout),
      lockTtlSeconds: seconds(raw.state.lockTtl),
    },
    data: {
      source: dataSource(raw.data.source, dir),
      bucket: raw.data.bucket,
      prefix: raw.data.prefix,
      delete: raw.data.delete,
      exclude: raw.data.exclude,
      concurrency: raw.data.concurrency,
    },
    training: {
      backend: t.backend,
      entryPoint: t.entryPoint,
      sourceDir: resolve(dir, t.sourceDir),
      framework: t.framework,
      ...(t.image !== undefined && { image: t.image }),
      instance: t.instance,
      spot: {
        enabled: t.spot.enabled,
        ...(t.spot.maxWait !== undefined && { maxWaitSeconds: seconds(t.spot.maxWait) }),
      },
      maxRuntimeSeconds: seconds(t.maxRuntime),
      hyperparameters: t.hyperparameters,
      metrics: t.metrics,
      ...(t.vpc !== undefined && { vpc: t.vpc }),
      ec2: {
        instanceTypes: t.ec2.instanceTypes,
        market: t.ec2.market,
        amiType: t.ec2.amiType,
        ...(t.ec2.ami !== undefined && { ami: t.ec2.ami }),
        subnets: t.ec2.subnets,
        securityGroups: t.ec2.securityGroups,
        volumeSizeGB: t.ec2.volumeSizeGB,
        maxLifetimeSeconds: seconds(t.ec2.maxLifetime),
        idleTimeoutSeconds: seconds(t.ec2.idleTimeout),
        registrationTimeoutSeconds: seconds(t.ec2.registrationTimeout),
      },
      local: t.local,
      ...(t.tuning !== undefined && { tuning: tuningConfig(t.tuning) }),
    },
    model: {
      ...(raw.model.qualityGate !== undefined && { qualityGate: raw.model.qualityGate }),
      keep: raw.model.keep,
      ...(raw.model.serve !== undefined && {
        serve: {
          artifact: raw.model.serve.artifact,
          image: raw.model.serve.image,
          ...(raw.model.serve.environment !== undefined && {
            environment: raw.model.serve.environment,
          }),
          adopt: raw.model.serve.adopt ?? {},
        },
      }),
    },
    endpoint: {
      name: e.name,
      variantName: e.variantName,
      instanceType: e.instanceType,
      initialInstanceCount: e.initialInstanceCount,
      ...(e.dataCapture !== undefined && { dataCapture: e.dataCapture }),
      deployment: {
        strategy: d.strategy,
        traffic: d.traffic,
        canarySize: d.canarySize,
        linearStepSize: d.linearStepSize,
        waitIntervalSeconds: seconds(d.waitInterval),
        terminationWaitSeconds: seconds(d.terminationWait),
        maxExecutionTimeoutSeconds: seconds(d.maxExecutionTimeout),
        maxBatchSize: d.maxBatchSize,
        rollbackAlarms: d.rollbackAlarms,
      },
      ...(e.autoscaling !== undefined && { autoscaling: autoscalingConfig(e.autoscaling) }),
    },
    monitoring: monitoringConfig(raw.monitoring),
    iam: {
      path: raw.iam.path,
      ...(raw.iam.permissionsBoundary !== undefined && {
        permissionsBoundary: raw.iam.permissionsBoundary,
      }),
      roleNames: raw.iam.roleNames ?? {},
      extraPolicies: raw.iam.extraPolicies ?? {},
    },
    file,
  };
  if (raw.lambda !== undefined) config.lambda = lambdaConfig(raw.lambda, dir);
  if (raw.environments !== undefined) config.environments = environmentsConfig(raw.environments);
  return config;
}

function monitoringConfig(m: any): MonitoringConfig {
  return {
    alarms: m.alarms,
    periodSeconds: seconds(m.period),
    evaluationPeriods: m.evaluationPeriods,
    datapointsToAlarm: m.datapointsToAlarm,
    endpoint: {
      invocation5xxErrors: m.endpoint.invocation5xxErrors,
      modelLatencyP99Ms: m.endpoint.modelLatencyP99Ms,
      ...(m.endpoint.invocation4xxErrorRate !== undefined && {
        invocation4xxErrorRate: m.endpoint.invocation4xxErrorRate,
      }),
    },
    lambda: {
      errors: m.lambda.errors,
      throttles: m.lambda.throttles,
      spillover: m.lambda.spillover,
    },
    ...(m.topicArn !== undefined && { topicArn: m.topicArn }),
  };
}

function autoscalingConfig(a: any): AutoscalingConfig {
  return {
    minCapacity: a.minCapacity,
    maxCapacity: a.maxCapacity,
    targetInvocationsPerInstance: a.targetInvocationsPerInstance,
    scaleInCooldownSeconds: seconds(a.scaleInCooldown),
    scaleOutCooldownSeconds: seconds(a.scaleOutCooldown),
    disableScaleIn: a.disableScaleIn,
  };
}

function environmentsConfig(raw: any): Record<string, EnvironmentConfig> {
  const out: Record<string, EnvironmentConfig> = {};
  for (const [name, env] of Object.entries<any>(raw)) {
    const e = env.endpoint ?? {};
    out[name] = {
      approval: env.approval === true,
      tags: env.tags ?? {},
      endpoint: {
        ...(e.instanceType !== undefined && { instanceType: e.instanceType }),
        ...(e.initialInstanceCount !== undefined && {
          initialInstanceCount: e.initialInstanceCount,
        }),
        ...(e.autoscaling !== undefined && { autoscaling: autoscalingConfig(e.autoscaling) }),
      },
      lambda: { ...env.lambda },
    };
  }
  return out;
}

function lambdaConfig(l: any, dir: string): LambdaConfig {
  const url = functionUrlConfig(l.url);
  return {
    name: l.name,
    code: resolve(dir, l.code),
    handler: l.handler,
    runtime: l.runtime,
    architecture: l.architecture,
    memory: l.memory,
    timeoutSeconds: seconds(l.timeout),
    alias: l.alias,
    provisionedConcurrency: l.provisionedConcurrency,
    ...(l.reservedConcurrency !== undefined && { reservedConcurrency: l.reservedConcurrency }),
    topK: l.topK,
    corsOrigin: l.corsOrigin ?? defaultCorsOrigin(url?.cors),
    logRetentionDays: l.logRetentionDays,
    environment: l.environment,
    ...(url !== undefined && { url }),
  };
}

function functionUrlConfig(u: any): FunctionUrlConfig | undefined {
  if (u === undefined) return undefined;
  const c = u.cors;
  return {
    auth: u.auth,
    ...(c !== undefined && {
      cors: {
        allowOrigins: c.allowOrigins,
        allowMethods: c.allowMethods,
        allowHeaders: c.allowHeaders,
        exposeHeaders: c.exposeHeaders,
        allowCredentials: c.allowCredentials,
        maxAgeSeconds: seconds(c.maxAge),
      },
    }),
  };
}

/**
 * The function's own CORS origin when the config names none: the URL's, when its CORS allows
 * exactly one origin (or any); otherwise none, and the URL's CORS answers browsers (Lambda's
 * URL headers take precedence over the function's).
 */
function defaultCorsOrigin(cors: FunctionUrlCors | undefined): string {
  if (cors === undefined) return "";
  if (cors.allowOrigins.includes("*")) return "*";
  return cors.allowOrigins.length === 1 ? (cors.allowOrigins[0] ?? "") : "";
}

export function dataSource(source: string, dir: string): DataSource {
  if (/^https?:\/\//i.test(source)) return { kind: "archive", url: source };
  const s3 = parseS3Uri(source);
  if (s3) {
    const prefix = s3.key;
    return {
      kind: "s3",
      bucket: s3.bucket,
      prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix,
    };
  }
  return { kind: "local", path: resolve(dir, source) };
}

function tuningConfig(raw: any): TuningConfig {
  const parameters: Record<string, ParameterRange> = {};
  for (const [name, range] of Object.entries<any>(raw.parameters)) {
    // Fields that do not belong to the range's type are reported by tuning-rules.ts.
    parameters[name] =
      range.type === "categorical"
        ? { type: "categorical", values: range.values ?? [] }
        : { type: range.type, min: range.min ?? 0, max: range.max ?? 0, scaling: range.scaling };
  }
  return {
    enabled: raw.enabled,
    objective: raw.objective,
    strategy: raw.strategy,
    ...(raw.maxJobs !== undefined && { maxJobs: raw.maxJobs }),
    maxParallelJobs: raw.maxParallelJobs,
    earlyStopping: raw.earlyStopping,
    warmStart: raw.warmStart,
    seed: raw.seed,
    parameters,
  };
}

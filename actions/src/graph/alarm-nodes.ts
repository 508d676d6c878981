// Nodes of the monitoring capability: the tool's own CloudWatch alarms on the endpoint variant
// and the Lambda alias (`monitoring:` in the config). The endpoint's alarms double as the
// rollback alarms of canary and linear deployments, so the endpoint depends on them.
import type { Config } from "../config/types.js";
import type { GraphBuilder } from "./graph-builder.js";

export const ALARM_KIND = "cloudwatch.alarm";

/** What PutMetricAlarm sets (in the shape DescribeAlarms reports it, so the two compare). */
export interface AlarmSpec {
  description: string;
  namespace: string;
  metricName: string;
  dimensions: { name: string; value: string }[];
  /** One of the two: a simple statistic or a percentile ("p99"). */
  statistic?: "Sum" | "Average";
  extendedStatistic?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: "GreaterThanThreshold";
  /** No traffic is no trouble: an idle endpoint stays OK. */
  treatMissingData: "notBreaching";
  /** SNS topic ARNs notified on ALARM and on OK. */
  actions: string[];
}

interface AlarmDefinition {
  /** Last segment of the node address, e.g. "endpoint-5xx". */
  id: string;
  name: string;
  spec: AlarmSpec;
}

const alarmName = (config: Config, id: string): string => `${config.project}-${id}`;

function common(
  config: Config,
): Omit<AlarmSpec, "description" | "namespace" | "metricName" | "dimensions" | "threshold"> {
  const m = config.monitoring;
  return {
    periodSeconds: m.periodSeconds,
    evaluationPeriods: m.evaluationPeriods,
    datapointsToAlarm: m.datapointsToAlarm,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    actions: m.topicArn !== undefined ? [m.topicArn] : [],
  };
}

/** The endpoint variant's alarms (none when monitoring.alarms is false). */
export function endpointAlarms(config: Config): AlarmDefinition[] {
  if (!config.monitoring.alarms) return [];
  const e = config.endpoint;
  const t = config.monitoring.endpoint;
  const variant = {
    ...common(config),
    namespace: "AWS/SageMaker",
    dimensions: [
      { name: "EndpointName", value: e.name },
      { name: "VariantName", value: e.variantName },
    ],
  };
  const alarms: AlarmDefinition[] = [
    {
      id: "endpoint-5xx",
      name: alarmName(config, "endpoint-5xx"),
      spec: {
        ...variant,
        description: `Endpoint ${e.name}: more than ${t.invocation5xxErrors} invocations per period failed with a 5XX (mlops-gitops)`,
        metricName: "Invocation5XXErrors",
        statistic: "Sum",
        threshold: t.invocation5xxErrors,
      },
    },
    {
      id: "endpoint-latency-p99",
      name: alarmName(config, "endpoint-latency-p99"),
      spec: {
        ...variant,
        description: `Endpoint ${e.name}: p99 model latency above ${t.modelLatencyP99Ms} ms (mlops-gitops)`,
        metricName: "ModelLatency",
        extendedStatistic: "p99",
        // ModelLatency is reported in microseconds.
        threshold: t.modelLatencyP99Ms * 1000,
      },
    },
  ];
  if (t.invocation4xxErrorRate !== undefined) {
    alarms.push({
      id: "endpoint-4xx-rate",
      name: alarmName(config, "endpoint-4xx-rate"),
      spec: {
        ...variant,
        description: `Endpoint ${e.name}: more than ${t.invocation4xxErrorRate}% of invocations failed with a 4XX (mlops-gitops)`,
        metricName: "Invocation4XXErrors",
        // SageMaker sends 1 per 4XX and 0 otherwise: the average is the error rate.
        statistic: "Average",
        threshold: t.invocation4xxErrorRate / 100,
      },
    });
  }
  return alarms;
}

/** The Lambda alias's alarms (none without a lambda block or with monitoring.alarms false). */
export function lambdaAlarms(config: Config): AlarmDefinition[] {
  const l = config.lambda;
  if (!config.monitoring.alarms || !l) return [];
  const t = config.monitoring.lambda;
  const alias = {
    ...common(config),
    namespace: "AWS/Lambda",
    statistic: "Sum" as const,
    // Metrics of the alias the API calls (Resource is "<function>:<alias>").
    dimensions: [
      { name: "FunctionName", value: l.name },
      { name: "Resource", value: `${l.name}:${l.alias}` },
    ],
  };
  const alarms: AlarmDefinition[] = [
    {
      id: "lambda-errors",
      name: alarmName(config, "lambda-errors"),
      spec: {
        ...alias,
        description: `Lambda ${l.name}:${l.alias}: more than ${t.errors} failed invocations per period (mlops-gitops)`,
        metricName: "Errors",
        threshold: t.errors,
      },
    },
    {
      id: "lambda-throttles",
      name: alarmName(config, "lambda-throttles"),
      spec: {
        ...alias,
        description: `Lambda ${l.name}:${l.alias}: more than ${t.throttles} throttled invocations per period (mlops-gitops)`,
        metricName: "Throttles",
        threshold: t.throttles,
      },
    },
  ];
  if (l.provisionedConcurrency > 0) {
    alarms.push({
      id: "lambda-spillover",
      name: alarmName(config, "lambda-spillover"),
      spec: {
        ...alias,
        description: `Lambda ${l.name}:${l.alias}: more than ${t.spillover} invocations per period beyond the provisioned concurrency (mlops-gitops)`,
        metricName: "ProvisionedConcurrencySpilloverInvocations",
        threshold: t.spillover,
      },
    });
  }
  return alarms;
}

/** Every alarm the tool manages for this config. */
export const toolAlarms = (config: Config): AlarmDefinition[] => [
  ...endpointAlarms(config),
  ...lambdaAlarms(config),
];

export const alarmAddress = (id: string): string => `${ALARM_KIND}.${id}`;

/**
 * The AutoRollbackConfiguration alarms of a deployment: the user's, plus the tool's endpoint
 * alarms for blue/green canary and linear shifts (whose baking steps they guard).
 */
export function rollbackAlarmNames(config: Config): string[] {
  const d = config.endpoint.deployment;
  const guarded = d.strategy === "blue-green" && (d.traffic === "canary" || d.traffic === "linear");
  const own = guarded ? endpointAlarms(config).map((a) => a.name) : [];
  return [...new Set([...own, ...d.rollbackAlarms])];
}

/** One node per alarm the tool manages. */
export function addAlarmNodes(b: GraphBuilder): void {
  for (const alarm of toolAlarms(b.config)) {
    b.add<AlarmSpec>(alarmAddress(alarm.id), ALARM_KIND, alarm.name, alarm.spec);
  }
}

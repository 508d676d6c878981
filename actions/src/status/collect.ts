// Reads the live service for `mlops status`: only Describe/Get/List calls (the plan role's), each
// section independent of the others. A section that cannot be read fails the command: a
// partial status would read as "all is well" where it is not.
import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  GetAliasCommand,
  GetFunctionConcurrencyCommand,
  GetProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
} from "@aws-sdk/client-sagemaker";
import { readOrUndefined, withContext } from "../aws/errors.js";
import { servedNow } from "../environments/served.js";
import { BUILD_STAGE } from "../environments/stages.js";
import { rollbackAlarmNames, toolAlarms } from "../graph/alarm-nodes.js";
import { describeAlarms } from "../resources/cloudwatch/alarm.js";
import { deployedFunctionUrl } from "../resources/lambda/function-url.js";
import {
  SCALABLE_DIMENSION,
  SERVICE_NAMESPACE,
  variantResourceId,
} from "../resources/autoscaling/variant-scaling.js";
import type { Session } from "../session.js";
import type {
  AlarmStatus,
  EndpointStatus,
  LambdaStatus,
  ServiceStatus,
  TrainingRunStatus,
} from "./types.js";

/** How many training runs the status lists. */
export const TRAINING_RUNS_SHOWN = 5;

const iso = (d: Date): string => d.toISOString();

export async function collectStatus(session: Session): Promise<ServiceStatus> {
  const [endpoint, alarms, lambda, training] = await Promise.all([
    endpointStatus(session),
    alarmStatus(session),
    lambdaStatus(session),
    trainingStatus(session),
  ]);
  const { project, account, region } = session.graph.context;
  return {
    project,
    account,
    region,
    readAt: new Date(session.ctx.clock.now()).toISOString(),
    endpoint,
    alarms,
    ...(lambda !== undefined && { lambda }),
    training,
  };
}

async function endpointStatus(session: Session): Promise<EndpointStatus> {
  const { sagemaker, autoscaling } = session.clients;
  const e = session.config.endpoint;
  const out = await readOrUndefined(`reading endpoint ${e.name}`, () =>
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: e.name })),
  );
  if (!out) return { name: e.name };
  const configName = out.EndpointConfigName ?? "";
  const resourceId = variantResourceId(e.name, e.variantName);
  const [config, targets, deployments, record] = await Promise.all([
    readOrUndefined(`reading endpoint config ${configName}`, () =>
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
    ),
    withContext(`reading the scalable target ${resourceId}`, () =>
      autoscaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: SERVICE_NAMESPACE,
          ResourceIds: [resourceId],
          ScalableDimension: SCALABLE_DIMENSION,
        }),
      ),
    ),
    session.ctx.state?.deployments() ?? Promise.resolve([]),
    session.state.read(),
  ]);
  // An environment's record says which registry version it serves (the build stage serves none).
  const served = session.stage?.name === BUILD_STAGE ? undefined : servedNow(record);
  const variant =
    out.ProductionVariants?.find((v) => v.VariantName === e.variantName) ??
    out.ProductionVariants?.[0];
  const configVariant =
    config?.ProductionVariants?.find((v) => v.VariantName === e.variantName) ??
    config?.ProductionVariants?.[0];
  const target = targets.ScalableTargets?.find((t) => t.ResourceId === resourceId);
  const deployed = [...deployments].reverse().find((d) => d.endpointConfig === configName);
  const capture = out.DataCaptureConfig;
  const servingSince =
    deployed?.at ?? (out.LastModifiedTime ? iso(out.LastModifiedTime) : undefined);
  return {
    name: e.name,
    status: out.EndpointStatus ?? "",
    ...(out.FailureReason && { failureReason: out.FailureReason }),
    ...(configVariant?.InstanceType !== undefined && { instanceType: configVariant.InstanceType }),
    instances: {
      ...(variant?.CurrentInstanceCount !== undefined && { current: variant.CurrentInstanceCount }),
      ...(variant?.DesiredInstanceCount !== undefined && { desired: variant.DesiredInstanceCount }),
      ...(target?.MinCapacity !== undefined && { min: target.MinCapacity }),
      ...(target?.MaxCapacity !== undefined && { max: target.MaxCapacity }),
    },
    endpointConfig: configName,
    ...(configVariant?.ModelName !== undefined && { model: configVariant.ModelName }),
    ...(served !== undefined && { modelVersion: String(served.version) }),
    ...(servingSince !== undefined && { servingSince }),
    ...(deployed !== undefined && { deployedBy: deployed.origin ? "retrain" : "config" }),
    dataCapture:
      capture?.EnableCapture === true
        ? {
            enabled: true,
            ...(capture.CurrentSamplingPercentage !== undefined && {
              samplingPercentage: capture.CurrentSamplingPercentage,
            }),
            ...(capture.DestinationS3Uri !== undefined && {
              destination: capture.DestinationS3Uri,
            }),
          }
        : { enabled: false },
  };
}

async function alarmStatus(session: Session): Promise<AlarmStatus[]> {
  const names = [
    ...new Set([
      ...toolAlarms(session.config).map((a) => a.name),
      ...rollbackAlarmNames(session.config),
    ]),
  ];
  const found = new Map((await describeAlarms(session.ctx, names)).map((a) => [a.AlarmName, a]));
  return names.map((name): AlarmStatus => {
    const a = found.get(name);
    if (!a) return { name, state: "missing" };
    return {
      name,
      state: a.StateValue ?? "",
      ...(a.StateReason !== undefined && { reason: a.StateReason }),
      ...(a.StateUpdatedTimestamp !== undefined && { since: iso(a.StateUpdatedTimestamp) }),
    };
  });
}

async function lambdaStatus(session: Session): Promise<LambdaStatus | undefined> {
  const l = session.config.lambda;
  if (!l) return undefined;
  const { lambda } = session.clients;
  const [alias, provisioned, reserved, url] = await Promise.all([
    readOrUndefined(`reading alias ${l.name}:${l.alias}`, () =>
      lambda.send(new GetAliasCommand({ FunctionName: l.name, Name: l.alias })),
    ),
    readOrUndefined(`reading the provisioned concurrency of ${l.name}:${l.alias}`, () =>
      lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: l.name, Qualifier: l.alias }),
      ),
    ),
    readOrUndefined(`reading the reserved concurrency of ${l.name}`, () =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: l.name })),
    ),
    deployedFunctionUrl(session.graph, session.ctx),
  ]);
  return {
    name: l.name,
    alias: l.alias,
    ...(alias?.FunctionVersion !== undefined && { version: alias.FunctionVersion }),
    ...(provisioned !== undefined && {
      provisionedConcurrency: {
        ...(provisioned.RequestedProvisionedConcurrentExecutions !== undefined && {
          requested: provisioned.RequestedProvisionedConcurrentExecutions,
        }),
        ...(provisioned.AvailableProvisionedConcurrentExecutions !== undefined && {
          available: provisioned.AvailableProvisionedConcurrentExecutions,
        }),
        ...(provisioned.Status !== undefined && { status: provisioned.Status }),
      },
    }),
    ...(reserved?.ReservedConcurrentExecutions !== undefined && {
      reservedConcurrency: reserved.ReservedConcurrentExecutions,
    }),
    ...(url !== undefined && { url: { url: url.url, authType: url.authType } }),
  };
}

/**
 * The latest training runs: SageMaker's training jobs, and the runs of the local and EC2
 * backends, which only the state record knows.
 */
async function trainingStatus(session: Session): Promise<TrainingRunStatus[]> {
  const [jobs, state] = await Promise.all([sageMakerRuns(session), session.state.read()]);
  const records = Object.values(state.training);
  // The metrics the tool recorded (its regexes over the job's log, the quality gate's input)
  // complete SageMaker's FinalMetricDataList.
  const recorded = new Map(records.map((r) => [r.job, r.metrics ?? {}]));
  const fromSageMaker = jobs.map((j) => ({
    ...j,
    metrics: { ...recorded.get(j.job), ...j.metrics },
  }));
  const elsewhere = records
    .filter((r) => r.backend !== "sagemaker")
    .map((r): TrainingRunStatus => ({
      job: r.job,
      status: r.status,
      ...(r.finishedAt !== undefined && { endedAt: r.finishedAt }),
      metrics: r.metrics ?? {},
      ...(r.failureReason !== undefined && { failureReason: r.failureReason }),
    }));
  const when = (r: TrainingRunStatus): string => r.endedAt ?? r.startedAt ?? "";
  return [...fromSageMaker, ...elsewhere]
    .sort((a, b) => when(b).localeCompare(when(a)))
    .slice(0, TRAINING_RUNS_SHOWN);
}

async function sageMakerRuns(session: Session): Promise<TrainingRunStatus[]> {
  const { sagemaker } = session.clients;
  const project = session.config.project;
  const list = await withContext(`listing the training jobs of ${project}`, () =>
    sagemaker.send(
      new ListTrainingJobsCommand({
        NameContains: `${project}-`,
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: TRAINING_RUNS_SHOWN,
      }),
    ),
  );
  const jobs = (list.TrainingJobSummaries ?? [])
    .map((j) => j.TrainingJobName ?? "")
    // NameContains matches anywhere: keep the project's own jobs (named <project>-...).
    .filter((name) => name.startsWith(`${project}-`));
  return Promise.all(
    jobs.map(async (job): Promise<TrainingRunStatus> => {
      const d = await withContext(`reading training job ${job}`, () =>
        sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: job })),
      );
      const metrics: Record<string, number> = {};
      for (const m of d.FinalMetricDataList ?? [])
        if (m.MetricName !== undefined && m.Value !== undefined) metrics[m.MetricName] = m.Value;
      return {
        job,
        status: d.TrainingJobStatus ?? "",
        ...(d.TrainingStartTime !== undefined && { startedAt: iso(d.TrainingStartTime) }),
        ...(d.TrainingEndTime !== undefined && { endedAt: iso(d.TrainingEndTime) }),
        metrics,
        ...(d.FailureReason && { failureReason: d.FailureReason }),
      };
    }),
  );
}

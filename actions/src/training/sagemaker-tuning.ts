// A search on SageMaker: one CreateHyperParameterTuningJob whose training definition is the
// single job's (image, role, data channel, metric definitions, spot and checkpoints, instances),
// and the mapping of its description and trials into the run the model and the endpoint use:
// the best trial's job, artifact and metrics.
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  paginateListTrainingJobsForHyperParameterTuningJob,
  type CreateHyperParameterTuningJobCommandInput,
  type DescribeHyperParameterTuningJobCommandOutput,
  type CategoricalParameterRange,
  type ContinuousParameterRange,
  type HyperParameterTrainingJobSummary,
  type IntegerParameterRange,
  type ParameterRanges,
} from "@aws-sdk/client-sagemaker";
import { AwsOperationError, classifyError, isNotFound } from "../aws/errors.js";
import type { TuningSpec, TrainingSpec } from "../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../resources/handler.js";
import type { TrialResult, TuningResult } from "../resources/state-records.js";
import { createTrainingJobRequest, type TrainingObserved } from "./sagemaker-job.js";
import { TrainingFailedError } from "./local-runner.js";
import { describeJob, waitForRun } from "./sagemaker-runner.js";
import { tuningReportText } from "./tuning-report.js";
import { searchRecord } from "./tuning-result.js";
import { gridSize } from "./tuning-search.js";

const SCALING = { auto: "Auto", linear: "Linear", log: "Logarithmic" } as const;
const STRATEGY = {
  bayesian: "Bayesian",
  random: "Random",
  hyperband: "Hyperband",
  grid: "Grid",
} as const;
const GOAL = { maximize: "Maximize", minimize: "Minimize" } as const;

function parameterRanges(tuning: TuningSpec): ParameterRanges {
  const continuous: ContinuousParameterRange[] = [];
  const integer: IntegerParameterRange[] = [];
  const categorical: CategoricalParameterRange[] = [];
  for (const [name, range] of Object.entries(tuning.parameters)) {
    if (range.type === "categorical") {
      categorical.push({ Name: name, Values: range.values.map(String) });
      continue;
    }
    const bounds = {
      Name: name,
      MinValue: String(range.min),
      MaxValue: String(range.max),
      ScalingType: SCALING[range.scaling],
    };
    if (range.type === "integer") integer.push(bounds);
    else continuous.push(bounds);
  }
  // Empty lists are left out, as AWS's own examples do.
  return {
    ...(continuous.length > 0 && { ContinuousParameterRanges: continuous }),
    ...(integer.length > 0 && { IntegerParameterRanges: integer }),
    ...(categorical.length > 0 && { CategoricalParameterRanges: categorical }),
  };
}

export function createTuningJobRequest(
  spec: TrainingSpec & { tuning: TuningSpec },
  name: string,
  sourceArchiveUri: string,
  region: string,
  tags: Record<string, string>,
  warmStartFrom: string | undefined,
): CreateHyperParameterTuningJobCommandInput {
  const tuning = spec.tuning;
  // The single job's request is the definition: nothing about a trial differs but its values.
  const single = createTrainingJobRequest(spec, name, sourceArchiveUri, region, {});
  const grid = tuning.strategy === "grid";
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: STRATEGY[tuning.strategy],
      HyperParameterTuningJobObjective: {
        Type: GOAL[tuning.objective.goal],
        MetricName: tuning.objective.metric,
      },
      ResourceLimits: {
        // A grid runs every combination: SageMaker works the number out itself.
        ...(!grid && tuning.maxJobs !== undefined && { MaxNumberOfTrainingJobs: tuning.maxJobs }),
        MaxParallelTrainingJobs: tuning.maxParallelJobs,
      },
      ParameterRanges: parameterRanges(tuning),
      TrainingJobEarlyStoppingType: tuning.earlyStopping ? "Auto" : "Off",
      RandomSeed: tuning.seed,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: single.HyperParameters,
      AlgorithmSpecification: {
        TrainingImage: single.AlgorithmSpecification?.TrainingImage,
        TrainingInputMode: "File",
        MetricDefinitions: single.AlgorithmSpecification?.MetricDefinitions,
      },
      RoleArn: single.RoleArn,
      InputDataConfig: single.InputDataConfig,
      OutputDataConfig: single.OutputDataConfig,
      ResourceConfig: single.ResourceConfig,
      StoppingCondition: single.StoppingCondition,
      ...(single.EnableManagedSpotTraining === true && {
        EnableManagedSpotTraining: true,
        CheckpointConfig: single.CheckpointConfig,
      }),
      ...(single.VpcConfig !== undefined && { VpcConfig: single.VpcConfig }),
    },
    ...(warmStartFrom !== undefined && {
      WarmStartConfig: {
        ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: warmStartFrom }],
        WarmStartType: "IdenticalDataAndAlgorithm",
      },
    }),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export async function startTuningJob(
  request: CreateHyperParameterTuningJobCommandInput,
  ctx: HandlerContext,
): Promise<void> {
  const name = request.HyperParameterTuningJobName ?? "";
  try {
    await ctx.clients.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const limits = request.HyperParameterTuningJobConfig?.ResourceLimits;
    ctx.logger.info(
      `started SageMaker tuning job ${name}: ${limits?.MaxNumberOfTrainingJobs ?? "grid of"} trials, ${limits?.MaxParallelTrainingJobs ?? 1} at a time${request.WarmStartConfig ? `, warm-started from ${request.WarmStartConfig.ParentHyperParameterTuningJobs?.[0]?.HyperParameterTuningJobName ?? "?"}` : ""}`,
    );
  } catch (error) {
    // Another run started the same search (same fingerprint and attempt) a moment ago: join it.
    const e = error as { name?: string; message?: string };
    if (e.name === "ResourceInUse" || /already exists/i.test(e.message ?? "")) {
      ctx.logger.info(`tuning job ${name} already exists; waiting for it`);
      return;
    }
    if (classifyError(error) === "retryable") throw error;
    throw new AwsOperationError(`creating tuning job ${name}`, error);
  }
}

function trialOf(s: HyperParameterTrainingJobSummary): TrialResult {
  const objective = s.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  return {
    job: s.TrainingJobName ?? "",
    status: s.TrainingJobStatus ?? "InProgress",
    hyperparameters: s.TunedHyperParameters ?? {},
    ...(objective !== undefined && { objective }),
    ...(s.FailureReason !== undefined &&
      s.FailureReason !== "" && {
        failureReason: s.FailureReason,
      }),
  };
}

async function listTrials(name: string, ctx: HandlerContext): Promise<TrialResult[]> {
  const trials: TrialResult[] = [];
  try {
    for await (const page of paginateListTrainingJobsForHyperParameterTuningJob(
      { client: ctx.clients.sagemaker },
      { HyperParameterTuningJobName: name, MaxResults: 100 },
    ))
      trials.push(...(page.TrainingJobSummaries ?? []).map(trialOf));
  } catch (error) {
    throw new AwsOperationError(`listing the trials of tuning job ${name}`, error);
  }
  return trials;
}

type Described = DescribeHyperParameterTuningJobCommandOutput;

/**
 * The search as the training run it stands for. Completed means a best trial exists and is
 * described (its artifact and metrics); a search that ended without one is Failed.
 */
async function observedFromTuning(
  out: Described,
  spec: TrainingSpec & { tuning: TuningSpec },
  attempt: number,
  ctx: HandlerContext,
): Promise<TrainingObserved> {
  const name = out.HyperParameterTuningJobName ?? "";
  const fingerprint = spec.fingerprint ?? "";
  const trials = await listTrials(name, ctx);
  const tuning: TuningResult = {
    ...searchRecord(spec, name),
    trials,
    ...(out.WarmStartConfig?.ParentHyperParameterTuningJobs?.[0]?.HyperParameterTuningJobName !==
      undefined && {
      warmStartFrom:
        out.WarmStartConfig.ParentHyperParameterTuningJobs[0].HyperParameterTuningJobName,
    }),
  };
  const base = { fingerprint, job: name, attempt, tuning };
  const status = out.HyperParameterTuningJobStatus ?? "InProgress";
  const reason =
    out.FailureReason !== undefined && out.FailureReason !== "" ? out.FailureReason : undefined;
  if (status === "InProgress" || status === "Stopping") {
    const done = trials.filter((t) => t.status !== "InProgress").length;
    return {
      ...base,
      status,
      secondaryStatus: `${String(done)} of ${String(trials.length)} trials done`,
    };
  }
  if (status !== "Completed")
    return {
      ...base,
      status: status === "Stopped" ? "Stopped" : "Failed",
      ...(reason !== undefined && { failureReason: reason }),
    };
  // With a warm start the overall best may be a parent's trial: it is the search's answer.
  const best = out.OverallBestTrainingJob?.TrainingJobName ?? out.BestTrainingJob?.TrainingJobName;
  if (best === undefined) {
    const failed = trials.find((t) => t.failureReason !== undefined);
    return {
      ...base,
      status: "Failed",
      failureReason: `no trial reported ${spec.tuning.objective.metric}${failed ? ` (${failed.job}: ${failed.failureReason ?? ""})` : ""}`,
    };
  }
  const job = await describeJob(best, fingerprint, attempt, ctx);
  if (job?.status !== "Completed" || job.artifact === undefined)
    return {
      ...base,
      status: "Failed",
      failureReason: `best trial ${best} is ${job?.status ?? "gone"}`,
    };
  return { ...job, tuning };
}

/** The search with this name, or undefined when there is none. */
export async function describeTuning(
  name: string,
  spec: TrainingSpec & { tuning: TuningSpec },
  attempt: number,
  ctx: HandlerContext,
): Promise<TrainingObserved | undefined> {
  let out: Described;
  try {
    out = await ctx.clients.sagemaker.send(
      new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new AwsOperationError(`reading tuning job ${name}`, error);
  }
  return observedFromTuning(out, spec, attempt, ctx);
}

/** How many trials a search runs: its budget, or its grid's size. */
export const trialCount = (tuning: TuningSpec): number =>
  tuning.strategy === "grid" ? gridSize(tuning.parameters) : (tuning.maxJobs ?? 1);

export async function waitForTuning(
  spec: TrainingSpec & { tuning: TuningSpec },
  name: string,
  attempt: number,
  ctx: HandlerContext,
): Promise<TrainingObserved> {
  // Rounds of parallel trials, each at most the single job's limit, and half an hour to spare.
  const rounds = Math.ceil(trialCount(spec.tuning) / spec.tuning.maxParallelJobs);
  const perTrial = Math.max(spec.maxRuntimeSeconds, spec.spot.maxWaitSeconds ?? 0);
  try {
    return await waitForRun(
      `tuning job ${name}`,
      (rounds * perTrial + 1800) * 1000,
      ctx,
      async () => {
        const seen = await describeTuning(name, spec, attempt, ctx);
        if (!seen) throw new TrainingFailedError(`tuning job ${name} disappeared`);
        return seen;
      },
    );
  } catch (error) {
    // A failed or stopped search still has trials worth seeing: what each did and why.
    if (error instanceof TrainingFailedError) {
      const seen = await describeTuning(name, spec, attempt, ctx).catch(() => undefined);
      if (seen?.tuning && seen.tuning.trials.length > 0)
        ctx.logger.info(tuningReportText(seen.tuning, seen.job));
    }
    throw error;
  }
}

// training.run: training as a content-addressed resource. Its name is the fingerprint of its
// inputs; a completed run with that fingerprint is reused, a running one waited for, a failed
// one reported with its reason (and retried only with `mlops train --force`).
import type { TrainingRecord } from "../state-records.js";
import { derivedNames } from "../../aws/naming.js";
import type { Node } from "../../graph/graph.js";
import type { TrainingSpec, TuningSpec } from "../../graph/sagemaker-nodes.js";
import { trainingFingerprint } from "../../training/fingerprint.js";
import { runLocalTraining, TrainingFailedError } from "../../training/local-runner.js";
import type { TrainingObserved } from "../../training/sagemaker-job.js";
import {
  describeJob,
  startSageMakerJob,
  uploadSourceArchive,
  waitForJob,
} from "../../training/sagemaker-runner.js";
import { runLocalSearch } from "../../training/local-search.js";
import {
  createTuningJobRequest,
  describeTuning,
  startTuningJob,
  trialCount,
  waitForTuning,
} from "../../training/sagemaker-tuning.js";
import { packSourceDir } from "../../training/source-archive.js";
import { tuningReportText } from "../../training/tuning-report.js";
import { warmStartParent } from "../../training/tuning-result.js";
import { dependencyOf } from "../kinds.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { OperationalError } from "../../operational-errors.js";

const MAX_ATTEMPTS_PROBED = 50;

const fingerprintOf = (node: Node<TrainingSpec>): string => {
  // Internal invariant: the planner prepares every node before it is read or applied.
  if (!node.spec.fingerprint) throw new Error(`${node.address} was not prepared`);
  return node.spec.fingerprint;
};
const jobName = (spec: TrainingSpec, attempt: number): string =>
  (spec.tuning ? derivedNames.tuningJob : derivedNames.trainingJob)(
    spec.project,
    (spec.fingerprint ?? "").slice(0, 8),
    attempt,
  );

type Tuned = TrainingSpec & { tuning: TuningSpec };
const tuned = (spec: TrainingSpec): spec is Tuned => spec.tuning !== undefined;

/** "job x" or, for a search, "search x (best trial y)": what the plan's reasons name. */
function runName(observed: TrainingObserved): string {
  const search = observed.tuning?.job;
  if (search === undefined) return `job ${observed.job}`;
  return observed.job === search
    ? `search ${search}`
    : `search ${search} (best trial ${observed.job})`;
}

function describeMetrics(metrics: Record<string, number> | undefined): string {
  return metrics
    ? Object.entries(metrics)
        .map(([k, v]) => `${k}=${Number(v.toFixed(4))}`)
        .join(" ")
    : "";
}

export const trainingHandler: ResourceHandler<TrainingSpec, TrainingObserved> = {
  kind: "training.run",
  createAction: "train",

  async prepare(node, _ctx, deps) {
    const dataset = dependencyOf(node, deps, "s3.dataset");
    // Packed to hash it; apply packs again (deterministic) and uploads only what was planned.
    const archive = await packSourceDir(node.spec.sourceDir);
    const fingerprint = trainingFingerprint(node.spec, dataset.spec.manifestHash, archive.sha256);
    const { tuning, ...single } = node.spec;
    return {
      ...node,
      name: `${node.spec.project}-${fingerprint.slice(0, 8)}`,
      spec: {
        ...node.spec,
        dataManifestHash: dataset.spec.manifestHash,
        codeHash: archive.sha256,
        fingerprint,
        ...(tuning !== undefined && {
          baseFingerprint: trainingFingerprint(single, dataset.spec.manifestHash, archive.sha256),
        }),
      },
    };
  },

  createSummary(node) {
    const { count, type } = node.spec.instance;
    const instances = `${count} x ${type}${count > 1 ? ", data replicated" : ""}`;
    const where =
      node.spec.backend === "sagemaker"
        ? `on SageMaker, ${instances}`
        : `with the ${node.spec.backend} backend`;
    const inputs = `data ${node.spec.dataManifestHash?.slice(0, 8) ?? "?"}, code ${node.spec.codeHash?.slice(0, 8) ?? "?"}`;
    const t = node.spec.tuning;
    if (t === undefined) return `train ${where}: ${inputs}`;
    const width = Math.min(t.maxParallelJobs, trialCount(t));
    return `tune: ${String(trialCount(t))} trials, ${String(width)} at a time, objective ${t.objective.metric} (${t.objective.goal}), ${t.strategy} ${where}: ${inputs}`;
  },

  async read(node, ctx) {
    const fingerprint = fingerprintOf(node);
    const recorded = ctx.state?.trainingRun(fingerprint);
    if (node.spec.backend !== "sagemaker") {
      const record = await recorded;
      return record ? fromRecord(record) : undefined;
    }
    // SageMaker job names are deterministic: probe attempts until one is absent, so a job started
    // by a run that timed out (or lost its state write) is still found and joined, a forced
    // retrain after a completed job included. The first two attempts are asked for while the
    // state record is still on its way: one of them is almost always the last.
    const spec = node.spec;
    const describe = (attempt: number): Promise<TrainingObserved | undefined> =>
      tuned(spec)
        ? describeTuning(jobName(spec, attempt), spec, attempt, ctx)
        : describeJob(jobName(spec, attempt), fingerprint, attempt, ctx);
    const early = new Map([
      [1, describe(1)],
      [2, describe(2)],
    ]);
    // Not every early answer is needed (the record may name a later attempt): none may go unhandled.
    for (const pending of early.values()) pending.catch(() => undefined);
    const record = await recorded;
    let latest: TrainingObserved | undefined;
    for (let attempt = record?.attempt ?? 1; attempt <= MAX_ATTEMPTS_PROBED; attempt++) {
      const seen = await (early.get(attempt) ?? describe(attempt));
      if (!seen) break;
      latest = seen;
    }
    return latest ?? (record ? fromRecord(record) : undefined);
  },

  diff(node, observed): Change {
    const base = { changes: [], risk: [] };
    switch (observed.status) {
      case "Completed":
        return node.spec.force === true
          ? {
              ...base,
              action: "update",
              actionReason: "forced",
              reason: `forced retrain (last run ${runName(observed)})`,
            }
          : noop(
              `training unchanged, reusing ${runName(observed)}${observed.metrics ? ` (${describeMetrics(observed.metrics)})` : ""}`,
            );
      case "InProgress":
      case "Stopping":
        return {
          ...base,
          action: "update",
          actionReason: "in-progress",
          reason: `${runName(observed)} with the same inputs is ${observed.status}${observed.secondaryStatus ? ` (${observed.secondaryStatus})` : ""}: wait for it`,
        };
      default:
        return {
          ...base,
          action: "update",
          actionReason: node.spec.force === true ? "forced" : "failed-before",
          reason: `${runName(observed)} ${observed.status}${observed.failureReason ? `: ${observed.failureReason}` : ""}; ${node.spec.force === true ? "retrying (--force)" : 'retry with "mlops train --force"'}`,
        };
    }
  },

  create: (node, ctx) => train(node, 1, ctx),

  update: (node, observed, change, ctx) => updateRun(node, observed, change, ctx, {}),

  delete: () => Promise.resolve(), // runs are history, not resources
};

export interface TrainingOptions {
  /** `mlops train --follow`: stream the SageMaker job's logs while waiting. */
  followLogs?: boolean;
}

/** The training handler with a command's options (the registry's has none). */
export function trainingHandlerWith(
  options: TrainingOptions,
): ResourceHandler<TrainingSpec, TrainingObserved> {
  if (options.followLogs !== true) return trainingHandler;
  return {
    ...trainingHandler,
    create: (node, ctx) => train(node, 1, ctx, options),
    update: (node, observed, change, ctx) => updateRun(node, observed, change, ctx, options),
  };
}

async function updateRun(
  node: Node<TrainingSpec>,
  observed: TrainingObserved,
  change: Change,
  ctx: HandlerContext,
  options: TrainingOptions,
): Promise<TrainingObserved> {
  // No fields change in place: the change's reason says what to do (see diff()).
  if (change.actionReason === "in-progress") {
    const spec = node.spec;
    const done = tuned(spec)
      ? await waitForTuning(spec, jobName(spec, observed.attempt), observed.attempt, ctx)
      : await waitForJob(spec, observed.job, observed.attempt, ctx, options);
    return record(node, done, ctx);
  }
  if (change.actionReason !== "forced") {
    if (observed.status === "Completed") return observed;
    throw new TrainingFailedError(
      `training ${runName(observed)} ${observed.status}${observed.failureReason ? `: ${observed.failureReason}` : ""}. The endpoint keeps serving its current model. Fix the cause and run "mlops train --force" to retry.`,
    );
  }
  return train(node, observed.attempt + 1, ctx, options);
}

function fromRecord(r: TrainingRecord): TrainingObserved {
  return {
    fingerprint: r.fingerprint,
    job: r.job,
    attempt: r.attempt ?? 1,
    status: r.status as TrainingObserved["status"],
    ...(r.failureReason !== undefined && { failureReason: r.failureReason }),
    ...(r.artifact !== undefined && { artifact: r.artifact }),
    ...(r.metrics !== undefined && { metrics: r.metrics }),
    ...(r.tuning !== undefined && { tuning: r.tuning }),
  };
}

async function train(
  node: Node<TrainingSpec>,
  attempt: number,
  ctx: HandlerContext,
  options: TrainingOptions = {},
): Promise<TrainingObserved> {
  const spec = node.spec;
  const job = jobName(spec, attempt);
  if (spec.backend === "ec2") {
    throw new TrainingFailedError(
      `training.backend is ec2: training runs on the GPU runner ("retrain" workflow, or "mlops train --backend local" on the runner); the endpoint keeps its current model until then`,
    );
  }
  if (spec.backend === "local" && tuned(spec)) {
    const result = await runLocalSearch(spec, job, ctx);
    await record(node, fromRecord({ ...result, attempt }), ctx);
    if (result.status !== "Completed")
      throw new TrainingFailedError(`search ${job} failed: ${result.failureReason ?? "?"}`);
    return fromRecord({ ...result, attempt });
  }
  if (spec.backend === "local") {
    try {
      const result = await runLocalTraining(spec, job, ctx);
      return await record(node, fromRecord({ ...result, attempt }), ctx);
    } catch (error) {
      if (!(error instanceof TrainingFailedError)) throw error;
      // Remembered, so the next plan reports it instead of silently training again.
      const failureReason = error.message.split("\n")[0] ?? error.message;
      await record(
        node,
        { fingerprint: spec.fingerprint ?? "", job, attempt, status: "Failed", failureReason },
        ctx,
      );
      throw error;
    }
  }
  const archive = await packSourceDir(spec.sourceDir);
  if (archive.sha256 !== spec.codeHash) {
    throw new OperationalError(
      `${node.address}: the training code changed since the plan was made; make a new plan`,
    );
  }
  const sourceUri = await uploadSourceArchive(spec, archive, ctx);
  if (tuned(spec)) {
    const parent = warmStartParent(spec, (await ctx.state?.trainingRuns?.()) ?? []);
    await startTuningJob(
      createTuningJobRequest(spec, job, sourceUri, ctx.graph.region, node.tags, parent),
      ctx,
    );
    return record(node, await waitForTuning(spec, job, attempt, ctx), ctx);
  }
  await startSageMakerJob(spec, job, sourceUri, node.tags, ctx);
  const done = await waitForJob(spec, job, attempt, ctx, options);
  return record(node, done, ctx);
}

async function record(
  node: Node<TrainingSpec>,
  observed: TrainingObserved,
  ctx: HandlerContext,
): Promise<TrainingObserved> {
  const entry: TrainingRecord = {
    fingerprint: observed.fingerprint,
    job: observed.job,
    attempt: observed.attempt,
    backend: node.spec.backend,
    status: observed.status,
    ...(observed.failureReason !== undefined && { failureReason: observed.failureReason }),
    ...(observed.artifact !== undefined && { artifact: observed.artifact }),
    ...(observed.metrics !== undefined && { metrics: observed.metrics }),
    finishedAt: new Date(ctx.clock.now()).toISOString(),
    ...(observed.tuning !== undefined && { tuning: observed.tuning }),
  };
  await ctx.state?.recordTrainingRun(entry);
  ctx.logger.info(
    `${node.address}: ${observed.job} ${observed.status} ${describeMetrics(observed.metrics)}`,
  );
  if (observed.tuning) ctx.logger.info(tuningReportText(observed.tuning, observed.job));
  return observed;
}

// A search run by the tool itself (the local backend, and so the EC2 runner): each trial is a
// normal local training run with the searched values over the static ones, at most
// maxParallelJobs at a time; the trial with the best objective becomes the run. A failed trial
// is reported and skipped; the search fails only when no trial reports the objective.
import type { TrainingSpec, TuningSpec } from "../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../resources/handler.js";
import type { TrainingRecord, TrialResult } from "../resources/state-records.js";
import { mapLimit } from "../pool.js";
import { runLocalTraining, TrainingFailedError } from "./local-runner.js";
import { downloadPrefix } from "./s3-transfer.js";
import { bestTrial, searchRecord } from "./tuning-result.js";
import { chooseTrials } from "./tuning-search.js";

interface TrialRun {
  result: TrialResult;
  record?: TrainingRecord;
}

export async function runLocalSearch(
  spec: TrainingSpec & { tuning: TuningSpec },
  name: string,
  ctx: HandlerContext,
): Promise<TrainingRecord> {
  const tuning = spec.tuning;
  const fingerprint = spec.fingerprint ?? name;
  if (tuning.strategy === "bayesian" || tuning.strategy === "hyperband") {
    ctx.logger.warn(
      `the ${spec.backend} backend has no ${tuning.strategy} search: running ${String(tuning.maxJobs ?? 1)} random trials (seed ${String(tuning.seed)}) instead`,
    );
  }
  const trials = chooseTrials(tuning);
  const width = Math.min(tuning.maxParallelJobs, trials.length);
  ctx.logger.info(
    `search ${name}: ${String(trials.length)} trials, ${String(width)} at a time, objective ${tuning.objective.metric} (${tuning.objective.goal})`,
  );
  // Once, before trials run side by side: they share the downloaded data set.
  await downloadPrefix(
    ctx.clients.s3,
    spec.input.bucket,
    spec.input.prefix,
    ctx.cacheDir,
    spec.dataManifestHash ?? fingerprint,
    ctx.logger,
  );
  const runs = await mapLimit(trials, width, async (values, index): Promise<TrialRun> => {
    const job = `${name}-${String(index + 1).padStart(3, "0")}`;
    const hyperparameters = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, String(v)]),
    );
    const { tuning: _search, ...single } = spec;
    const trialSpec: TrainingSpec = {
      ...single,
      hyperparameters: { ...spec.hyperparameters, ...values },
      // Its own checkpoints: trials must not resume from one another.
      fingerprint: `${fingerprint}-${String(index + 1)}`,
    };
    try {
      const record = await runLocalTraining(trialSpec, job, ctx);
      const objective = record.metrics?.[tuning.objective.metric];
      return {
        result: {
          job,
          status: "Completed",
          hyperparameters,
          ...(objective !== undefined && { objective }),
          ...(objective === undefined && {
            failureReason: `reported no ${tuning.objective.metric}`,
          }),
        },
        record,
      };
    } catch (error) {
      if (!(error instanceof TrainingFailedError)) throw error;
      // "training exited with code 1" and the log's last line, which usually says why.
      const lines = error.message.split("\n").filter((l) => l.trim() !== "");
      const failureReason =
        lines.length > 1
          ? `${(lines[0] ?? "").replace(/; last lines:$/, "")}: ${(lines.at(-1) ?? "").trim()}`
          : error.message;
      ctx.logger.warn(`trial ${job} failed: ${failureReason}`);
      return { result: { job, status: "Failed", hyperparameters, failureReason } };
    }
  });
  const results = runs.map((r) => r.result);
  const search = { ...searchRecord(spec, name), trials: results };
  const best = bestTrial(results, tuning.objective.goal);
  const finishedAt = new Date(ctx.clock.now()).toISOString();
  const bestRecord = runs.find((r) => r.result === best)?.record;
  if (best === undefined || bestRecord === undefined) {
    const first = results.find((r) => r.failureReason !== undefined);
    return {
      fingerprint,
      job: name,
      backend: spec.backend,
      status: "Failed",
      failureReason: `all ${String(results.length)} trials failed${first ? ` (${first.job}: ${first.failureReason ?? ""})` : ""}`,
      finishedAt,
      tuning: search,
    };
  }
  return { ...bestRecord, fingerprint, finishedAt, tuning: search };
}

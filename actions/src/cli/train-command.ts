// `mlops train`: train on demand (hyperparameter overrides, another backend, --force to retry a
// failed run or retrain a completed one), then deploy through the normal plan if the quality
// gate passes (`--no-deploy` stops after training).
import { runApply, type ApplyResult } from "../apply/run-apply.js";
import type { Config, TrainingBackend } from "../config/types.js";
import { requireTrainingCode } from "../config/load.js";
import {
  keepRetrainNote,
  servedModelNote,
  trainingOnlyNodes,
  withTrainingOverrides,
} from "../graph/train-run.js";
import { renderText } from "../plan/render-text.js";
import { report } from "./apply-command.js";
import { confirmer } from "./confirm.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import type { Session } from "../session.js";
import { TRAINING } from "../graph/sagemaker-nodes.js";
import { tuningReportJson } from "../training/tuning-report.js";
import { UsageError } from "./usage-error.js";

export interface TrainCommandOptions extends EngineOptions {
  backend?: TrainingBackend;
  force: boolean;
  set: string[];
  deploy: boolean;
  autoApprove: boolean;
  follow: boolean;
  /** Run the declared search (training.tuning) for this run. */
  tune: boolean;
  format: "text" | "json";
}

export function parseOverrides(
  pairs: readonly string[],
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set takes key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    out[pair.slice(0, eq)] =
      raw === "true"
        ? true
        : raw === "false"
          ? false
          : raw !== "" && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  return out;
}

export async function trainCommand(options: TrainCommandOptions, io: Output): Promise<number> {
  const overrides = parseOverrides(options.set);
  const withOverrides = (config: Config): Config => {
    requireTrainingCode(config);
    return withTrainingOverrides(config, {
      backend: options.backend,
      hyperparameters: overrides,
      ...(options.tune && { tune: true }),
    });
  };
  // With --format json, stdout carries one JSON document; the plan and the log go to stderr.
  const text: Output =
    options.format === "json"
      ? {
          out: (t) => {
            io.err(t);
          },
          err: (t) => {
            io.err(t);
          },
        }
      : io;
  return withSession(
    options,
    async (session) => {
      const ask = confirmer(options.autoApprove || !options.deploy, "train and deploy");
      const result = await runApply(session, {
        operation: "train",
        ...(!options.deploy && { selectNodes: trainingOnlyNodes }),
        confirm: async (plan) => {
          text.out(renderText(plan, { colour: process.stdout.isTTY }));
          return ask();
        },
      });
      const code = report(result, text);
      const kept = code === 0 && result.applied && options.deploy;
      if (kept && Object.keys(overrides).length > 0)
        text.out(keepRetrainNote(overrides, options.config));
      const served = kept ? servedModelNote(session.config, options.config) : undefined;
      if (served !== undefined) text.out(served);
      if (kept && options.tune && session.config.training.tuning?.enabled === false)
        text.out(
          `The endpoint now serves the best trial of a search the config does not enable. To keep it, set training.tuning.enabled: true in ${options.config}: the completed search is reused and nothing redeploys.`,
        );
      if (options.format === "json") io.out(JSON.stringify(await trainingJson(session, result)));
      return code;
    },
    { prepare: withOverrides, forceTraining: options.force, followLogs: options.follow },
  );
}

/** What `mlops train --format json` prints: the outcome and the run, a search's trials sorted. */
async function trainingJson(session: Session, result: ApplyResult): Promise<object> {
  const spec = result.plan.nodes[TRAINING]?.spec as { fingerprint?: string } | undefined;
  const fingerprint = spec?.fingerprint;
  const run =
    fingerprint === undefined ? undefined : (await session.state.read()).training[fingerprint];
  const { tuning, ...training } = run ?? {};
  return {
    ok: result.ok,
    applied: result.applied,
    ...(run !== undefined && { training }),
    ...(tuning !== undefined && run !== undefined && { tuning: tuningReportJson(tuning, run.job) }),
  };
}

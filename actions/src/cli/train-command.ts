// `mlops train`: train on demand (hyperparameter overrides, another backend, --force to retry a
// failed run or retrain a completed one), then deploy through the normal plan if the quality
// gate passes (`--no-deploy` stops after training).
import { runApply } from "../apply/run-apply.js";
import type { Config, TrainingBackend } from "../config/types.js";
import { keepRetrainNote, trainingOnlyNodes, withTrainingOverrides } from "../graph/train-run.js";
import { renderText } from "../plan/render-text.js";
import { report } from "./apply-command.js";
import { confirmer } from "./confirm.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface TrainCommandOptions extends EngineOptions {
  backend?: TrainingBackend;
  force: boolean;
  set: string[];
  deploy: boolean;
  autoApprove: boolean;
  follow: boolean;
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
  const withOverrides = (config: Config): Config =>
    withTrainingOverrides(config, { backend: options.backend, hyperparameters: overrides });
  return withSession(
    options,
    async (session) => {
      const ask = confirmer(options.autoApprove || !options.deploy, "train and deploy");
      const result = await runApply(session, {
        operation: "train",
        ...(!options.deploy && { selectNodes: trainingOnlyNodes }),
        confirm: async (plan) => {
          io.out(renderText(plan, { colour: process.stdout.isTTY }));
          return ask();
        },
      });
      const code = report(result, io);
      if (code === 0 && result.applied && options.deploy && Object.keys(overrides).length > 0) {
        io.out(keepRetrainNote(overrides, options.config));
      }
      return code;
    },
    { prepare: withOverrides, forceTraining: options.force, followLogs: options.follow },
  );
}

// The train action (workflow_dispatch): train now with an optional backend and hyperparameter
// overrides, then deploy through the normal plan if the quality gate passes.
import * as core from "@actions/core";
import { runApply } from "../apply/run-apply.js";
import { DEFAULT_CONFIG_PATH, loadConfig, requireTrainingCode } from "../config/load.js";
import {
  keepRetrainNote,
  overridesText,
  servedModelNote,
  trainingOnlyNodes,
  withTrainingOverrides,
} from "../graph/train-run.js";
import { renderText } from "../plan/render-text.js";
import { openSession } from "../session.js";
import { reportApply } from "./apply-outputs.js";
import { booleanInput, oneOfInput, parseHyperparameters, stringInput } from "./inputs.js";
import { actionsLogger, inGroup } from "./logger.js";

export async function trainAction(): Promise<void> {
  const configPath = stringInput("config") ?? DEFAULT_CONFIG_PATH;
  const backend = oneOfInput("backend", ["sagemaker", "ec2", "local"] as const);
  const hyperparameters = parseHyperparameters("hyperparameters", stringInput("hyperparameters"));
  const deploy = booleanInput("deploy", true);
  const force = booleanInput("force", true);
  const tune = booleanInput("tune", false);
  const reason = stringInput("reason");
  const logger = actionsLogger();

  const loaded = loadConfig(configPath);
  requireTrainingCode(loaded);
  const config = withTrainingOverrides(loaded, {
    backend,
    hyperparameters,
    ...(tune && { tune: true }),
  });
  core.info(
    `training ${config.project} on ${config.training.backend}` +
      (Object.keys(hyperparameters).length > 0 ? ` with ${overridesText(hyperparameters)}` : "") +
      (tune ? " (tuning: the search in training.tuning)" : "") +
      (reason === undefined ? "" : ` (reason: ${reason})`),
  );
  const session = await openSession(config, { logger, forceTraining: force });
  const result = await inGroup(deploy ? "Train and deploy" : "Train", () =>
    runApply(session, {
      operation: "train",
      ...(!deploy && { selectNodes: trainingOnlyNodes }),
      confirm: (plan) => {
        core.info(renderText(plan));
        return Promise.resolve(true);
      },
    }),
  );
  await reportApply(
    session,
    result,
    deploy ? "mlops train and deploy" : "mlops train",
    reason === undefined
      ? undefined
      : `Reason: ${reason.replace(/\r?\n/g, " ").replace(/</g, "&lt;")}`,
  );
  const kept = result.ok && result.applied && deploy;
  if (kept && Object.keys(hyperparameters).length > 0)
    core.notice(keepRetrainNote(hyperparameters, configPath));
  const served = kept ? servedModelNote(config, configPath) : undefined;
  if (served !== undefined) core.notice(served);
}

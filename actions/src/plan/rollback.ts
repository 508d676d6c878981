// Model rollbacks (see ModelRollback): their words, shared by the plan renderers, and the
// refusal of one that nobody reviewed, shared by `mlops apply` and the apply action.
import { overridesAsConfig, overridesText } from "../graph/train-run.js";
import type { ModelRollback } from "../resources/handler.js";
import type { Plan } from "./types.js";
import { OperationalError } from "../operational-errors.js";

export function describeRollback(r: ModelRollback): string {
  const overrides = r.fromRetrain?.overrides ?? {};
  const settings = overridesText(overrides);
  const from = r.fromRetrain
    ? `model ${r.fromModel}, which \`mlops train\` deployed${at(r.fromDeployedAt)}${settings ? ` with ${settings}` : ""}${r.fromRetrain.backend ? ` on ${r.fromRetrain.backend}` : ""}`
    : `model ${r.fromModel}${r.fromDeployedAt ? `, deployed${at(r.fromDeployedAt)}` : ""}`;
  const to = `model ${r.toModel}, which it served before (deployed${at(r.toDeployedBefore)})`;
  const keep =
    r.fromRetrain && settings !== ""
      ? ` To keep the retrained model instead, set ${overridesAsConfig(overrides)} under training.hyperparameters in the config: its completed run is reused and nothing is redeployed.`
      : "";
  return `rolls the endpoint back from ${from}, to ${to}.${keep}`;
}

/** One line per rolled-back model, for refusals. */
export function rollbackLines(plan: Plan): string[] {
  return plan.changes.flatMap((c) =>
    c.rollback ? [`${c.address} ${describeRollback(c.rollback)}`] : [],
  );
}

const at = (iso: string | undefined): string => (iso ? ` at ${iso}` : "");

/** An unattended apply met a rollback that no reviewed plan contained. */
export class UnreviewedRollbackError extends OperationalError {
  override name = "UnreviewedRollbackError";
}

/**
 * Refuses a plan that rolls the served model back, when nobody reviewed that plan (an
 * auto-approved apply of a fresh plan). `howToProceed` says what the caller can do instead.
 */
export function refuseUnreviewedRollback(plan: Plan, howToProceed: string): void {
  const lines = rollbackLines(plan);
  if (lines.length === 0) return;
  throw new UnreviewedRollbackError(
    `this plan rolls the served model back and was not the plan reviewed; nothing was applied.\n${lines.map((l) => `  - ${l}`).join("\n")}\n${howToProceed}`,
  );
}

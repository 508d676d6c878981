// A stage's line in a plan of a config with `environments:`: what the stage does with model
// versions, e.g. "staging: model v1 -> v2" or "production: model v7 -> v8, waiting for approval".
import type { PlanStage } from "./types.js";

export function stageLine(stage: PlanStage): string {
  if (stage.name === "build") {
    const base = "build: trains when its inputs change, registers the run";
    const kept = stage.kept;
    if (!kept) return base;
    const endpoint = kept.endpoint === undefined ? "" : ` (endpoint ${kept.endpoint})`;
    const what = `keeps the ${kept.resources.length} resources the config served before environments${endpoint}`;
    if (kept.until.length === 0)
      return `${base}; ${what}: every environment serves, and retiring them takes credentials that may delete them (an administrator's mlops apply)`;
    return `${base}; ${what} until ${kept.until.join(", ")} serve${kept.until.length === 1 ? "s" : ""}`;
  }
  const from = stage.served !== undefined ? `v${stage.served}` : "none";
  const to = stage.deploys?.version;
  const moves = to !== undefined && to !== stage.served;
  if (stage.waiting !== undefined && stage.approval === true) {
    const base = moves ? `model ${from} -> v${to}; then` : "model";
    return `${stage.name}: ${base} ${moves ? `v${to}` : from} -> v${stage.waiting}, waiting for approval`;
  }
  if (to === undefined) return `${stage.name}: no model version to deploy yet`;
  return moves
    ? `${stage.name}: model ${from} -> v${to}`
    : `${stage.name}: model v${to}, unchanged`;
}

// A move's words, shared by the plan renderers: the header a reviewer reads first, with its risk
// label, what the old identity loses, and in which order.
import type { PlannedMove } from "./types.js";

export function moveLines(move: PlannedMove): string[] {
  const { from, to } = move;
  const lines = [
    `MOVE: this plan ${move.summary} (risk: ${move.risk.join(", ")}).`,
    `  from ${from.project} in ${from.account}/${from.region} (IAM path ${from.iamPath}), state ${move.fromState}`,
    `  to   ${to.project} in ${to.account}/${to.region} (IAM path ${to.iamPath})`,
    "  The new resources are created first; the old ones (previous:...) are deleted only after the new endpoint and Lambda are ready.",
  ];
  if (move.leftovers.length > 0) {
    lines.push(
      `  Then removes ${String(move.leftovers.length)} superseded models, endpoint configs and finished training jobs of ${from.project} in ${from.region}:`,
      ...move.leftovers.map((l) => `    - SageMaker ${l.kind} ${l.name}`),
    );
  }
  return lines;
}

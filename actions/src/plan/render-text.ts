// Terraform-like text rendering for terminals and CI logs. Colour only when asked (on a TTY).
import { formatValue } from "./format-value.js";
import { moveLines } from "./move-text.js";
import { rollbackLines } from "./rollback.js";
import { stageLine } from "./stage-line.js";
import { SYMBOLS, summaryLine } from "./summary.js";
import { adoptions, reasonText, type Plan, type PlannedChange } from "./types.js";

const COLOURS: Record<string, string> = {
  create: "\u001b[32m",
  update: "\u001b[33m",
  replace: "\u001b[35m",
  delete: "\u001b[31m",
  train: "\u001b[36m",
  wait: "\u001b[36m",
  adopt: "\u001b[34m",
  noop: "\u001b[2m",
};
const RESET = "\u001b[0m";

export function renderText(
  plan: Plan,
  options: { colour?: boolean; showUnchanged?: boolean } = {},
): string {
  const paint = (action: string, text: string): string =>
    options.colour ? `${COLOURS[action] ?? ""}${text}${RESET}` : text;
  const lines = [
    `Plan for ${plan.project} in account ${plan.account}, ${plan.region} (${plan.configFile})`,
    ...(plan.stage ? [`Stage ${stageLine(plan.stage)}`] : []),
    "",
  ];
  if (plan.move) lines.push(...moveLines(plan.move).map((l) => paint("replace", l)), "");
  // First, before any detail: a reviewer must not approve a rollback without seeing it.
  for (const line of rollbackLines(plan))
    lines.push(paint("delete", `!! MODEL ROLLBACK: ${line}`), "");
  // Then what the plan takes over: apply refuses it without --adopt.
  const adopted = adoptions(plan);
  if (adopted.length > 0) {
    lines.push(
      paint("adopt", `!! ADOPTS ${adopted.length} resource(s) mlops did not make (apply --adopt):`),
    );
    for (const c of adopted)
      lines.push(paint("adopt", `   ${c.address} (${c.name})${c.summary ? `: ${c.summary}` : ""}`));
    lines.push("");
  }
  const shown = plan.changes.filter((c) => options.showUnchanged || c.action !== "noop");
  const width = Math.max(0, ...shown.map((c) => c.address.length));
  for (const change of shown) {
    const symbol = (SYMBOLS[change.action] ?? "?").padStart(3);
    lines.push(
      paint(
        change.action,
        `${symbol} ${change.address.padEnd(width)}  ${change.action.padEnd(7)} ${change.name}`,
      ),
    );
    lines.push(...detailLines(change));
  }
  if (shown.length > 0) lines.push("");
  lines.push(summaryLine(plan));
  lines.push(`Plan hash: ${plan.planHash}`);
  return lines.join("\n");
}

function detailLines(change: PlannedChange): string[] {
  if (change.action === "noop") return [];
  const out = change.observedDigest === null ? [] : [`      why: ${reasonText(change)}`];
  if (change.summary) out.push(`      ${change.summary}`);
  for (const f of change.changes)
    out.push(`      ${f.path}: ${formatValue(f.before)} -> ${formatValue(f.after)}`);
  if (change.risk.length > 0) out.push(`      risk: ${change.risk.join(", ")}`);
  return out;
}

// Markdown rendering: the pull-request comment and job summary. A one-line summary, loud
// warnings for replacements and deletions, a table, collapsible details and a mermaid graph.
import { formatValue } from "./format-value.js";
import { moveLines } from "./move-text.js";
import { describeRollback } from "./rollback.js";
import { stageLine } from "./stage-line.js";
import { SYMBOLS, summaryLine } from "./summary.js";
import { adoptions, hasChanges, reasonText, rollbacks, type Plan } from "./types.js";

const RISK_TEXT: Record<string, string> = {
  downtime: "causes downtime",
  "deletes-data": "deletes data",
  replaces: "replaces the resource",
  "cost-up": "raises cost",
  rollback: "rolls the served model back",
  adopts: "takes over a resource mlops did not make",
};

export function renderMarkdown(plan: Plan): string {
  const heading = plan.stage
    ? `### ${escape(stageLine(plan.stage))} (\`${plan.project}\`, ${plan.region})`
    : `### mlops plan for \`${plan.project}\` (${plan.region})`;
  if (!hasChanges(plan)) {
    return [heading, "", `✅ ${summaryLine(plan)}`, "", footer(plan)].join("\n");
  }
  const changed = plan.changes.filter((c) => c.action !== "noop");
  const out = [heading, "", `**${summaryLine(plan)}**`, ""];
  if (plan.move) out.push("> [!WARNING]", ...moveLines(plan.move).map((l) => `> ${escape(l)}`), "");
  const rolledBack = rollbacks(plan);
  if (rolledBack.length > 0) {
    out.push("> [!CAUTION]", "> **Model rollback.** This plan changes which model serves:");
    for (const c of rolledBack) {
      if (c.rollback) out.push(`> - \`${c.address}\` ${escape(describeRollback(c.rollback))}`);
    }
    out.push("");
  }
  const adopted = adoptions(plan);
  if (adopted.length > 0) {
    out.push(
      "> [!IMPORTANT]",
      "> **Adoption.** These exist but mlops did not make them; applying takes them over " +
        "(the apply needs `--adopt`, or the apply action's `adopt: true`) and makes them what the config says:",
    );
    for (const c of adopted) {
      const what = c.summary ?? c.changes.map((f) => f.path).join(", ");
      out.push(`> - \`${c.address}\` (${escape(c.name)})${what ? `: ${escape(what)}` : ""}`);
    }
    out.push("");
  }
  // Adoption alone is said above; here what replaces or deletes.
  const risky = changed.filter(
    (c) =>
      c.risk.some((r) => r !== "adopts") ||
      c.action === "delete" ||
      c.action === "replace" ||
      c.adoptWith === "replace",
  );
  if (risky.length > 0) {
    out.push("> [!WARNING]", "> This plan replaces or deletes resources:");
    for (const c of risky) {
      const risks = c.risk.map((r) => RISK_TEXT[r] ?? r).join(", ");
      out.push(
        `> - **${c.action}** \`${c.address}\` (${escape(c.name)})${risks ? `: ${risks}` : ""}. ${escape(reasonText(c))}`,
      );
    }
    out.push("");
  }
  out.push("| | Resource | Action | Name | Why |", "|---|---|---|---|---|");
  for (const c of changed) {
    out.push(
      `| \`${SYMBOLS[c.action] ?? "?"}\` | \`${c.address}\` | ${c.action} | ${escape(c.name)} | ${escape(c.summary ?? reasonText(c))} |`,
    );
  }
  out.push("");
  const detailed = changed.filter((c) => c.changes.length > 0);
  if (detailed.length > 0) {
    out.push("<details><summary>Changed fields</summary>", "", "```diff");
    for (const c of detailed) {
      out.push(`${SYMBOLS[c.action]?.trim() === "-" ? "-" : "!"} ${c.address}`);
      for (const f of c.changes) {
        out.push(
          `-   ${f.path}: ${formatValue(f.before)}`,
          `+   ${f.path}: ${formatValue(f.after)}`,
        );
      }
    }
    out.push("```", "", "</details>", "");
  }
  out.push(
    "<details><summary>What changes, in dependency order</summary>",
    "",
    "```mermaid",
    ...mermaid(plan),
    "```",
    "",
    "</details>",
    "",
  );
  out.push(footer(plan));
  return out.join("\n");
}

function mermaid(plan: Plan): string[] {
  const changed = new Map(
    plan.changes.filter((c) => c.action !== "noop").map((c) => [c.address, c]),
  );
  const id = (address: string): string => address.replace(/[^a-zA-Z0-9]/g, "_");
  const lines = ["graph LR"];
  const involved = new Set<string>();
  for (const c of changed.values()) {
    involved.add(c.address);
    for (const d of c.dependsOn) involved.add(d);
  }
  for (const address of [...involved].sort()) {
    const c = changed.get(address);
    lines.push(
      `  ${id(address)}["${address}${c ? ` (${c.action})` : ""}"]${c ? `:::${c.action}` : ""}`,
    );
  }
  for (const c of changed.values())
    for (const d of c.dependsOn) lines.push(`  ${id(d)} --> ${id(c.address)}`);
  lines.push(
    "  classDef create fill:#d4edda,stroke:#28a745",
    "  classDef update fill:#fff3cd,stroke:#d39e00",
    "  classDef replace fill:#f8d7da,stroke:#c82333",
    "  classDef delete fill:#f8d7da,stroke:#c82333",
    "  classDef train fill:#d1ecf1,stroke:#117a8b",
    "  classDef wait fill:#d1ecf1,stroke:#117a8b",
    "  classDef adopt fill:#cfe2ff,stroke:#0a58ca",
  );
  return lines;
}

function footer(plan: Plan): string {
  return `<sub>Plan hash \`${plan.planHash.slice(0, 16)}\` · from \`${plan.configFile}\` · account ${plan.account}</sub>`;
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;");
}

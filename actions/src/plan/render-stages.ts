// A config with `environments:` plans every stage: one section per stage (build, then each
// environment in order), and in markdown a mermaid graph of the stages a model moves through.
import { renderJson } from "./render-json.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderText } from "./render-text.js";
import { stageLine } from "./stage-line.js";
import type { Plan } from "./types.js";

export type StagesFormat = "text" | "markdown" | "json";

export function renderStages(
  plans: readonly Plan[],
  format: StagesFormat,
  colour: boolean,
): string {
  if (format === "json") return `[\n${plans.map((p) => renderJson(p).trimEnd()).join(",\n")}\n]`;
  if (format === "text") return plans.map((p) => renderText(p, { colour })).join("\n\n");
  return [
    `## mlops plan: ${plans.length} stages`,
    "",
    ...plans.map((p) => `- ${p.stage ? stageLine(p.stage) : p.project}`),
    "",
    "```mermaid",
    ...stageGraph(plans),
    "```",
    "",
    ...plans.map((p) => `${renderMarkdown(p)}\n`),
  ].join("\n");
}

function stageGraph(plans: readonly Plan[]): string[] {
  const ids = plans.map((p, i) => ({
    id: `s${i}`,
    label: p.stage ? stageLine(p.stage) : p.project,
  }));
  return [
    "graph LR",
    ...ids.map(({ id, label }) => `  ${id}["${label.replace(/"/g, "'")}"]`),
    ...ids.slice(1).map(({ id }, i) => `  s${i} --> ${id}`),
  ];
}

// `mlops plan`: what apply would do, as text, markdown or JSON; --out saves the plan for
// `mlops apply --plan`. With --detailed-exitcode: 0 no changes, 2 changes, 1 error.
import { writeFileSync } from "node:fs";
import { renderCostText } from "../cost/estimate.js";
import { renderJson } from "../plan/render-json.js";
import { renderMarkdown } from "../plan/render-markdown.js";
import { renderText } from "../plan/render-text.js";
import { runPlan } from "../plan/run-plan.js";
import { hasChanges, type Plan } from "../plan/types.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";

export type PlanFormat = "text" | "markdown" | "json";

export interface PlanCommandOptions extends EngineOptions {
  out?: string;
  markdownOut?: string;
  format: PlanFormat;
  detailedExitcode: boolean;
}

export function renderPlan(plan: Plan, format: PlanFormat, colour: boolean): string {
  if (format === "json") return renderJson(plan).trimEnd();
  if (format === "markdown") return renderMarkdown(plan);
  return renderText(plan, { colour });
}

export async function planCommand(options: PlanCommandOptions, io: Output): Promise<number> {
  return withSession(options, async (session) => {
    const { plan } = await runPlan(session);
    io.out(renderPlan(plan, options.format, options.format === "text" && process.stdout.isTTY));
    if (options.format === "text") io.out(`\n${renderCostText(plan.cost)}`);
    if (options.out) writeFileSync(options.out, renderJson(plan));
    if (options.markdownOut) writeFileSync(options.markdownOut, `${renderMarkdown(plan)}\n`);
    return options.detailedExitcode && hasChanges(plan) ? 2 : 0;
  });
}

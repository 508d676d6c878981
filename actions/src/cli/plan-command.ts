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
import { loadConfig } from "../config/load.js";
import { BUILD_STAGE, environmentNames } from "../environments/stages.js";
import { renderStages } from "../plan/render-stages.js";
import { UsageError } from "./usage-error.js";

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
  const config = loadConfig(options.config);
  if (config.environments && options.environment === undefined) return planStages(options, io);
  return withSession(options, async (session) => {
    const { plan } = await runPlan(session);
    io.out(renderPlan(plan, options.format, options.format === "text" && process.stdout.isTTY));
    if (options.format === "text") io.out(`\n${renderCostText(plan.cost)}`);
    if (options.out) writeFileSync(options.out, renderJson(plan));
    if (options.markdownOut) writeFileSync(options.markdownOut, `${renderMarkdown(plan)}\n`);
    return options.detailedExitcode && hasChanges(plan) ? 2 : 0;
  });
}

/**
 * Every stage of a config with `environments:`, one section each. A saved plan is one stage's
 * (`--env`), since each stage is applied under its own lock and state record.
 */
async function planStages(options: PlanCommandOptions, io: Output): Promise<number> {
  if (options.out !== undefined) {
    throw new UsageError(
      "--out saves one stage's plan: add --env build (or an environment's name)",
    );
  }
  const config = loadConfig(options.config);
  const plans: Plan[] = [];
  for (const stage of [BUILD_STAGE, ...environmentNames(config)]) {
    plans.push(
      await withSession({ ...options, environment: stage }, async (s) => (await runPlan(s)).plan),
    );
  }
  io.out(renderStages(plans, options.format, options.format === "text" && process.stdout.isTTY));
  if (options.markdownOut)
    writeFileSync(options.markdownOut, `${renderStages(plans, "markdown", false)}\n`);
  return options.detailedExitcode && plans.some(hasChanges) ? 2 : 0;
}

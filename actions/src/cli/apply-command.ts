// `mlops apply`: plan (or load --plan FILE), show it, ask (or --auto-approve), execute.
import { readFileSync } from "node:fs";
import { formatElapsed } from "../wait.js";
import { runApply, type ApplyResult } from "../apply/run-apply.js";
import { renderText } from "../plan/render-text.js";
import { deployedFunctionUrl } from "../resources/lambda/function-url.js";
import { refuseUnreviewedRollback } from "../plan/rollback.js";
import type { Plan } from "../plan/types.js";
import { hasChanges, PLAN_FORMAT_VERSION } from "../plan/types.js";
import { confirmer } from "./confirm.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface ApplyCommandOptions extends EngineOptions {
  plan?: string;
  autoApprove: boolean;
  /** Let --auto-approve apply a fresh plan that rolls the served model back. */
  allowRollback?: boolean;
  /** Take over what the plan adopts (resources mlops did not make). */
  adopt?: boolean;
}

export async function applyCommand(options: ApplyCommandOptions, io: Output): Promise<number> {
  const planFromFile = options.plan === undefined ? undefined : readPlanFile(options.plan);
  return withSession(options, async (session) => {
    const ask = confirmer(options.autoApprove, "apply these changes");
    const result = await runApply(session, {
      ...(planFromFile && { plan: planFromFile }),
      adopt: options.adopt === true,
      confirm: async (plan) => {
        io.out(renderText(plan, { colour: process.stdout.isTTY }));
        // Asked or saved and reviewed, a rollback was seen; auto-approved, it was not.
        if (options.autoApprove && !planFromFile && options.allowRollback !== true) {
          refuseUnreviewedRollback(
            plan,
            "Review it first (mlops plan --out plan.json, then mlops apply --plan plan.json), or pass --allow-rollback.",
          );
        }
        return ask();
      },
    });
    const code = report(result, io);
    // The front door's address, after every apply that left AWS as the config says.
    if (code === 0 && (result.applied || !hasChanges(result.plan)) && session.config.lambda?.url) {
      const url = await deployedFunctionUrl(session.graph, session.ctx);
      if (url !== undefined) io.out(`Function URL: ${url.url} (${url.authType})`);
    }
    return code;
  });
}

export function report(result: ApplyResult, io: Output): number {
  if (!result.applied) {
    io.out(hasChanges(result.plan) ? "Apply cancelled." : "No changes. Nothing to apply.");
    return 0;
  }
  const done = result.steps.filter((s) => s.status === "done" && s.action !== "noop");
  const failed = result.steps.filter((s) => s.status === "failed");
  const skipped = result.steps.filter((s) => s.status === "skipped" || s.status === "not-started");
  io.out("");
  for (const s of done)
    io.out(`  ${s.action.padEnd(7)} ${s.address} (${formatElapsed(s.durationMs)})`);
  for (const s of failed) io.out(`  FAILED  ${s.address}: ${s.error ?? "unknown error"}`);
  for (const s of skipped) io.out(`  ${s.status.padEnd(7)} ${s.address}`);
  io.out(
    result.ok
      ? `Apply complete: ${done.length} changed.`
      : `Apply incomplete: ${done.length} changed, ${failed.length} failed, ${skipped.length} not done. Fix the cause and re-run: apply converges.`,
  );
  return result.ok ? 0 : 1;
}

function readPlanFile(path: string): Plan {
  let parsed: { formatVersion?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as { formatVersion?: unknown };
  } catch (error) {
    throw new UsageError(`cannot read plan file ${path}: ${(error as Error).message}`);
  }
  if (parsed.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new UsageError(
      `plan file ${path} has format version ${JSON.stringify(parsed.formatVersion)}; this mlops reads ${PLAN_FORMAT_VERSION}`,
    );
  }
  return parsed as Plan;
}

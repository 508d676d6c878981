// What an apply (or a training run) did, for the job summary and the step outputs: each step
// with its duration, and what is now serving (endpoint, Lambda alias, model and its metrics),
// read from the config and the state record. Every part is optional: a report never fails a run.
import type { ApplyResult } from "../apply/run-apply.js";
import type { StateRecord } from "../apply/state-store.js";
import { formatElapsed } from "../wait.js";
import type { Config } from "../config/types.js";
import { TRAINING } from "../graph/sagemaker-nodes.js";
import { summaryLine } from "../plan/summary.js";
import type { TuningResult } from "../resources/state-records.js";
import { tuningReportMarkdown } from "../training/tuning-report.js";
import { hasChanges } from "../plan/types.js";

export interface Deployed {
  endpointName: string;
  lambdaAliasArn?: string;
  /** The Function URL (lambda.url) as AWS reports it after the apply. */
  functionUrl?: { url: string; authType: string };
  model?: string;
  trainingJob?: string;
  metrics?: Record<string, number>;
  /** The search whose best trial is the training job. */
  tuning?: TuningResult;
}

export function deployedFrom(
  config: Config,
  account: string,
  partition: string,
  result: ApplyResult,
  state: StateRecord | undefined,
): Deployed {
  const out: Deployed = { endpointName: config.endpoint.name };
  if (config.lambda) {
    out.lambdaAliasArn = `arn:${partition}:lambda:${config.region}:${account}:function:${config.lambda.name}:${config.lambda.alias}`;
  }
  const model = state?.deployments.at(-1)?.model;
  if (model !== undefined) out.model = model;
  const spec = result.plan.nodes[TRAINING]?.spec as { fingerprint?: unknown } | undefined;
  const fingerprint = typeof spec?.fingerprint === "string" ? spec.fingerprint : undefined;
  const run = fingerprint === undefined ? undefined : state?.training[fingerprint];
  if (run) {
    out.trainingJob = run.job;
    if (run.metrics) out.metrics = run.metrics;
    if (run.tuning) out.tuning = run.tuning;
  }
  return out;
}

export function renderApplyMarkdown(
  title: string,
  result: ApplyResult,
  deployed: Deployed,
  note?: string,
): string {
  const { plan } = result;
  const out = [`### ${title} for \`${plan.project}\` (${plan.region})`, ""];
  if (note !== undefined) out.push(note, "");
  if (!result.applied) {
    out.push(
      hasChanges(plan) ? "Nothing was applied." : `✅ No changes: AWS already matches the config.`,
    );
  } else {
    const changed = result.steps.filter((s) => s.status === "done" && s.action !== "noop");
    const failed = result.steps.filter((s) => s.status === "failed");
    const notDone = result.steps.filter(
      (s) => s.status === "skipped" || s.status === "not-started",
    );
    out.push(
      result.ok
        ? `**Applied: ${changed.length} changed.** (${summaryLine(plan)})`
        : `**Apply incomplete: ${changed.length} changed, ${failed.length} failed, ${notDone.length} not done.** Fix the cause and re-run: apply converges.`,
      "",
      "| Resource | Action | Result | Took |",
      "|---|---|---|---|",
    );
    for (const s of result.steps) {
      if (s.action === "noop") continue;
      const detail = s.error === undefined ? "" : `: ${cell(s.error)}`;
      out.push(
        `| \`${s.address}\` | ${s.action} | ${s.status}${detail} | ${formatElapsed(s.durationMs)} |`,
      );
    }
  }
  out.push("", "| Serving | |", "|---|---|", `| Endpoint | \`${deployed.endpointName}\` |`);
  if (deployed.lambdaAliasArn !== undefined)
    out.push(`| Lambda alias | \`${deployed.lambdaAliasArn}\` |`);
  if (deployed.functionUrl !== undefined)
    out.push(`| Function URL | ${deployed.functionUrl.url} (${deployed.functionUrl.authType}) |`);
  if (deployed.model !== undefined) out.push(`| Model | \`${deployed.model}\` |`);
  if (deployed.trainingJob !== undefined)
    out.push(`| Training job | \`${deployed.trainingJob}\` |`);
  if (deployed.metrics !== undefined && Object.keys(deployed.metrics).length > 0) {
    const metrics = Object.entries(deployed.metrics)
      .map(([k, v]) => `${cell(k)} = ${v}`)
      .join(", ");
    out.push(`| Metrics | ${metrics} |`);
  }
  if (deployed.tuning !== undefined)
    out.push("", tuningReportMarkdown(deployed.tuning, deployed.trainingJob ?? ""));
  out.push("", `<sub>Plan hash \`${plan.planHash.slice(0, 16)}\`</sub>`);
  return out.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;");
}

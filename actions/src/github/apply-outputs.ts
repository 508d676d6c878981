// After an apply or a training run: outputs, job summary, and failure when a step failed.
import * as core from "@actions/core";
import type { ApplyResult } from "../apply/run-apply.js";
import type { StateRecord } from "../apply/state-store.js";
import { deployedFunctionUrl } from "../resources/lambda/function-url.js";
import type { Session } from "../session.js";
import { deployedFrom, renderApplyMarkdown } from "./apply-report.js";
import { writeSummary } from "./summary.js";

export async function reportApply(
  session: Session,
  result: ApplyResult,
  title: string,
  note?: string,
): Promise<void> {
  let state: StateRecord | undefined;
  try {
    state = await session.state.read();
  } catch (error) {
    core.warning(`could not read the state record for the summary: ${(error as Error).message}`);
  }
  const ctx = session.graph.context;
  const deployed = deployedFrom(session.config, ctx.account, ctx.partition, result, state);
  try {
    const url = await deployedFunctionUrl(session.graph, session.ctx);
    if (url !== undefined) deployed.functionUrl = { url: url.url, authType: url.authType };
  } catch (error) {
    core.warning(`could not read the Function URL for the summary: ${(error as Error).message}`);
  }
  const changed = result.steps.filter((s) => s.status === "done" && s.action !== "noop").length;
  core.setOutput("applied", String(result.applied));
  core.setOutput("changed", String(changed));
  core.setOutput("plan-hash", result.plan.planHash);
  core.setOutput("endpoint-name", deployed.endpointName);
  core.setOutput("lambda-alias-arn", deployed.lambdaAliasArn ?? "");
  core.setOutput("function-url", deployed.functionUrl?.url ?? "");
  core.setOutput("model-name", deployed.model ?? "");
  core.setOutput("training-job", deployed.trainingJob ?? "");
  core.setOutput("metrics", JSON.stringify(deployed.metrics ?? {}));
  await writeSummary(renderApplyMarkdown(title, result, deployed, note), "");
  for (const s of result.steps.filter((step) => step.status === "failed"))
    core.error(`${s.address}: ${s.error ?? "failed"}`, { title: `mlops: ${s.address} failed` });
  if (!result.ok) {
    const failed = result.steps.filter((s) => s.status === "failed").length;
    core.setFailed(
      `apply incomplete: ${failed} step${failed === 1 ? "" : "s"} failed; fix the cause and re-run (apply converges)`,
    );
  } else {
    core.info(result.applied ? `Apply complete: ${changed} changed.` : "No changes.");
  }
}

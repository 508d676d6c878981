// The plan action: plan against live AWS, write the plan JSON (for the deploy to bind to) and a
// size-safe markdown copy, put the plan in the job summary and in ONE sticky comment per config
// file on the pull request. Read-only tokens (forks, 403) get a notice instead of a failure.
import * as core from "@actions/core";
import * as github from "@actions/github";
import { writeFileSync } from "node:fs";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.js";
import { renderCostMarkdown } from "../cost/estimate.js";
import { estimateLive } from "../cost/live.js";
import { PRICE_TABLE } from "../cost/prices.generated.js";
import type { Observations } from "../plan/compute.js";
import { renderJson } from "../plan/render-json.js";
import { renderMarkdown } from "../plan/render-markdown.js";
import { runPlan, type CostedPlan } from "../plan/run-plan.js";
import { summaryLine } from "../plan/summary.js";
import { hasChanges, type Plan } from "../plan/types.js";
import { openSession, type Session } from "../session.js";
import { collectStatus } from "../status/collect.js";
import { renderStatusMarkdown } from "../status/render.js";
import { environmentNames } from "../environments/stages.js";
import { renderStages } from "../plan/render-stages.js";
import { httpStatus, upsertPlanComment } from "./comments.js";
import { runContext } from "./context.js";
import { booleanInput, stringInput } from "./inputs.js";
import { actionsLogger, inGroup } from "./logger.js";
import { normalizeConfigPath } from "./plan-binding.js";
import { planCommentBody } from "./plan-comment.js";
import { writeSummary } from "./summary.js";

export async function planAction(): Promise<void> {
  const configPath = normalizeConfigPath(stringInput("config") ?? DEFAULT_CONFIG_PATH);
  const planFile = stringInput("plan-file") ?? "mlops-plan.json";
  const markdownFile = `${planFile.replace(/\.json$/i, "")}.md`;
  const token = stringInput("github-token");
  const comment = booleanInput("comment", true);
  const withStatus = booleanInput("status", false);
  const run = runContext();
  const pr = run.pullRequest;
  const logger = actionsLogger();

  const config = loadConfig(configPath);
  let plan: CostedPlan;
  let observations: Observations;
  let session: Session;
  // A config with `environments:`: the build stage's plan is the one a merge applies (and binds
  // to); each environment's plan is shown after it ("production: model v7 -> v8, waiting ...").
  const environments: Plan[] = [];
  // Each environment's estimate: its own endpoint and Lambda (the build stage serves nothing).
  const environmentCosts: string[] = [];
  try {
    session = await openSession(config, { logger });
    const opened = session;
    ({ plan, observations } = await inGroup(`Plan ${configPath}`, () => runPlan(opened)));
    for (const environment of environmentNames(config)) {
      await inGroup(`Plan ${environment}`, async () => {
        const stage = await openSession(config, { logger, environment });
        const planned = await runPlan(stage);
        environments.push(planned.plan);
        const before = estimateLive(stage.config, planned.observations, PRICE_TABLE);
        environmentCosts.push(
          `#### ${environment}\n\n${renderCostMarkdown(before, planned.plan.cost)}`,
        );
      });
    }
  } catch (error) {
    if (!pr?.fromFork) throw error;
    // Workflows started from forks get no AWS credentials: the config is valid, that is all
    // this run can say. A maintainer's run (or the merge) plans it for real.
    const reason =
      "This pull request comes from a fork, so the workflow gets no AWS credentials and cannot " +
      `plan against AWS (${error instanceof Error ? error.message : String(error)}). ` +
      `\`${configPath}\` is valid; a maintainer can plan it from a branch in this repository.`;
    core.notice(reason, { title: "mlops plan skipped" });
    core.setOutput("has-changes", "");
    await writeSummary(`### mlops plan for \`${configPath}\`\n\n> [!NOTE]\n> ${reason}`, "");
    return;
  }

  writeFileSync(planFile, renderJson(plan));
  const markdown =
    environments.length > 0
      ? renderStages([plan, ...environments], "markdown", false)
      : renderMarkdown(plan);
  const { body, truncated } = planCommentBody(plan, {
    configPath,
    runUrl: run.runUrl,
    sha: pr?.headSha ?? run.sha,
    // The comment's estimate: the config's one endpoint and Lambda, or each environment's.
    ...(environments.length > 0
      ? { environments, cost: environmentCosts.join("\n\n") }
      : { cost: renderCostMarkdown(estimateLive(config, observations, PRICE_TABLE), plan.cost) }),
  });
  writeFileSync(markdownFile, `${body}\n`);
  core.setOutput("has-changes", String(hasChanges(plan)));
  core.setOutput("plan-hash", plan.planHash);
  core.setOutput("plan-file", planFile);
  core.setOutput("markdown-file", markdownFile);
  core.setOutput("summary", summaryLine(plan));
  if (withStatus) {
    // The live service beside the plan (the drift issue shows both); read-only like the plan.
    const statusFile = `${planFile.replace(/\.json$/i, "")}.status.md`;
    const status = await inGroup("Status", () => collectStatus(session));
    writeFileSync(statusFile, `${renderStatusMarkdown(status)}\n`);
    core.setOutput("status-file", statusFile);
  }
  core.info(summaryLine(plan));
  core.info(`Plan hash: ${plan.planHash}`);
  await writeSummary(
    markdown,
    `> [!NOTE]\n> The plan is longer than a job summary can hold; the whole plan is in \`${planFile}\`.`,
  );
  if (truncated) core.info(`the plan comment was shortened to fit; the summary has all of it`);

  if (!pr || !comment) return;
  if (pr.fromFork) {
    core.notice(
      "Pull request from a fork: the token is read-only, so the plan is in the job summary instead of a comment.",
      { title: "mlops plan comment skipped" },
    );
    return;
  }
  if (token === undefined) {
    core.warning("no github-token: the plan is in the job summary only");
    return;
  }
  const octokit = github.getOctokit(token);
  try {
    const result = await upsertPlanComment(
      octokit,
      { owner: run.owner, repo: run.repo },
      pr.number,
      configPath,
      body,
    );
    core.setOutput("comment-url", result.url);
    core.info(`plan comment ${result.action}: ${result.url}`);
  } catch (error) {
    if (httpStatus(error) !== 403) throw error;
    core.notice(
      "The token cannot write pull-request comments (403): the plan is in the job summary. " +
        "Give the job `permissions: pull-requests: write` to get the comment.",
      { title: "mlops plan comment skipped" },
    );
  }
}

// The apply action (push to main): plan again on the merge commit, refuse when the plan differs
// from the one reviewers saw on the pull request (explaining how), then apply exactly that plan
// (auto-approved: the review was the approval) and report what changed.
import * as core from "@actions/core";
import * as github from "@actions/github";
import { readFileSync } from "node:fs";
import { PlanMismatchError, runApply } from "../apply/run-apply.js";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.js";
import { refuseUnreviewedRollback } from "../plan/rollback.js";
import { runPlan } from "../plan/run-plan.js";
import { PLAN_FORMAT_VERSION, type Plan } from "../plan/types.js";
import { openSession } from "../session.js";
import { approvalEnvironment } from "../cli/promote-command.js";
import { promoteVersion } from "../registry/promote.js";
import { reportApply } from "./apply-outputs.js";
import { PLAN_COMMENT_AUTHOR, reviewedPlanForCommit } from "./comments.js";
import { runContext } from "./context.js";
import { booleanInput, InputError, stringInput } from "./inputs.js";
import { actionsLogger, inGroup } from "./logger.js";
import {
  explainDifference,
  normalizeConfigPath,
  planDigest,
  type PlanDigest,
} from "./plan-binding.js";

interface Reviewed {
  hash: string;
  digest?: PlanDigest;
  source: string;
}

export async function applyAction(): Promise<void> {
  const configPath = normalizeConfigPath(stringInput("config") ?? DEFAULT_CONFIG_PATH);
  const requireMatch = booleanInput("require-plan-match", true);
  const adopt = booleanInput("adopt", false);
  const expectedHash = stringInput("expected-plan-hash");
  const reviewedFile = stringInput("reviewed-plan-file");
  const token = stringInput("github-token");
  const authors = listInput("plan-comment-authors") ?? [PLAN_COMMENT_AUTHOR];
  const unreviewedTriggers = listInput("allow-unreviewed-on") ?? [];
  const run = runContext();
  const logger = actionsLogger();

  const config = loadConfig(configPath);
  // A config with `environments:`: which stage this job applies (default: the build stage), and
  // whether it first promotes (approves and pins) the version the stage before it serves.
  const environment = stringInput("environment");
  if (booleanInput("promote", false)) {
    if (environment === undefined) throw new InputError("promote: true needs environment");
    const build = await openSession(config, { logger });
    const { version } = await promoteVersion(
      build.clients,
      build.graph.context.account,
      config,
      approvalEnvironment(config, environment, "promote"),
      undefined,
    );
    core.info(`model version ${version.version} approved for ${environment} (${version.artifact})`);
  }
  const session = await openSession(config, {
    logger,
    ...(environment !== undefined && { environment }),
  });
  const plan = await inGroup(`Plan ${configPath} at ${run.sha.slice(0, 7)}`, async () => {
    const { plan: fresh } = await runPlan(session);
    core.info(`${fresh.changes.filter((c) => c.action !== "noop").length} change(s) planned`);
    return fresh;
  });

  let reviewed: Reviewed | undefined;
  if (requireMatch) {
    reviewed = reviewedFromInputs(expectedHash, reviewedFile);
    let lookupFailure: string | undefined;
    if (!reviewed && token !== undefined && run.sha !== "") {
      try {
        const found = await reviewedPlanForCommit(
          github.getOctokit(token),
          { owner: run.owner, repo: run.repo },
          run.sha,
          configPath,
          authors,
        );
        if (found)
          reviewed = {
            hash: found.digest.hash,
            digest: found.digest,
            source: `the plan comment on pull request #${found.pullRequest} (${found.url})`,
          };
      } catch (error) {
        lookupFailure = (error as Error).message;
      }
    }
    if (!reviewed) {
      // Fail closed: a push without a reviewed plan (a direct push, a pull request whose plan
      // was never posted, a lookup that failed) applies nothing unless this trigger is allowed.
      const why =
        lookupFailure !== undefined
          ? `the pull request's plan could not be looked up (${lookupFailure})`
          : `no plan comment by ${authors.join(" or ")} was found for ${run.sha.slice(0, 7) || "this commit"}`;
      if (!unreviewedTriggers.includes(run.eventName)) {
        throw new PlanMismatchError(
          `${why}; nothing was applied. A ${run.eventName || "run"} applies only a reviewed plan: ` +
            "merge through a pull request whose plan workflow commented, pass expected-plan-hash, " +
            `or list "${run.eventName}" in allow-unreviewed-on to apply the plan made now.`,
        );
      }
      core.warning(`${why}: applying the plan made now (allow-unreviewed-on: ${run.eventName})`);
    } else if (!matches(plan.planHash, reviewed.hash)) {
      const lines = reviewed.digest
        ? explainDifference(reviewed.digest, planDigest(plan))
        : [`reviewed plan ${reviewed.hash.slice(0, 16)}, plan now ${plan.planHash.slice(0, 16)}`];
      throw new PlanMismatchError(
        `the plan for this commit is not the plan that was reviewed (${reviewed.source}); nothing was applied.\n` +
          `${lines.map((l) => `  - ${l}`).join("\n")}\n` +
          "AWS or the inputs changed since the review. Re-run the plan on a pull request and review it, " +
          "or set require-plan-match: false to apply the current plan.",
      );
    } else {
      core.info(`the plan matches the one reviewed in ${reviewed.source}`);
    }
  }

  // Whatever the inputs allow, a model rollback is applied only as part of a reviewed plan.
  if (!reviewed) {
    refuseUnreviewedRollback(
      plan,
      "Change the config through a pull request (its plan comment shows the rollback first) and merge it, " +
        "or put the retrain's overrides into the config to keep the model.",
    );
  }
  const result = await inGroup("Apply", () =>
    runApply(session, {
      plan,
      adopt,
      confirm: () => Promise.resolve(true),
      operation: "deploy",
    }),
  );
  await reportApply(
    session,
    result,
    "mlops apply",
    reviewed ? `Bound to the plan reviewed in ${reviewed.source}.` : undefined,
  );
}

/** A comma- or newline-separated list input; undefined when empty. */
function listInput(name: string): string[] | undefined {
  const items = (stringInput(name) ?? "")
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
}

function matches(planHash: string, expected: string): boolean {
  const want = expected.trim().toLowerCase();
  return want.length >= 12 && planHash.startsWith(want);
}

function reviewedFromInputs(
  expectedHash: string | undefined,
  file: string | undefined,
): Reviewed | undefined {
  if (file !== undefined) {
    let parsed: Plan;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as Plan;
    } catch (error) {
      throw new InputError(`cannot read reviewed-plan-file ${file}: ${(error as Error).message}`);
    }
    if ((parsed as { formatVersion?: unknown }).formatVersion !== PLAN_FORMAT_VERSION)
      throw new InputError(`reviewed-plan-file ${file} is not a plan this mlops reads`);
    if (expectedHash !== undefined && !matches(parsed.planHash, expectedHash))
      throw new InputError(`reviewed-plan-file ${file} does not have hash ${expectedHash}`);
    return { hash: parsed.planHash, digest: planDigest(parsed), source: `plan file ${file}` };
  }
  if (expectedHash === undefined) return undefined;
  if (!/^[0-9a-f]{12,64}$/i.test(expectedHash))
    throw new InputError("expected-plan-hash must be 12 to 64 hex characters");
  return { hash: expectedHash, source: "input expected-plan-hash" };
}

// The janitor: terminates this project's runner instances past their mlops:expires-at tag (the
// backstop for a watchdog that never ran) and removes this project's stale offline runners.
// Instances of other projects, untagged ones and unexpired ones are left alone.
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Logger } from "../logger.js";
import type { GitHubRunner, RunnerApi } from "./github-runners.js";
import { describeRunnerInstances, terminate, type RunnerInstance } from "./instances.js";
import { projectFilters, runnerNamePrefix, TAG } from "./names.js";

export interface JanitorOptions {
  project: string;
  ec2: Pick<EC2Client, "send">;
  /** Without it, runners are not looked at. */
  github?: RunnerApi;
  now: number;
  dryRun: boolean;
  logger: Logger;
}

export interface ExpiredInstance {
  instanceId: string;
  name: string;
  expiresAt: string;
  state: string;
}

export interface JanitorReport {
  /** Terminated (or, in a dry run, would be). */
  expired: ExpiredInstance[];
  /** Live, not yet expired. */
  kept: string[];
  /** Tagged for the project but without a readable expiry: left alone, reported. */
  unreadable: string[];
  /** Offline runners removed (or, in a dry run, would be). */
  staleRunners: GitHubRunner[];
  runnersChecked: boolean;
}

export async function runJanitor(options: JanitorOptions): Promise<JanitorReport> {
  const { ec2, logger, project, now, dryRun } = options;
  const instances = await describeRunnerInstances(ec2, { filters: projectFilters(project) });
  const expired: ExpiredInstance[] = [];
  const kept: RunnerInstance[] = [];
  const unreadable: string[] = [];
  for (const instance of instances) {
    const raw = instance.tags[TAG.expiresAt];
    const at = raw === undefined ? Number.NaN : Date.parse(raw);
    if (Number.isNaN(at)) {
      unreadable.push(instance.instanceId);
      logger.warn(
        `${instance.instanceId} is tagged for ${project} but has no valid ${TAG.expiresAt}; left alone`,
      );
    } else if (at <= now) {
      expired.push({
        instanceId: instance.instanceId,
        name: instance.tags["Name"] ?? "",
        expiresAt: raw ?? "",
        state: instance.state,
      });
    } else {
      kept.push(instance);
    }
  }
  if (expired.length > 0 && !dryRun) {
    logger.info(`terminating expired ${expired.map((e) => e.instanceId).join(", ")}`);
    await terminate(
      ec2,
      expired.map((e) => e.instanceId),
    );
  }

  const staleRunners: GitHubRunner[] = [];
  if (options.github) {
    // A runner whose instance is still alive (and not expired) may be booting: keep it.
    const alive = new Set(kept.map((i) => i.tags[TAG.runnerName]).filter((n) => n !== undefined));
    const prefix = runnerNamePrefix(project);
    const runners = await options.github.listRunners();
    for (const runner of runners) {
      if (!runner.name.startsWith(prefix) || runner.status !== "offline" || runner.busy) continue;
      if (alive.has(runner.name)) continue;
      staleRunners.push(runner);
      if (!dryRun) {
        const outcome = await options.github.deleteRunner(runner.id);
        logger.info(`stale runner ${runner.name} (id ${runner.id}): ${outcome}`);
      }
    }
  }
  return {
    expired,
    kept: kept.map((i) => i.instanceId),
    unreadable,
    staleRunners,
    runnersChecked: options.github !== undefined,
  };
}

/** The janitor's report as lines for people. */
export function describeJanitorReport(report: JanitorReport, dryRun: boolean): string[] {
  const verb = dryRun ? "Would terminate" : "Terminated";
  const lines = report.expired.map(
    (e) =>
      `${verb} ${e.instanceId}${e.name === "" ? "" : ` (${e.name})`}: expired at ${e.expiresAt}`,
  );
  lines.push(
    ...report.staleRunners.map(
      (r) => `${dryRun ? "Would remove" : "Removed"} stale offline runner ${r.name} (id ${r.id})`,
    ),
  );
  if (report.unreadable.length > 0) {
    lines.push(`Left alone (no valid expiry tag): ${report.unreadable.join(", ")}`);
  }
  if (report.kept.length > 0) lines.push(`Still within their lifetime: ${report.kept.join(", ")}`);
  if (report.expired.length === 0 && report.staleRunners.length === 0) {
    lines.push("Nothing to clean up.");
  }
  if (!report.runnersChecked) {
    lines.push(
      "Runners not checked: set GITHUB_TOKEN and GITHUB_REPOSITORY to also remove stale offline runners.",
    );
  }
  return lines;
}

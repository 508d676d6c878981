// `ec2-runner` stop (runs with `if: always()`): terminate this run's runner instance(s), check
// they are going, and remove the runner registration if GitHub still lists it.
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { RunnerApi } from "./github-runners.js";
import { describeRunnerInstances, GONE_STATES, terminateAndVerify } from "./instances.js";
import { projectFilters, TAG } from "./names.js";
import { OperationalError } from "../operational-errors.js";

export interface StopOptions {
  project: string;
  ec2: Pick<EC2Client, "send">;
  github?: RunnerApi;
  /** The start's instance-id output; without it, every live instance tagged with runId. */
  instanceId?: string;
  runId?: string;
  /** The start's runner-name output (also read from the instances' tags). */
  runnerName?: string;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  deadlineMs?: number;
}

export interface StopResult {
  terminated: string[];
  runnersRemoved: string[];
}

export class RunnerStopError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "RunnerStopError";
  }
}

export async function stopRunner(options: StopOptions): Promise<StopResult> {
  const { ec2, logger, project } = options;
  let instances;
  if (options.instanceId !== undefined && options.instanceId !== "") {
    instances = await describeRunnerInstances(ec2, { instanceIds: [options.instanceId] });
    const foreign = instances.filter((i) => i.tags[TAG.project] !== project);
    if (foreign.length > 0) {
      throw new RunnerStopError(
        `refusing to terminate ${foreign.map((i) => i.instanceId).join(", ")}: not tagged ${TAG.project}=${project}`,
      );
    }
  } else if (options.runId !== undefined && options.runId !== "") {
    instances = await describeRunnerInstances(ec2, {
      filters: projectFilters(project, { runId: options.runId }),
    });
  } else {
    throw new RunnerStopError("stop needs the instance id (start's output) or the run id");
  }

  const live = instances.filter((i) => !GONE_STATES.has(i.state)).map((i) => i.instanceId);
  if (live.length === 0) logger.info("no runner instance left to terminate");
  else logger.info(`terminating ${live.join(", ")}`);
  await terminateAndVerify({
    ec2,
    instanceIds: live,
    clock: options.clock,
    logger,
    ...(options.intervalMs !== undefined && { intervalMs: options.intervalMs }),
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
  });

  const runnersRemoved: string[] = [];
  const names = new Set(
    [options.runnerName, ...instances.map((i) => i.tags[TAG.runnerName])].filter(
      (n): n is string => n !== undefined && n !== "",
    ),
  );
  if (options.github && names.size > 0) {
    const registered = (await options.github.listRunners()).filter((r) => names.has(r.name));
    for (const runner of registered) {
      const outcome = await options.github.deleteRunner(runner.id);
      if (outcome === "deleted") runnersRemoved.push(runner.name);
      logger.info(`runner ${runner.name} (id ${runner.id}): ${outcome}`);
    }
    if (registered.length === 0) logger.info(`runner ${[...names].join(", ")} is already gone`);
  } else if (!options.github) {
    logger.warn("no GitHub token: runner registrations were not checked");
  }
  return { terminated: live, runnersRemoved };
}

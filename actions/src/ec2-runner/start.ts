// `ec2-runner` start: AMI -> JIT runner config -> launch (with fallbacks) -> wait until the
// runner is online. Anything that fails after the launch terminates the instance and removes the
// runner registration, so a failed start leaves nothing running or registered.
import type { EC2Client } from "@aws-sdk/client-ec2";
import { waitFor, WaitError } from "../wait.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config/types.js";
import type { Logger } from "../logger.js";
import { roleName } from "../graph/iam-nodes.js";
import { resolveAmi, rootDeviceName, type ParameterReader } from "./ami.js";
import type { GitHubRunner, RunnerApi } from "./github-runners.js";
import { describeRunnerInstances, GONE_STATES, terminateAndVerify } from "./instances.js";
import {
  describeChoice,
  launchChoices,
  launchFirstAvailable,
  type LaunchChoice,
} from "./launch.js";
import { runnerLabel, runnerName, runnerTags, type RunIdentity } from "./names.js";
import { encodeUserData, renderUserData } from "./user-data.js";
import { OperationalError } from "../operational-errors.js";

export interface StartOptions {
  config: Config;
  ec2: Pick<EC2Client, "send">;
  parameters: ParameterReader;
  github: RunnerApi;
  run: RunIdentity;
  /** OWNER/REPO of the run (GITHUB_REPOSITORY): the runner takes only this run's job. */
  repository: string;
  clock: Clock;
  logger: Logger;
  /** Action inputs that win over the config. */
  overrides?: {
    ami?: string;
    instanceProfile?: string;
    runnerGroupId?: number;
    runner?: { version: string; sha256: string };
  };
  /** Called with every secret the start obtains (the JIT config), for the runner's log masking. */
  onSecret?: (secret: string) => void;
  /** How often to ask GitHub whether the runner is online; default 5000. */
  pollIntervalMs?: number;
  /** For tests: the random parts of the label and of the runner's name. */
  random?: { label: string; name: string };
}

export interface StartResult {
  label: string;
  runnerName: string;
  runnerId: number;
  instanceId: string;
  imageId: string;
  choice: LaunchChoice;
  expiresAt: string;
}

export class RunnerStartError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "RunnerStartError";
  }
}

export async function startRunner(options: StartOptions): Promise<StartResult> {
  const { config, ec2, github, clock, logger } = options;
  const settings = config.training.ec2;
  const ami = await resolveAmi({
    explicit: options.overrides?.ami ?? settings.ami,
    amiType: settings.amiType,
    region: config.region,
    parameters: options.parameters,
  });
  logger.info(`AMI ${ami.imageId} (${ami.source})`);
  const rootDevice = await rootDeviceName(ec2, ami.imageId);

  const label = runnerLabel(options.run, options.random?.label);
  const name = runnerName(config.project, options.run, options.random?.name);
  const jit = await github.generateJitConfig({
    name,
    runnerGroupId: options.overrides?.runnerGroupId ?? 1,
    labels: [label],
  });
  options.onSecret?.(jit.encodedJitConfig);
  // Not the label: whoever reads it could queue a job for the runner (the hook refuses it).
  logger.info(`registered single-use runner ${name} (id ${jit.runner.id})`);

  const forget = async (): Promise<void> => {
    try {
      await github.deleteRunner(jit.runner.id);
    } catch (error) {
      logger.warn(`could not remove runner ${name}: ${(error as Error).message}`);
    }
  };

  const expiresAt = new Date(clock.now() + settings.maxLifetimeSeconds * 1000);
  let launched;
  try {
    const userData = encodeUserData(
      renderUserData({
        jitConfig: jit.encodedJitConfig,
        expectedJob: { repository: options.repository, runId: options.run.id },
        maxLifetimeSeconds: settings.maxLifetimeSeconds,
        idleTimeoutSeconds: settings.idleTimeoutSeconds,
        ...(options.overrides?.runner !== undefined && { runner: options.overrides.runner }),
      }),
    );
    launched = await launchFirstAvailable(
      ec2,
      {
        imageId: ami.imageId,
        rootDeviceName: rootDevice,
        volumeSizeGB: settings.volumeSizeGB,
        securityGroups: settings.securityGroups,
        instanceProfile: options.overrides?.instanceProfile ?? roleName({ config }, "ec2"),
        userData,
        tags: runnerTags({ config, run: options.run, runnerName: name, label, expiresAt }),
      },
      launchChoices(settings),
      logger,
    );
  } catch (error) {
    await forget();
    throw error;
  }

  const { instanceId } = launched;
  try {
    await waitOnline(options, name, instanceId, settings.registrationTimeoutSeconds);
  } catch (error) {
    logger.error(`${(error as Error).message}; terminating ${instanceId}`);
    try {
      await terminateAndVerify({ ec2, instanceIds: [instanceId], clock, logger });
    } catch (cleanup) {
      logger.error(`terminating ${instanceId} failed: ${(cleanup as Error).message}`);
    }
    await forget();
    throw error instanceof WaitError ? new RunnerStartError(error.message) : error;
  }
  logger.info(
    `runner ${name} is online on ${instanceId} (${describeChoice(launched.choice)}); it ends itself by ${expiresAt.toISOString()}`,
  );
  return {
    label,
    runnerName: name,
    runnerId: jit.runner.id,
    instanceId,
    imageId: ami.imageId,
    choice: launched.choice,
    expiresAt: expiresAt.toISOString(),
  };
}

interface Progress {
  runner: GitHubRunner | undefined;
  state: string;
  reason: string | undefined;
}

async function waitOnline(
  options: StartOptions,
  name: string,
  instanceId: string,
  timeoutSeconds: number,
): Promise<void> {
  const { ec2, github } = options;
  try {
    await waitFor<Progress>({
      what: `runner ${name}`,
      poll: async () => {
        const [runners, instances] = await Promise.all([
          github.listRunners(),
          describeRunnerInstances(ec2, { instanceIds: [instanceId] }),
        ]);
        const instance = instances[0];
        return {
          runner: runners.find((r) => r.name === name),
          state: instance?.state ?? "gone",
          reason: instance?.stateReason,
        };
      },
      status: (p) =>
        p.runner?.status === "online"
          ? "ready"
          : GONE_STATES.has(p.state) || p.state === "gone" || p.state.startsWith("stop")
            ? "failed"
            : "pending",
      describe: (p) =>
        p.runner?.status === "online"
          ? "online"
          : `${p.runner ? p.runner.status : "not registered"}, instance ${instanceId} ${p.state}${p.reason === undefined ? "" : ` (${p.reason})`}`,
      intervalMs: options.pollIntervalMs ?? 5000,
      deadlineMs: timeoutSeconds * 1000,
      clock: options.clock,
      logger: options.logger,
    });
  } catch (error) {
    if (error instanceof WaitError && error.message.includes("gave up waiting")) {
      throw new RunnerStartError(
        `runner ${name} did not come online within ${timeoutSeconds}s (training.ec2.registrationTimeout)`,
      );
    }
    throw error;
  }
}

// The ec2-runner action (actions/ec2-runner). mode: start launches a GPU
// instance with a single-use runner and outputs its label; mode: stop (with `if: always()`)
// terminates it, removes the runner registration and runs the janitor.
import * as core from "@actions/core";
import { SSMClient } from "@aws-sdk/client-ssm";
import { createClients } from "../aws/clients.js";
import { systemClock } from "../clock.js";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.js";
import {
  describeJanitorReport,
  GitHubRunnerApi,
  runJanitor,
  ssmParameterReader,
  startRunner,
  stopRunner,
} from "../ec2-runner/index.js";
import { oidcClaims, runnerTokenWarning } from "../ec2-runner/token-source.js";
import { InputError, stringInput } from "./inputs.js";
import { actionsLogger } from "./logger.js";

const logger = actionsLogger();
const input = stringInput;

export async function ec2RunnerAction(): Promise<void> {
  const mode = input("mode");
  if (mode !== "start" && mode !== "stop") {
    throw new InputError(`input mode must be start or stop, got "${mode ?? ""}"`);
  }
  const token = input("github-token");
  if (token !== undefined) core.setSecret(token);
  const repository = process.env["GITHUB_REPOSITORY"] ?? "";
  const apiUrl = process.env["GITHUB_API_URL"];
  const github =
    token === undefined
      ? undefined
      : new GitHubRunnerApi({ token, repository, ...(apiUrl !== undefined && { apiUrl }) });
  const config = loadConfig(input("config") ?? DEFAULT_CONFIG_PATH);
  const ec2 = createClients(config.region).ec2;
  const runId = input("run-id") ?? process.env["GITHUB_RUN_ID"] ?? "";

  if (mode === "start") {
    if (!github) throw new InputError("input github-token is required to start a runner");
    await warnAboutTokenSource();
    const ami = input("ami");
    const instanceProfile = input("instance-profile");
    const group = input("runner-group-id");
    const version = input("runner-version");
    const sha256 = input("runner-sha256");
    if ((version === undefined) !== (sha256 === undefined)) {
      throw new InputError("inputs runner-version and runner-sha256 go together");
    }
    const result = await startRunner({
      config,
      ec2,
      parameters: ssmParameterReader(new SSMClient({ region: config.region, maxAttempts: 5 })),
      github,
      run: { id: runId, attempt: process.env["GITHUB_RUN_ATTEMPT"] ?? "1" },
      repository,
      clock: systemClock,
      logger,
      overrides: {
        ...(ami !== undefined && { ami }),
        ...(instanceProfile !== undefined && { instanceProfile }),
        ...(group !== undefined && { runnerGroupId: groupId(group) }),
        ...(version !== undefined && sha256 !== undefined && { runner: { version, sha256 } }),
      },
      onSecret: (secret) => {
        core.setSecret(secret);
      },
    });
    core.setOutput("label", result.label);
    core.setOutput("instance-id", result.instanceId);
    core.setOutput("runner-name", result.runnerName);
    return;
  }

  const instanceId = input("instance-id");
  const runnerName = input("runner-name");
  const stopped = await stopRunner({
    project: config.project,
    ec2,
    ...(github !== undefined && { github }),
    ...(instanceId !== undefined ? { instanceId } : { runId }),
    ...(runnerName !== undefined && { runnerName }),
    clock: systemClock,
    logger,
  });
  core.setOutput("instance-id", stopped.terminated.join(","));
  if (input("janitor") !== "false") {
    const report = await runJanitor({
      project: config.project,
      ec2,
      ...(github !== undefined && { github }),
      now: Date.now(),
      dryRun: false,
      logger,
    });
    for (const line of describeJanitorReport(report, false)) core.info(`janitor: ${line}`);
  }
}

/** Warns when the runner token can be seen to be a repository secret (see token-source.ts). */
async function warnAboutTokenSource(): Promise<void> {
  // Only with `id-token: write` (which the start job has for AWS) can the job read its claims.
  if (process.env["ACTIONS_ID_TOKEN_REQUEST_URL"] === undefined) return;
  let claims;
  try {
    claims = oidcClaims(await core.getIDToken());
  } catch {
    return; // cannot tell: say nothing
  }
  const warning = runnerTokenWarning(claims);
  if (warning !== undefined) core.warning(warning);
}

function groupId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1)
    throw new InputError(`input runner-group-id must be a positive whole number, got "${text}"`);
  return id;
}

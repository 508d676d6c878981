// `mlops janitor`: terminate this project's EC2 runner instances past their expiry tag and, when
// GITHUB_TOKEN and GITHUB_REPOSITORY are set, remove its stale offline runners. With --orphans,
// only list what carries the project's tags but no state record owns (orphans.ts).
import type { EC2Client } from "@aws-sdk/client-ec2";
import { createClients } from "../aws/clients.js";
import { loadConfig } from "../config/load.js";
import {
  describeJanitorReport,
  GitHubRunnerApi,
  runJanitor,
  type RunnerApi,
} from "../ec2-runner/index.js";
import { consoleLogger } from "./console-logger.js";
import { withSession } from "./engine-command.js";
import { UsageError } from "./usage-error.js";
import { describeOrphans, findOrphans } from "./orphans.js";
import type { Output } from "./output.js";

export interface JanitorCommandOptions {
  config: string;
  dryRun: boolean;
  debug?: boolean;
  /** List what carries the project's tags but no state record owns, and do nothing else. */
  orphans?: boolean;
  /** With `orphans` and environments: the stage (its project, record and identity). */
  environment?: string;
}

/** Injected by tests; the CLI builds them from the environment. */
export interface JanitorDeps {
  ec2?: Pick<EC2Client, "send">;
  github?: RunnerApi | null;
  now?: number;
  env?: NodeJS.ProcessEnv;
}

export async function janitorCommand(
  options: JanitorCommandOptions,
  io: Output,
  deps: JanitorDeps = {},
): Promise<number> {
  if (options.environment !== undefined && options.orphans !== true)
    throw new UsageError("--env goes with --orphans: the runner clean-up is the build stage's");
  if (options.orphans === true) {
    return withSession(
      {
        config: options.config,
        debug: options.debug === true,
        ...(options.environment !== undefined && { environment: options.environment }),
      },
      async (session) => {
        for (const line of describeOrphans(await findOrphans(session))) io.out(line);
        return 0;
      },
    );
  }
  const config = loadConfig(options.config);
  const env = deps.env ?? process.env;
  const logger = consoleLogger({ debug: options.debug === true });
  const token = env["GITHUB_TOKEN"] ?? "";
  const repository = env["GITHUB_REPOSITORY"] ?? "";
  const github =
    deps.github === undefined
      ? token !== "" && repository !== ""
        ? new GitHubRunnerApi({
            token,
            repository,
            ...(env["GITHUB_API_URL"] !== undefined && { apiUrl: env["GITHUB_API_URL"] }),
          })
        : undefined
      : (deps.github ?? undefined);
  const report = await runJanitor({
    project: config.project,
    ec2: deps.ec2 ?? createClients(config.region, env).ec2,
    ...(github !== undefined && { github }),
    now: deps.now ?? Date.now(),
    dryRun: options.dryRun,
    logger,
  });
  for (const line of describeJanitorReport(report, options.dryRun)) io.out(line);
  return 0;
}

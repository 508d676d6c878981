// `mlops bootstrap --github OWNER/REPO [--destroy]`: sets up (or removes) the account side of
// CI for one repository, planned first like any apply. See actions/src/bootstrap/bootstrap.ts.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createClients } from "../aws/clients.js";
import { planBootstrap, planDestroy, desiredState, type Step } from "../bootstrap/bootstrap.js";
import {
  BUILD_ENVIRONMENT_VARIABLE,
  deployRoles,
  PLAN_ROLE_VARIABLE,
  type DeployRole,
} from "../bootstrap/deploy-roles.js";
import { gitHubApi, planGitHub, type GitHubApi } from "../bootstrap/github-settings.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import { BUILD_STAGE, environmentNames } from "../environments/stages.js";
import { partitionOf } from "../graph/graph.js";
import { OperationalError } from "../operational-errors.js";
import { confirmer } from "./confirm.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface BootstrapCommandOptions {
  readonly config: string;
  readonly github: string | undefined;
  /** The single deploy role's GitHub environment; refused with `environments:`. */
  readonly environment: string | undefined;
  readonly planRole: string;
  readonly deployRole: string;
  readonly destroy: boolean;
  readonly autoApprove: boolean;
  /** Make the GitHub settings too, with $GITHUB_TOKEN (or $GH_TOKEN). */
  readonly configureGitHub: boolean;
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
// IAM's role-name rules: 1-64 of these characters.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export async function bootstrapCommand(o: BootstrapCommandOptions, io: Output): Promise<number> {
  if (o.github === undefined || !REPOSITORY.test(o.github))
    throw new UsageError("--github OWNER/REPO names the repository whose workflows get the roles");
  for (const [flag, name] of [
    ["--plan-role", o.planRole],
    ["--deploy-role", o.deployRole],
  ] as const)
    if (!ROLE_NAME.test(name))
      throw new UsageError(
        `${flag} "${name}" is not an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)`,
      );
  if (o.planRole === o.deployRole)
    throw new UsageError("--plan-role and --deploy-role must differ");
  const config = loadConfig(o.config);
  const roles = deployRoles(config.environments ? environmentNames(config) : undefined, o);
  const clients = createClients(config.region);
  const account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
  if (account === undefined)
    throw new OperationalError("STS returned no account id for these credentials");
  const desired = desiredState(config, account, {
    repository: o.github,
    planRole: o.planRole,
    deployRoles: roles,
  });

  const arn = (name: string): string =>
    `arn:${partitionOf(config.region)}:iam::${account}:role/${name}`;
  // In the order the stages run; MLOPS_BUILD_ENVIRONMENT moves deploy.yml's build job into the
  // environment the build role trusts.
  const variables = {
    [PLAN_ROLE_VARIABLE]: arn(o.planRole),
    ...Object.fromEntries(
      roles.flatMap((r): [string, string][] => [
        [r.variable, arn(r.name)],
        ...(r.stage === BUILD_STAGE
          ? [[BUILD_ENVIRONMENT_VARIABLE, r.githubEnvironment] as [string, string]]
          : []),
      ]),
    ),
    AWS_REGION: config.region,
  };
  let steps: Step[];
  let gitHubSteps: Step<GitHubApi>[] = [];
  let api: GitHubApi | undefined;
  if (o.destroy) {
    if (o.configureGitHub)
      throw new UsageError("--configure-github is for setting up; --destroy leaves GitHub alone");
    const planned = await planDestroy(clients.iam, desired);
    steps = planned.steps;
    for (const line of planned.kept) io.out(`  (kept) ${line}`);
  } else {
    steps = await planBootstrap(clients.iam, desired);
    if (o.configureGitHub) {
      // Read from the environment, never an argument: a token on the command line ends up in
      // the shell history and the process list.
      const token = process.env["GITHUB_TOKEN"] ?? process.env["GH_TOKEN"];
      if (token === undefined || token === "")
        throw new UsageError("--configure-github reads the token from GITHUB_TOKEN or GH_TOKEN");
      api = gitHubApi(token, process.env["GITHUB_API_URL"] ?? "https://api.github.com");
      const planned = await planGitHub(
        api,
        o.github,
        roles.map((r) => r.githubEnvironment),
        variables,
        // Left by a config that had environments, it would move the deploy job out of the
        // environment the one deploy role trusts.
        config.environments ? [] : [BUILD_ENVIRONMENT_VARIABLE],
      );
      gitHubSteps = planned.steps;
      for (const warning of planned.warnings) io.err(`warning: ${warning}`);
    }
  }
  io.out(
    `${o.destroy ? "Removing" : "Bootstrapping"} CI for ${o.github} in account ${account} (${config.region}):`,
  );
  for (const step of [...steps, ...gitHubSteps]) io.out(`  ${step.symbol} ${step.text}`);
  if (steps.length + gitHubSteps.length === 0) {
    io.out("  Nothing to change.");
  } else {
    if (!(await confirmer(o.autoApprove, o.destroy ? "remove these" : "make these changes")())) {
      io.err("Nothing changed.");
      return 1;
    }
    for (const step of steps) {
      await step.run(clients.iam);
      io.out(`  done: ${step.text}`);
    }
    for (const step of gitHubSteps) {
      if (api !== undefined) await step.run(api);
      io.out(`  done: ${step.text}`);
    }
  }
  if (!o.destroy) printGitHubSettings(io, variables, config, roles, o);
  return 0;
}

function printGitHubSettings(
  io: Output,
  variables: Readonly<Record<string, string>>,
  config: Config,
  roles: readonly DeployRole[],
  o: BootstrapCommandOptions,
): void {
  const lines: string[] = [];
  const environments = roles.map((r) => r.githubEnvironment);
  // The first role is the one that trains: the single deploy role, or the build stage's.
  const training = environments[0] ?? "";
  if (!o.configureGitHub) {
    lines.push(
      environments.length === 1
        ? `Environments -> New environment "${training}": deployment branches "Selected branches" = main only (the deploy role trusts the environment, not a branch).`
        : `Environments -> New environments ${environments.map((e) => `"${e}"`).join(", ")}, each with deployment branches "Selected branches" = main only (each deploy role trusts its environment, not a branch).`,
      `Secrets and variables -> Actions -> Variables: ${Object.entries(variables)
        .map(([k, v]) => `${k} = ${v}`)
        .join(", ")}.`,
    );
  }
  if (config.environments === undefined)
    lines.push(
      `Environment "${training}": add required reviewers if merges alone should not deploy.`,
    );
  for (const [name, env] of Object.entries(config.environments ?? {}))
    if (env.approval)
      lines.push(
        `Environment "${name}": add required reviewers (approval: true; its job waits for them, then promotes what the stage before it serves).`,
      );
  const unknown = roles.filter((r) => r.stage !== undefined && !WORKFLOW_STAGES.includes(r.stage));
  if (unknown.length > 0)
    lines.push(
      `The workflows mlops init writes deploy build, staging and production only: add a job like staging's to deploy.yml for ${unknown
        .map((r) => `"${r.stage ?? ""}" (role variable ${r.variable})`)
        .join(", ")}.`,
    );
  if (config.training.backend === "ec2")
    lines.push(
      `Environment "${training}" -> secret MLOPS_RUNNER_TOKEN: a fine-grained token with repository Administration: write (registers the GPU runner).`,
    );
  lines.push("Protect main: require the ci and plan checks (docs/setup.md steps 9-11).");
  io.out(
    `\n${o.configureGitHub ? "Left to do" : "Now"} in GitHub (https://github.com/${o.github ?? ""}/settings):\n${lines
      .map((l, i) => `  ${i + 1}. ${l}`)
      .join("\n")}`,
  );
}

/** The stages the shipped deploy.yml and retrain.yml have jobs for. */
const WORKFLOW_STAGES: readonly string[] = [BUILD_STAGE, "staging", "production"];

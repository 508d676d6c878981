// `mlops bootstrap --github OWNER/REPO [--destroy]`: sets up (or removes) the account side of
// CI for one repository, planned first like any apply. See actions/src/bootstrap/bootstrap.ts.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createClients } from "../aws/clients.js";
import { planBootstrap, planDestroy, desiredState, type Step } from "../bootstrap/bootstrap.js";
import { loadConfig } from "../config/load.js";
import { partitionOf } from "../model/graph.js";
import { OperationalError } from "../operational-errors.js";
import { confirmer } from "./confirm.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface BootstrapCommandOptions {
  readonly config: string;
  readonly github: string | undefined;
  readonly environment: string;
  readonly planRole: string;
  readonly deployRole: string;
  readonly destroy: boolean;
  readonly autoApprove: boolean;
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
  const clients = createClients(config.region);
  const account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
  if (account === undefined)
    throw new OperationalError("STS returned no account id for these credentials");
  const options = {
    repository: o.github,
    environment: o.environment,
    planRole: o.planRole,
    deployRole: o.deployRole,
  };
  const desired = desiredState(config, account, options);

  let steps: Step[];
  if (o.destroy) {
    const planned = await planDestroy(clients.iam, desired);
    steps = planned.steps;
    for (const line of planned.kept) io.out(`  (kept) ${line}`);
  } else {
    steps = await planBootstrap(clients.iam, desired, options);
  }
  io.out(
    `${o.destroy ? "Removing" : "Bootstrapping"} CI for ${o.github} in account ${account} (${config.region}):`,
  );
  for (const step of steps) io.out(`  ${step.symbol} ${step.text}`);
  if (steps.length === 0) {
    io.out("  Nothing to change.");
  } else {
    if (!(await confirmer(o.autoApprove, o.destroy ? "remove these" : "make these changes")()))
      return (io.err("Nothing changed."), 1);
    for (const step of steps) {
      await step.run(clients.iam);
      io.out(`  done: ${step.text}`);
    }
  }
  if (!o.destroy) printGitHubSettings(io, desired.roles, account, config, o);
  return 0;
}

function printGitHubSettings(
  io: Output,
  roles: readonly { kind: string; name: string }[],
  account: string,
  config: { region: string; training: { backend: string } },
  o: BootstrapCommandOptions,
): void {
  const arn = (kind: string): string =>
    `arn:${partitionOf(config.region)}:iam::${account}:role/${roles.find((r) => r.kind === kind)?.name ?? ""}`;
  const repo = `https://github.com/${o.github ?? ""}/settings`;
  io.out(`
Now in GitHub (${repo}):
  1. Environments -> New environment "${o.environment}": deployment branches "Selected
     branches" = main only (the deploy role trusts the environment, not a branch); add
     required reviewers if merges alone should not deploy.
  2. Secrets and variables -> Actions -> Variables:
       MLOPS_PLAN_ROLE_ARN   = ${arn("plan")}
       MLOPS_DEPLOY_ROLE_ARN = ${arn("deploy")}
       AWS_REGION            = ${config.region}${
         config.training.backend === "ec2"
           ? `
  3. Environment "${o.environment}" -> secret MLOPS_RUNNER_TOKEN: a fine-grained token with
     repository Administration: write (registers the GPU runner).`
           : ""
       }
  Then protect main (require the ci and plan checks): docs/setup.md steps 9-11.`);
}

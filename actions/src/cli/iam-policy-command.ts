// `mlops iam-policy --for plan|deploy|boundary [--trust]`: the least-privilege policy a CI role
// needs for this config, the permissions boundary every role the tool creates carries, or (with
// --trust) who may assume a CI role. See docs/setup.md.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createClients } from "../aws/clients.js";
import { loadConfig } from "../config/load.js";
import type { CiRole } from "../graph/ci-policies.js";
import { partitionOf } from "../graph/graph.js";
import type { PolicyDocument } from "../graph/iam-policies.js";
import type { Output } from "./output.js";
import { requireEnvironment } from "../environments/stages.js";
import { configPolicy } from "../graph/stage-policies.js";
import { UsageError } from "./usage-error.js";

export interface IamPolicyOptions {
  config: string;
  role: CiRole | "boundary";
  account: string | undefined;
  /** Print the role's trust policy (GitHub OIDC) instead of its permissions. */
  trust?: boolean;
  /** OWNER/REPO whose workflows may assume the role (--trust); default $GITHUB_REPOSITORY. */
  repository?: string | undefined;
  /** The deploy jobs' GitHub environment (--trust --for deploy); default production, or --stage. */
  environment?: string | undefined;
  /** A config with `environments:`: the stage whose deploy role this is (default: build). */
  stage?: string | undefined;
}

export async function iamPolicyCommand(options: IamPolicyOptions, io: Output): Promise<number> {
  const config = loadConfig(options.config);
  // The account may be given so the policy can be printed before credentials exist.
  const account =
    options.account ??
    (await createClients(config.region).sts.send(new GetCallerIdentityCommand({}))).Account ??
    "";
  if (options.trust === true) {
    if (options.role === "boundary")
      throw new UsageError("--trust is for --for plan or --for deploy");
    const repository = options.repository ?? process.env["GITHUB_REPOSITORY"];
    if (repository === undefined || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository))
      throw new UsageError("--trust needs --repository OWNER/REPO");
    // Each stage's role is trusted by the GitHub environment of its name (docs/setup.md's
    // table: build's too, which deploy.yml's build job runs in with MLOPS_BUILD_ENVIRONMENT).
    const environment = options.environment ?? options.stage ?? "production";
    io.out(
      JSON.stringify(
        githubTrustPolicy(
          partitionOf(config.region),
          account,
          repository,
          options.role,
          environment,
        ),
        null,
        2,
      ),
    );
    if (options.role === "deploy") {
      // The OIDC subject of an environment job names no branch: the environment must.
      io.err(
        `Restrict the "${environment}" environment's deployment branches to main (Settings -> Environments -> ${environment} -> Deployment branches): the token's subject names the environment, not the branch.`,
      );
    }
    return 0;
  }
  if (options.stage !== undefined) requireEnvironment(config, options.stage);
  io.out(JSON.stringify(configPolicy(config, account, options.role, options.stage), null, 2));
  return 0;
}

const GITHUB_OIDC = "token.actions.githubusercontent.com";

/**
 * GitHub OIDC trust: the plan role for this repository's pull requests, the deploy role only for
 * jobs of its protected environment (whose deployment-branch policy limits it to main).
 */
export function githubTrustPolicy(
  partition: string,
  account: string,
  repository: string,
  role: CiRole,
  environment: string,
): PolicyDocument {
  const sub =
    role === "deploy"
      ? `repo:${repository}:environment:${environment}`
      : `repo:${repository}:pull_request`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC}` },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC}:aud`]: "sts.amazonaws.com",
            [`${GITHUB_OIDC}:sub`]: sub,
          },
        },
      },
    ],
  };
}

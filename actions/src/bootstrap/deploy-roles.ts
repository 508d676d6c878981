// Which deploy roles `mlops bootstrap` makes, their names and the repository variables the
// workflows (.github/workflows/deploy.yml, retrain.yml) read their ARNs from. Without
// `environments:` there is one, trusted by one GitHub environment (--environment). With them
// there is one per stage, each trusted only by the GitHub environment of its own name: the build
// stage's under the --deploy-role name (MLOPS_DEPLOY_ROLE_ARN, which the deploy and retrain jobs
// read), each environment's under `<deploy-role>-<env>` (MLOPS_<ENV>_ROLE_ARN).
import { UsageError } from "../cli/usage-error.js";
import { BUILD_STAGE } from "../environments/stages.js";

/** IAM's limit on a role name. */
const ROLE_NAME_MAX = 64;
/** GitHub's environment of the single deploy role when --environment is not given. */
export const DEFAULT_DEPLOY_ENVIRONMENT = "production";
export const PLAN_ROLE_VARIABLE = "MLOPS_PLAN_ROLE_ARN";
const DEPLOY_ROLE_VARIABLE = "MLOPS_DEPLOY_ROLE_ARN";
/** The variable that moves deploy.yml's build job into the `build` GitHub environment. */
export const BUILD_ENVIRONMENT_VARIABLE = "MLOPS_BUILD_ENVIRONMENT";

export interface DeployRole {
  /** The config's stage (build or an environment); undefined without `environments:`. */
  readonly stage: string | undefined;
  readonly name: string;
  /** The GitHub environment whose jobs may assume it (the OIDC `sub` names it). */
  readonly githubEnvironment: string;
  /** The repository variable the workflows read its ARN from. */
  readonly variable: string;
}

export interface DeployRoleOptions {
  readonly planRole: string;
  readonly deployRole: string;
  /** --environment as given; undefined when it was not. */
  readonly environment: string | undefined;
}

/**
 * The deploy roles for a config whose `environments:` lists these names (undefined: none).
 * Refuses, before anything is read or made, --environment with environments (each stage's
 * role is trusted by its own environment, so the flag would be silently meaningless), a
 * name IAM would refuse once the environment is appended, and two roles or variables of one name.
 */
export function deployRoles(
  environments: readonly string[] | undefined,
  o: DeployRoleOptions,
): DeployRole[] {
  if (environments === undefined)
    return [
      {
        stage: undefined,
        name: o.deployRole,
        githubEnvironment: o.environment ?? DEFAULT_DEPLOY_ENVIRONMENT,
        variable: DEPLOY_ROLE_VARIABLE,
      },
    ];
  if (o.environment !== undefined)
    throw new UsageError(
      `--environment names the GitHub environment of the single deploy role; with environments: in the config each stage's role is trusted by the environment of its name (${[BUILD_STAGE, ...environments].join(", ")}): drop --environment`,
    );
  const roles: DeployRole[] = [
    {
      stage: BUILD_STAGE,
      name: o.deployRole,
      githubEnvironment: BUILD_STAGE,
      variable: DEPLOY_ROLE_VARIABLE,
    },
    ...environments.map((env) => ({
      stage: env,
      name: `${o.deployRole}-${env}`,
      githubEnvironment: env,
      variable: `MLOPS_${env.toUpperCase().replaceAll("-", "_")}_ROLE_ARN`,
    })),
  ];
  const tooLong = roles.filter((r) => r.name.length > ROLE_NAME_MAX);
  const longest = Math.max(...environments.map((env) => env.length));
  if (tooLong.length > 0)
    throw new UsageError(
      `--deploy-role "${o.deployRole}" is too long for the config's environments: ${tooLong
        .map((r) => `${r.name} has ${r.name.length} characters`)
        .join(", ")}, and IAM allows ${ROLE_NAME_MAX} (use a --deploy-role of at most ${
        ROLE_NAME_MAX - longest - 1
      })`,
    );
  const clash = roles.find((r) => r.name === o.planRole);
  if (clash !== undefined)
    throw new UsageError(
      `--plan-role "${o.planRole}" is also the name of the ${clash.stage ?? ""} stage's deploy role: pick another`,
    );
  const reserved = new Map([
    [PLAN_ROLE_VARIABLE, "plan"],
    [DEPLOY_ROLE_VARIABLE, "build"],
  ]);
  const shadowing = roles.find((r) => r.stage !== BUILD_STAGE && reserved.has(r.variable));
  if (shadowing !== undefined)
    throw new UsageError(
      `the environment "${shadowing.stage ?? ""}" would need the repository variable ${shadowing.variable}, which holds the ${reserved.get(shadowing.variable) ?? ""} role's ARN: rename the environment`,
    );
  return roles;
}

// `mlops bootstrap`'s deploy roles: one without `environments:` (trusted by --environment), one
// per stage with them (build under --deploy-role, each environment `<deploy-role>-<env>`), each
// with exactly the policy and trust `mlops iam-policy --stage` prints; and what it refuses
// before it reads or makes anything.
import { describe, expect, it } from "vitest";
import { desiredState } from "../../../actions/src/bootstrap/bootstrap.js";
import { deployRoles } from "../../../actions/src/bootstrap/deploy-roles.js";
import { githubTrustPolicy } from "../../../actions/src/cli/iam-policy-command.js";
import { UsageError } from "../../../actions/src/cli/usage-error.js";
import { loadConfig } from "../../../actions/src/config/load.js";
import { buildGraph } from "../../../actions/src/graph/build-graph.js";
import { boundaryPolicy, ciPolicy } from "../../../actions/src/graph/ci-policies.js";
import { compacted, configPolicy } from "../../../actions/src/graph/stage-policies.js";

const ACCOUNT = "123456789012";
const names = { planRole: "mlops-plan", deployRole: "mlops-deploy", environment: undefined };

describe("deployRoles", () => {
  it("without environments: one role, trusted by --environment (default production)", () => {
    expect(deployRoles(undefined, names)).toEqual([
      {
        stage: undefined,
        name: "mlops-deploy",
        githubEnvironment: "production",
        variable: "MLOPS_DEPLOY_ROLE_ARN",
      },
    ]);
    expect(deployRoles(undefined, { ...names, environment: "prod" })[0]?.githubEnvironment).toBe(
      "prod",
    );
  });

  it("with environments: build, then <deploy-role>-<env>, with the variables the workflows read", () => {
    expect(deployRoles(["staging", "production", "eu-west"], names)).toEqual([
      {
        stage: "build",
        name: "mlops-deploy",
        githubEnvironment: "build",
        variable: "MLOPS_DEPLOY_ROLE_ARN",
      },
      {
        stage: "staging",
        name: "mlops-deploy-staging",
        githubEnvironment: "staging",
        variable: "MLOPS_STAGING_ROLE_ARN",
      },
      {
        stage: "production",
        name: "mlops-deploy-production",
        githubEnvironment: "production",
        variable: "MLOPS_PRODUCTION_ROLE_ARN",
      },
      {
        stage: "eu-west",
        name: "mlops-deploy-eu-west",
        githubEnvironment: "eu-west",
        variable: "MLOPS_EU_WEST_ROLE_ARN",
      },
    ]);
  });

  it("refuses a --deploy-role that IAM's 64 characters cannot hold with the environment", () => {
    const deployRole = "d".repeat(53); // + "-production" = 64: allowed
    expect(deployRoles(["production"], { ...names, deployRole })[1]?.name).toHaveLength(64);
    const refuse = (): unknown =>
      deployRoles(["staging", "production"], { ...names, deployRole: `${deployRole}x` });
    expect(refuse).toThrow(UsageError);
    expect(refuse).toThrow(
      `--deploy-role "${deployRole}x" is too long for the config's environments: ${deployRole}x-production has 65 characters, and IAM allows 64 (use a --deploy-role of at most 53)`,
    );
  });

  it("refuses --environment with environments, and names that collide", () => {
    expect(() => deployRoles(["staging"], { ...names, environment: "production" })).toThrow(
      /^--environment names the GitHub environment of the single deploy role; with environments: in the config each stage's role is trusted by the environment of its name \(build, staging\): drop --environment$/,
    );
    expect(() => deployRoles(["staging"], { ...names, planRole: "mlops-deploy-staging" })).toThrow(
      `--plan-role "mlops-deploy-staging" is also the name of the staging stage's deploy role`,
    );
    // An environment called "deploy" or "plan" would overwrite another role's variable.
    expect(() => deployRoles(["deploy"], names)).toThrow(
      `the environment "deploy" would need the repository variable MLOPS_DEPLOY_ROLE_ARN, which holds the build role's ARN`,
    );
    expect(() => deployRoles(["plan"], names)).toThrow(/MLOPS_PLAN_ROLE_ARN, which holds the plan/);
  });
});

describe("desiredState", () => {
  it("with environments: each stage's role has iam-policy --stage's policy and its stage's trust", () => {
    const config = loadConfig("config/full.example.yaml");
    const repository = "acme/pets";
    const desired = desiredState(config, ACCOUNT, {
      repository,
      planRole: "mlops-plan",
      deployRoles: deployRoles(["staging", "production"], names),
    });
    // iam.permissionsBoundary names the organisation's own: bootstrap makes none.
    expect(desired.boundary).toBeUndefined();
    const [plan, ...deploy] = desired.roles;
    expect(plan?.policy).toEqual(configPolicy(config, ACCOUNT, "plan", undefined));
    expect(deploy.map((r) => [r.label, r.name, r.maxSessionDuration])).toEqual([
      ["build deploy role", "mlops-deploy", 21600],
      ["staging deploy role", "mlops-deploy-staging", 21600],
      ["production deploy role", "mlops-deploy-production", 21600],
    ]);
    for (const role of deploy) {
      const stage = role.stage ?? "";
      expect(role.policy).toEqual(configPolicy(config, ACCOUNT, "deploy", stage));
      expect(role.trust).toEqual(githubTrustPolicy("aws", ACCOUNT, repository, "deploy", stage));
      expect(JSON.stringify(role.trust)).toContain(`"repo:acme/pets:environment:${stage}"`);
    }
  });

  it("without environments: the one deploy role has the single-stage policy", () => {
    const config = loadConfig("config/mlops.yaml");
    const desired = desiredState(config, ACCOUNT, {
      repository: "acme/pets",
      planRole: "mlops-plan",
      deployRoles: deployRoles(undefined, names),
    });
    expect(desired.roles.map((r) => r.label)).toEqual(["plan role", "deploy role"]);
    // What `mlops iam-policy` prints: the single-stage policies, compacted.
    const graph = buildGraph(config, { account: ACCOUNT });
    expect(desired.boundary?.document).toEqual(compacted(boundaryPolicy(graph)));
    expect(desired.roles[0]?.policy).toEqual(compacted(ciPolicy(config, graph, "plan")));
    expect(desired.roles[1]?.policy).toEqual(compacted(ciPolicy(config, graph, "deploy")));
    expect(desired.roles[1]?.policy).toEqual(configPolicy(config, ACCOUNT, "deploy", undefined));
    expect(JSON.stringify(desired.roles[1]?.trust)).toContain(
      `"repo:acme/pets:environment:production"`,
    );
  });
});

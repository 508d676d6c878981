// `mlops bootstrap` on the emulator (issue 23): creates GitHub's OIDC provider, the boundary and
// both CI roles with the trust docs/setup.md describes and the policies `mlops iam-policy`
// prints; a second run plans nothing (and repairs a hand edit); --destroy leaves nothing it
// made, and keeps what it did not make.
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub } from "../actions/fake-github.js";
import { cli } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const aws = useEmulator();
const iam = new IAMClient(aws.clientConfig);
const ACCOUNT = "123456789012";
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const SHA = "0123456789abcdef0123456789abcdef01234567";
const savedEnv = { ...process.env };
let dir: string;
let config: string;
let project: string;

beforeAll(async () => {
  Object.assign(process.env, aws.env);
  dir = mkdtempSync(join(tmpdir(), "mlops-bootstrap-"));
  project = `bs${Date.now().toString(36)}`;
  const init = await cli([
    "init",
    dir,
    "--project",
    project,
    "--actions-repo",
    "acme/mlops",
    "--actions-sha",
    SHA,
  ]);
  expect(init.code, init.out).toBe(0);
  config = join(dir, "config/mlops.yaml");
});

afterAll(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

const exists = async (call: () => Promise<unknown>): Promise<boolean> => {
  try {
    await call();
    return true;
  } catch (error) {
    if ((error as Error).name === "NoSuchEntityException") return false;
    throw error;
  }
};
const document = (text: string | undefined): unknown => JSON.parse(decodeURIComponent(text ?? ""));

describe("mlops bootstrap", () => {
  it("creates provider, boundary and roles; a re-run changes nothing; --destroy leaves nothing", async () => {
    const roles = ["--plan-role", `${project}-ci-plan`, "--deploy-role", `${project}-ci-deploy`];
    const args = ["bootstrap", "--config", config, "--github", "acme/ml-service", ...roles];
    expect(
      await exists(() =>
        iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER })),
      ),
    ).toBe(false);

    const first = await cli([...args, "--auto-approve"]);
    expect(first.code, first.out).toBe(0);
    expect(first.stdout).toContain(
      "+ create the OIDC provider token.actions.githubusercontent.com",
    );
    expect(first.stdout).toContain(`+ create the permissions boundary /mlops/${project}-boundary`);
    expect(first.stdout).toContain(`+ create the plan role ${project}-ci-plan`);
    expect(first.stdout).toContain(`+ create the deploy role ${project}-ci-deploy`);
    expect(first.stdout).toContain(
      `MLOPS_DEPLOY_ROLE_ARN = arn:aws:iam::${ACCOUNT}:role/${project}-ci-deploy`,
    );

    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER }),
    );
    expect(provider.ClientIDList).toEqual(["sts.amazonaws.com"]);
    const plan = (await iam.send(new GetRoleCommand({ RoleName: `${project}-ci-plan` }))).Role;
    expect(document(plan?.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [
        {
          Principal: { Federated: PROVIDER },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [
                "repo:acme/ml-service:pull_request",
                "repo:acme/ml-service:ref:refs/heads/main",
              ],
            },
          },
        },
      ],
    });
    const deploy = (await iam.send(new GetRoleCommand({ RoleName: `${project}-ci-deploy` }))).Role;
    expect(deploy?.MaxSessionDuration).toBe(21600);
    expect(document(deploy?.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [
        {
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:sub":
                "repo:acme/ml-service:environment:production",
            },
          },
        },
      ],
    });
    // The inline policies are exactly what `mlops iam-policy` prints for this config.
    for (const kind of ["plan", "deploy"]) {
      const printed = await cli(["iam-policy", "--config", config, "--for", kind]);
      const live = await iam.send(
        new GetRolePolicyCommand({
          RoleName: `${project}-ci-${kind}`,
          PolicyName: `${project}-ci-${kind}`,
        }),
      );
      expect(document(live.PolicyDocument)).toEqual(JSON.parse(printed.stdout));
    }
    const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/mlops/${project}-boundary`;
    expect(await exists(() => iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn })))).toBe(
      true,
    );

    const again = await cli([...args, "--auto-approve"]);
    expect(again.code, again.out).toBe(0);
    expect(again.stdout).toContain("Nothing to change.");
    expect(again.stdout).not.toMatch(/^ {2}[+~-] /m);

    // A hand edit of a policy is planned back, and nothing else.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: `${project}-ci-plan`,
        PolicyName: `${project}-ci-plan`,
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        }),
      }),
    );
    const repair = await cli([...args, "--auto-approve"]);
    expect(repair.stdout.match(/^ {2}[+~-] .*$/gm)).toEqual([
      `  ~ update the plan role ${project}-ci-plan: inline policy`,
    ]);
    expect((await cli([...args, "--auto-approve"])).stdout).toContain("Nothing to change.");

    const destroy = await cli([...args, "--destroy", "--auto-approve"]);
    expect(destroy.code, destroy.out).toBe(0);
    expect(destroy.stdout.match(/^ {2}- /gm)).toHaveLength(4);
    expect(
      await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-ci-plan` }))),
    ).toBe(false);
    expect(
      await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-ci-deploy` }))),
    ).toBe(false);
    expect(await exists(() => iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn })))).toBe(
      false,
    );
    expect(
      await exists(() =>
        iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER })),
      ),
    ).toBe(false);
    expect((await cli([...args, "--destroy", "--auto-approve"])).stdout).toContain(
      "Nothing to change.",
    );
  });

  it("reuses a provider that was there and leaves it on --destroy", async () => {
    const roles = ["--plan-role", `${project}-p2`, "--deploy-role", `${project}-d2`];
    const args = ["bootstrap", "--config", config, "--github", "acme/other", ...roles];
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: "https://token.actions.githubusercontent.com",
        ClientIDList: ["sts.amazonaws.com"],
        ThumbprintList: ["a".repeat(40)],
      }),
    );
    try {
      const made = await cli([...args, "--auto-approve"]);
      expect(made.code, made.out).toBe(0);
      expect(made.stdout).not.toContain("OIDC provider");
      const destroy = await cli([...args, "--destroy", "--auto-approve"]);
      expect(destroy.code, destroy.out).toBe(0);
      expect(destroy.stdout).toContain(
        "(kept) OIDC provider token.actions.githubusercontent.com: it was there before",
      );
      expect(
        await exists(() =>
          iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER })),
        ),
      ).toBe(true);
      expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-p2` })))).toBe(
        false,
      );
    } finally {
      await iam.send(
        new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER }),
      );
    }
  });

  it("with --configure-github, also makes the environment (main only) and the variables", async () => {
    const gh = await startFakeGitHub("acme", "gh-repo");
    const roles = ["--plan-role", `${project}-p4`, "--deploy-role", `${project}-d4`];
    const args = ["bootstrap", "--config", config, "--github", "acme/gh-repo", ...roles];
    try {
      delete process.env["GITHUB_TOKEN"];
      delete process.env["GH_TOKEN"];
      const noToken = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toContain("GITHUB_TOKEN or GH_TOKEN");

      Object.assign(process.env, { GITHUB_TOKEN: "ghs_fake", GITHUB_API_URL: gh.url });
      const first = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(first.code, first.out).toBe(0);
      expect(first.stdout).toContain(
        "+ create the GitHub environment production, deployable from main only",
      );
      expect(gh.environments.get("production")).toEqual({
        policy: { protected_branches: false, custom_branch_policies: true },
        branches: ["main"],
      });
      expect(Object.fromEntries(gh.variables)).toEqual({
        MLOPS_PLAN_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${project}-p4`,
        MLOPS_DEPLOY_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${project}-d4`,
        AWS_REGION: "us-east-1",
      });
      expect(first.stdout).toContain("Left to do in GitHub");
      expect(first.stdout).not.toContain("Variables:");

      expect((await cli([...args, "--configure-github", "--auto-approve"])).stdout).toContain(
        "Nothing to change.",
      );

      // Left by a config that had environments: it would move the deploy job elsewhere.
      gh.variables.set("MLOPS_BUILD_ENVIRONMENT", "build");
      const leftover = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(leftover.stdout).toContain("- delete the repository variable MLOPS_BUILD_ENVIRONMENT");
      expect(gh.variables.has("MLOPS_BUILD_ENVIRONMENT")).toBe(false);

      // Edited by hand: the variable is planned back; an extra branch is reported, not removed.
      gh.variables.set("AWS_REGION", "eu-west-1");
      gh.environments.get("production")?.branches.push("dev");
      const repair = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(repair.stdout.match(/^ {2}[+~-] .*$/gm)).toEqual([
        "  ~ change the repository variable AWS_REGION from eu-west-1 to us-east-1",
      ]);
      expect(repair.stderr).toContain(
        "also allows dev: jobs on those branches can assume the deploy role",
      );
      expect(gh.variables.get("AWS_REGION")).toBe("us-east-1");
      expect(gh.environments.get("production")?.branches).toEqual(["main", "dev"]);
    } finally {
      delete process.env["GITHUB_TOKEN"];
      delete process.env["GITHUB_API_URL"];
      await gh.close();
      expect((await cli([...args, "--destroy", "--auto-approve"])).code).toBe(0);
    }
  });

  it("keeps on --destroy the roles and boundary of the same names bootstrapped for another repository", async () => {
    const roles = ["--plan-role", `${project}-mine-p`, "--deploy-role", `${project}-mine-d`];
    const run = (repository: string, ...more: string[]) =>
      cli(["bootstrap", "--config", config, "--github", repository, ...roles, ...more]);
    const made = await run("acme/mine", "--auto-approve");
    expect(made.code, made.out).toBe(0);
    const other = await run("acme/other", "--destroy", "--auto-approve");
    expect(other.code, other.out).toBe(0);
    expect(other.stdout).toContain(
      `(kept) role ${project}-mine-p: bootstrapped for acme/mine, not acme/other`,
    );
    expect(other.stdout).toMatch(
      /\(kept\) policy \S+: bootstrapped for acme\/mine, not acme\/other/,
    );
    expect(
      await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-mine-p` }))),
    ).toBe(true);
    expect((await run("acme/mine", "--destroy", "--auto-approve")).code).toBe(0);
  });

  it("brings a role made by hand in line but keeps it on --destroy", async () => {
    const name = `${project}-hand`;
    const args = ["bootstrap", "--config", config, "--github", "acme/hand"];
    const roles = ["--plan-role", name, "--deploy-role", `${project}-hand-d`];
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
      }),
    );
    try {
      const made = await cli([...args, ...roles, "--auto-approve"]);
      expect(made.code, made.out).toBe(0);
      expect(made.stdout).toContain(
        `~ update the plan role ${name}: trust (pull requests and main of acme/hand), inline policy (not made by bootstrap: --destroy will keep it)`,
      );
      const destroy = await cli([...args, ...roles, "--destroy", "--auto-approve"]);
      expect(destroy.code, destroy.out).toBe(0);
      expect(destroy.stdout).toContain(`(kept) role ${name}: not made by mlops bootstrap`);
      expect(destroy.stdout).toContain(
        `(kept) OIDC provider token.actions.githubusercontent.com: still trusted by ${name}`,
      );
      expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: name })))).toBe(true);
      expect(
        await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-hand-d` }))),
      ).toBe(false);
    } finally {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: name }));
      await iam.send(new DeleteRoleCommand({ RoleName: name }));
      // The provider bootstrap made was kept: the hand-made role still trusted it.
      await iam.send(
        new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER }),
      );
    }
  });

  it("with environments: one deploy role per stage, trusted by its environment, with its stage's policy", async () => {
    const stages = join(dir, "config/stages.yaml");
    const base = readFileSync(config, "utf8").replace(
      `project: ${project}`,
      `project: ${project}s`,
    );
    const write = (environments: string): void => {
      writeFileSync(stages, `${base}environments:\n${environments}`);
    };
    write("  staging: {}\n  production:\n    approval: true\n");
    const repo = "acme/stages";
    const deploy = `${project}-sd`;
    const roles = ["--plan-role", `${project}-sp`, "--deploy-role", deploy];
    const args = ["bootstrap", "--config", stages, "--github", repo, ...roles];
    const gh = await startFakeGitHub("acme", "stages");
    try {
      const explicit = await cli([...args, "--environment", "production", "--auto-approve"]);
      expect(explicit.code).toBe(2);
      expect(explicit.stderr).toContain(
        "--environment names the GitHub environment of the single deploy role; with environments: in the config each stage's role is trusted by the environment of its name (build, staging, production): drop --environment",
      );
      const long = "d".repeat(60);
      const tooLong = await cli([...args, "--deploy-role", long, "--auto-approve"]);
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain(
        `${long}-staging has 68 characters, ${long}-production has 71 characters, and IAM allows 64 (use a --deploy-role of at most 53)`,
      );
      expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-sp` })))).toBe(
        false,
      );

      Object.assign(process.env, { GITHUB_TOKEN: "ghs_fake", GITHUB_API_URL: gh.url });
      const first = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(first.code, first.out).toBe(0);
      for (const [label, name, env] of [
        ["build deploy role", deploy, "build"],
        ["staging deploy role", `${deploy}-staging`, "staging"],
        ["production deploy role", `${deploy}-production`, "production"],
      ])
        expect(first.stdout).toContain(
          `+ create the ${label} ${name} (assumed by the ${env} environment of ${repo}) with its inline policy`,
        );
      const mainOnly = {
        policy: { protected_branches: false, custom_branch_policies: true },
        branches: ["main"],
      };
      expect(Object.fromEntries(gh.environments)).toEqual({
        build: mainOnly,
        staging: mainOnly,
        production: mainOnly,
      });
      const arn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
      // The variables deploy.yml and retrain.yml read, in the order of the stages.
      expect([...gh.variables]).toEqual([
        ["MLOPS_PLAN_ROLE_ARN", arn(`${project}-sp`)],
        ["MLOPS_DEPLOY_ROLE_ARN", arn(deploy)],
        ["MLOPS_BUILD_ENVIRONMENT", "build"],
        ["MLOPS_STAGING_ROLE_ARN", arn(`${deploy}-staging`)],
        ["MLOPS_PRODUCTION_ROLE_ARN", arn(`${deploy}-production`)],
        ["AWS_REGION", "us-east-1"],
      ]);
      expect(first.stdout).toContain(
        `Environment "production": add required reviewers (approval: true;`,
      );

      // Each role is what `mlops iam-policy --stage` prints: policy and trust.
      const printed = async (...flags: string[]): Promise<unknown> => {
        const run = await cli(["iam-policy", "--config", stages, "--account", ACCOUNT, ...flags]);
        expect(run.code, run.out).toBe(0);
        return JSON.parse(run.stdout);
      };
      for (const [name, stage] of [
        [deploy, "build"],
        [`${deploy}-staging`, "staging"],
        [`${deploy}-production`, "production"],
      ] as const) {
        const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
        const trust = document(role?.AssumeRolePolicyDocument);
        expect(trust).toEqual(
          await printed("--for", "deploy", "--stage", stage, "--trust", "--repository", repo),
        );
        expect(JSON.stringify(trust)).toContain(`"repo:${repo}:environment:${stage}"`);
        const inline = await iam.send(
          new GetRolePolicyCommand({ RoleName: name, PolicyName: name }),
        );
        expect(document(inline.PolicyDocument)).toEqual(
          await printed("--for", "deploy", "--stage", stage),
        );
      }
      const plan = await iam.send(
        new GetRolePolicyCommand({ RoleName: `${project}-sp`, PolicyName: `${project}-sp` }),
      );
      expect(document(plan.PolicyDocument)).toEqual(await printed("--for", "plan"));
      const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/mlops/${project}s-boundary`;
      const boundary = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: boundaryArn, VersionId: "v1" }),
      );
      expect(document(boundary.PolicyVersion?.Document)).toEqual(
        await printed("--for", "boundary"),
      );

      const again = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(again.code, again.out).toBe(0);
      expect(again.stdout).toContain("Nothing to change.");

      // A new environment: its role, environment and variable; the plan role reads it too; the
      // other stages' roles and the boundary (the new roles need nothing else) stay as they are.
      write("  staging: {}\n  production:\n    approval: true\n  qa: {}\n");
      const added = await cli([...args, "--configure-github", "--auto-approve"]);
      expect(added.code, added.out).toBe(0);
      expect(added.stdout.match(/^ {2}[+~-] .*$/gm)).toEqual([
        `  ~ update the plan role ${project}-sp: inline policy`,
        `  + create the qa deploy role ${deploy}-qa (assumed by the qa environment of ${repo}) with its inline policy`,
        "  + create the GitHub environment qa, deployable from main only",
        `  + set the repository variable MLOPS_QA_ROLE_ARN = ${arn(`${deploy}-qa`)}`,
      ]);
      expect(added.stdout).toContain(
        `add a job like staging's to deploy.yml for "qa" (role variable MLOPS_QA_ROLE_ARN)`,
      );
      expect((await cli([...args, "--configure-github", "--auto-approve"])).stdout).toContain(
        "Nothing to change.",
      );
      const live = await iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn }));
      const current = await iam.send(
        new GetPolicyVersionCommand({
          PolicyArn: boundaryArn,
          VersionId: live.Policy?.DefaultVersionId,
        }),
      );
      expect(document(current.PolicyVersion?.Document)).toEqual(await printed("--for", "boundary"));

      // The environment removed again: its role goes too; a role of the same name pattern that
      // bootstrap did not make for a stage stays.
      await iam.send(
        new CreateRoleCommand({
          RoleName: `${deploy}-hand`,
          AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
          Tags: [{ Key: "mlops:bootstrap", Value: repo }],
        }),
      );
      write("  staging: {}\n  production:\n    approval: true\n");
      const removed = await cli([...args, "--auto-approve"]);
      expect(removed.code, removed.out).toBe(0);
      expect(removed.stdout.match(/^ {2}[+~-] .*$/gm)).toEqual([
        `  ~ update the plan role ${project}-sp: inline policy`,
        `  - delete the qa deploy role ${deploy}-qa and its inline policy (the config no longer has qa)`,
      ]);
      expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: `${deploy}-qa` })))).toBe(
        false,
      );
      expect((await cli([...args, "--auto-approve"])).stdout).toContain("Nothing to change.");

      const destroy = await cli([...args, "--destroy", "--auto-approve"]);
      expect(destroy.code, destroy.out).toBe(0);
      expect(destroy.stdout.match(/^ {2}- .*$/gm)).toEqual([
        `  - delete the plan role ${project}-sp and its inline policy`,
        `  - delete the build deploy role ${deploy} and its inline policy`,
        `  - delete the staging deploy role ${deploy}-staging and its inline policy`,
        `  - delete the production deploy role ${deploy}-production and its inline policy`,
        `  - delete the permissions boundary /mlops/${project}s-boundary`,
        "  - delete the OIDC provider token.actions.githubusercontent.com",
      ]);
      for (const name of [`${project}-sp`, deploy, `${deploy}-staging`, `${deploy}-production`])
        expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: name })))).toBe(false);
      expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: `${deploy}-hand` })))).toBe(
        true,
      );
    } finally {
      await iam.send(new DeleteRoleCommand({ RoleName: `${deploy}-hand` })).catch(() => undefined);
      delete process.env["GITHUB_TOKEN"];
      delete process.env["GITHUB_API_URL"];
      await gh.close();
    }
  });

  it("changes nothing without --auto-approve off a terminal, and needs --github", async () => {
    const roles = ["--plan-role", `${project}-p3`, "--deploy-role", `${project}-d3`];
    const unapproved = await cli(["bootstrap", "--config", config, "--github", "acme/x", ...roles]);
    expect(unapproved.code).toBe(2);
    expect(unapproved.stderr).toContain("pass --auto-approve");
    expect(await exists(() => iam.send(new GetRoleCommand({ RoleName: `${project}-p3` })))).toBe(
      false,
    );
    const missing = await cli(["bootstrap", "--config", config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--github OWNER/REPO");
  });
});

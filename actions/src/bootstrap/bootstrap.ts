// `mlops bootstrap`: what docs/setup.md steps 1-6 make by hand, as a plan of IAM changes that is
// shown first and then applied: GitHub's OIDC provider (reused if present), the permissions
// boundary, and the plan and deploy CI roles with their generated policies and trust scoped to
// one repository (with `environments:`, one deploy role per stage: deploy-roles.ts). Reading
// the account again after an apply plans nothing; --destroy plans the removal of what bootstrap
// made (the roles and the boundary it tagged, the provider only if it made it and no role
// trusts it any more). Runs with an administrator's credentials: no CI role
// may create roles without the boundary, so none is given these actions.
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListOpenIDConnectProviderTagsCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  type IAMClient,
  type Role,
} from "@aws-sdk/client-iam";
import type { Config } from "../config/types.js";
import type { CiRole } from "../graph/ci-policies.js";
import { partitionOf } from "../graph/graph.js";
import type { PolicyDocument } from "../graph/iam-policies.js";
import { configPolicy } from "../graph/stage-policies.js";
import { githubTrustPolicy } from "../cli/iam-policy-command.js";
import type { DeployRole } from "./deploy-roles.js";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
const AUDIENCE = "sts.amazonaws.com";
/** Tag on everything bootstrap creates: --destroy removes only what carries it. */
export const BOOTSTRAP_TAG = "mlops:bootstrap";
/** Also on a stage's deploy role (with `environments:`): which stage it is for. */
const STAGE_TAG = "mlops:bootstrap-stage";
// A training run (retrain) outlives the default one-hour session (docs/setup.md step 6).
const DEPLOY_SESSION_SECONDS = 21_600;

export interface BootstrapOptions {
  readonly repository: string;
  readonly planRole: string;
  /** One without `environments:`, one per stage with them (deployRoles()). */
  readonly deployRoles: readonly DeployRole[];
}

export interface DesiredRole {
  readonly kind: CiRole;
  readonly name: string;
  /** A deploy role's stage, with `environments:`. */
  readonly stage: string | undefined;
  /** What the plan calls it: "plan role", "deploy role", or "staging deploy role". */
  readonly label: string;
  /** Whose jobs may assume it, in words. */
  readonly assumedBy: string;
  readonly trust: PolicyDocument;
  readonly policy: PolicyDocument;
  readonly maxSessionDuration: number;
}

export interface Desired {
  readonly account: string;
  readonly repository: string;
  /** The build stage's (or the single) deploy role: each environment's is `<it>-<env>`. */
  readonly deployRole: string;
  readonly providerArn: string;
  /** undefined when iam.permissionsBoundary names a policy of the organisation's own. */
  readonly boundary:
    | {
        readonly arn: string;
        readonly name: string;
        readonly path: string;
        readonly document: PolicyDocument;
      }
    | undefined;
  readonly roles: readonly DesiredRole[];
}

/** Each role's policy and the boundary are exactly what `mlops iam-policy` prints. */
export function desiredState(config: Config, account: string, o: BootstrapOptions): Desired {
  const partition = partitionOf(config.region);
  const planTrust = githubTrustPolicy(partition, account, o.repository, "plan", "");
  // The plan role also serves the scheduled drift check, which runs on main (setup step 2).
  const equals = (
    planTrust.Statement[0]?.Condition as { StringEquals: Record<string, unknown> } | undefined
  )?.StringEquals;
  if (equals)
    equals[`${GITHUB_OIDC_HOST}:sub`] = [
      `repo:${o.repository}:pull_request`,
      `repo:${o.repository}:ref:refs/heads/main`,
    ];
  const boundaryName = `${config.project}-boundary`;
  return {
    account,
    repository: o.repository,
    deployRole: o.deployRoles[0]?.name ?? "",
    providerArn: `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`,
    boundary:
      config.iam.permissionsBoundary === undefined
        ? {
            arn: `arn:${partition}:iam::${account}:policy${config.iam.path}${boundaryName}`,
            name: boundaryName,
            path: config.iam.path,
            document: configPolicy(config, account, "boundary", undefined),
          }
        : undefined,
    roles: [
      {
        kind: "plan",
        name: o.planRole,
        stage: undefined,
        label: "plan role",
        assumedBy: `pull requests and main of ${o.repository}`,
        trust: planTrust,
        policy: configPolicy(config, account, "plan", undefined),
        maxSessionDuration: 3600,
      },
      ...o.deployRoles.map((role) => ({
        kind: "deploy" as const,
        name: role.name,
        stage: role.stage,
        label: role.stage === undefined ? "deploy role" : `${role.stage} deploy role`,
        assumedBy: `the ${role.githubEnvironment} environment of ${o.repository}`,
        trust: githubTrustPolicy(
          partition,
          account,
          o.repository,
          "deploy",
          role.githubEnvironment,
        ),
        policy: configPolicy(config, account, "deploy", role.stage),
        maxSessionDuration: DEPLOY_SESSION_SECONDS,
      })),
    ],
  };
}

/** One step of the plan: what it says, and the calls that make it (on IAM, or GitHub's API). */
export interface Step<Client = IAMClient> {
  readonly symbol: "+" | "~" | "-";
  readonly text: string;
  readonly run: (client: Client) => Promise<void>;
}

export async function planBootstrap(iam: IAMClient, desired: Desired): Promise<Step[]> {
  const steps: Step[] = [];
  const tags = [{ Key: BOOTSTRAP_TAG, Value: desired.repository }];

  const provider = await orMissing(() =>
    iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: desired.providerArn }),
    ),
  );
  if (provider === undefined) {
    steps.push({
      symbol: "+",
      text: `create the OIDC provider ${GITHUB_OIDC_HOST} (audience ${AUDIENCE})`,
      run: async (c) => {
        await c.send(
          new CreateOpenIDConnectProviderCommand({
            Url: `https://${GITHUB_OIDC_HOST}`,
            ClientIDList: [AUDIENCE],
            Tags: tags,
          }),
        );
      },
    });
  } else if (!(provider.ClientIDList ?? []).includes(AUDIENCE)) {
    steps.push({
      symbol: "~",
      text: `add the audience ${AUDIENCE} to the existing OIDC provider ${GITHUB_OIDC_HOST}`,
      run: async (c) => {
        await c.send(
          new AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: desired.providerArn,
            ClientID: AUDIENCE,
          }),
        );
      },
    });
  }

  const b = desired.boundary;
  if (b !== undefined) {
    const live = await orMissing(() => iam.send(new GetPolicyCommand({ PolicyArn: b.arn })));
    if (live?.Policy === undefined) {
      steps.push({
        symbol: "+",
        text: `create the permissions boundary ${b.path}${b.name}`,
        run: async (c) => {
          await c.send(
            new CreatePolicyCommand({
              PolicyName: b.name,
              Path: b.path,
              PolicyDocument: JSON.stringify(b.document),
              Description: "Permissions boundary of every role mlops creates (mlops bootstrap)",
              Tags: tags,
            }),
          );
        },
      });
    } else {
      const version = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: b.arn, VersionId: live.Policy.DefaultVersionId }),
      );
      if (!sameDocument(version.PolicyVersion?.Document, b.document))
        steps.push({
          symbol: "~",
          text: `update the permissions boundary ${b.path}${b.name} (a new default version)`,
          run: (c) => newPolicyVersion(c, b.arn, b.document),
        });
    }
  }

  for (const role of desired.roles) {
    const live = await orMissing(() => iam.send(new GetRoleCommand({ RoleName: role.name })));
    const inline =
      live &&
      (await orMissing(() =>
        iam.send(new GetRolePolicyCommand({ RoleName: role.name, PolicyName: role.name })),
      ));
    if (live?.Role === undefined) {
      steps.push({
        symbol: "+",
        text: `create the ${role.label} ${role.name} (assumed by ${role.assumedBy}) with its inline policy`,
        run: async (c) => {
          await c.send(
            new CreateRoleCommand({
              RoleName: role.name,
              AssumeRolePolicyDocument: JSON.stringify(role.trust),
              MaxSessionDuration: role.maxSessionDuration,
              Description: `mlops ${role.label} for ${desired.repository} (mlops bootstrap)`,
              Tags:
                role.stage === undefined ? tags : [...tags, { Key: STAGE_TAG, Value: role.stage }],
            }),
          );
          await putPolicy(c, role);
        },
      });
      continue;
    }
    const what: string[] = [];
    const calls: ((c: IAMClient) => Promise<unknown>)[] = [];
    if (!sameDocument(live.Role.AssumeRolePolicyDocument, role.trust)) {
      what.push(`trust (${role.assumedBy})`);
      calls.push((c) =>
        c.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: role.name,
            PolicyDocument: JSON.stringify(role.trust),
          }),
        ),
      );
    }
    if (live.Role.MaxSessionDuration !== role.maxSessionDuration) {
      what.push(`session duration ${role.maxSessionDuration} s`);
      calls.push((c) =>
        c.send(
          new UpdateRoleCommand({
            RoleName: role.name,
            MaxSessionDuration: role.maxSessionDuration,
          }),
        ),
      );
    }
    if (!sameDocument(inline?.PolicyDocument, role.policy)) {
      what.push("inline policy");
      calls.push((c) => putPolicy(c, role));
    }
    // A role made by hand (setup.md's steps) is brought in line, but stays the user's.
    const adopted = !(live.Role.Tags ?? []).some((t) => t.Key === BOOTSTRAP_TAG);
    if (what.length > 0)
      steps.push({
        symbol: "~",
        text: `update the ${role.label} ${role.name}: ${what.join(", ")}${
          adopted ? " (not made by bootstrap: --destroy will keep it)" : ""
        }`,
        run: async (c) => {
          for (const call of calls) await call(c);
        },
      });
  }
  steps.push(...(await formerStageRoles(iam, desired)).map(deleteFormer));
  return steps;
}

export async function planDestroy(
  iam: IAMClient,
  desired: Desired,
): Promise<{ steps: Step[]; kept: string[] }> {
  const steps: Step[] = [];
  const kept: string[] = [];
  const removedRoles = new Set<string>();
  for (const role of desired.roles) {
    const tags = await orMissing(() => iam.send(new ListRoleTagsCommand({ RoleName: role.name })));
    if (tags === undefined) continue;
    const madeFor = (tags.Tags ?? []).find((t) => t.Key === BOOTSTRAP_TAG)?.Value;
    if (madeFor === undefined) {
      kept.push(`role ${role.name}: not made by mlops bootstrap (no ${BOOTSTRAP_TAG} tag)`);
      continue;
    }
    // A role of the same name bootstrapped for another repository is that repository's.
    if (madeFor !== desired.repository) {
      kept.push(`role ${role.name}: bootstrapped for ${madeFor}, not ${desired.repository}`);
      continue;
    }
    removedRoles.add(role.name);
    steps.push({
      symbol: "-",
      text: `delete the ${role.label} ${role.name} and its inline policy`,
      run: (c) => deleteRole(c, role.name),
    });
  }
  for (const former of await formerStageRoles(iam, desired)) {
    removedRoles.add(former.name);
    steps.push(deleteFormer(former));
  }
  const b = desired.boundary;
  if (b !== undefined) {
    const live = await orMissing(() => iam.send(new GetPolicyCommand({ PolicyArn: b.arn })));
    if (live?.Policy !== undefined) {
      const madeFor = (live.Policy.Tags ?? []).find((t) => t.Key === BOOTSTRAP_TAG)?.Value;
      if (madeFor === undefined)
        kept.push(`policy ${b.path}${b.name}: not made by mlops bootstrap`);
      else if (madeFor !== desired.repository)
        kept.push(
          `policy ${b.path}${b.name}: bootstrapped for ${madeFor}, not ${desired.repository}`,
        );
      else
        steps.push({
          symbol: "-",
          text: `delete the permissions boundary ${b.path}${b.name}`,
          run: (c) => deletePolicy(c, b.arn),
        });
    }
  }
  const provider = await orMissing(() =>
    iam.send(
      new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: desired.providerArn }),
    ),
  );
  if (provider !== undefined) {
    const ours = (provider.Tags ?? []).some((t) => t.Key === BOOTSTRAP_TAG);
    // Another repository's roles (bootstrapped or not) may trust the same provider.
    const others = ours
      ? (await rolesTrusting(iam, desired.providerArn)).filter((r) => !removedRoles.has(r))
      : [];
    if (!ours) kept.push(`OIDC provider ${GITHUB_OIDC_HOST}: it was there before mlops bootstrap`);
    else if (others.length > 0)
      kept.push(`OIDC provider ${GITHUB_OIDC_HOST}: still trusted by ${others.join(", ")}`);
    else
      steps.push({
        symbol: "-",
        text: `delete the OIDC provider ${GITHUB_OIDC_HOST}`,
        run: async (c) => {
          await c.send(
            new DeleteOpenIDConnectProviderCommand({
              OpenIDConnectProviderArn: desired.providerArn,
            }),
          );
        },
      });
  }
  return { steps, kept };
}

/**
 * Deploy roles bootstrap made for an environment the config no longer has (or no longer has
 * `environments:` at all): named `<deploy-role>-<env>` and tagged by bootstrap for this
 * repository and that stage, so a role of another project or made by hand is never taken.
 */
async function formerStageRoles(
  iam: IAMClient,
  desired: Desired,
): Promise<{ name: string; stage: string }[]> {
  const wanted = new Set(desired.roles.map((r) => r.name));
  const prefix = `${desired.deployRole}-`;
  const formers: { name: string; stage: string }[] = [];
  for (const role of await listRoles(iam)) {
    const name = role.RoleName ?? "";
    if (!name.startsWith(prefix) || wanted.has(name)) continue;
    const tags = (await orMissing(() => iam.send(new ListRoleTagsCommand({ RoleName: name }))))
      ?.Tags;
    const tagged = (key: string, value: string): boolean =>
      (tags ?? []).some((t) => t.Key === key && t.Value === value);
    const stage = name.slice(prefix.length);
    if (tagged(BOOTSTRAP_TAG, desired.repository) && tagged(STAGE_TAG, stage))
      formers.push({ name, stage });
  }
  return formers;
}

function deleteFormer(role: { name: string; stage: string }): Step {
  return {
    symbol: "-",
    text: `delete the ${role.stage} deploy role ${role.name} and its inline policy (the config no longer has ${role.stage})`,
    run: (c) => deleteRole(c, role.name),
  };
}

async function deleteRole(iam: IAMClient, name: string): Promise<void> {
  await orMissing(() =>
    iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: name })),
  );
  await iam.send(new DeleteRoleCommand({ RoleName: name }));
}

async function putPolicy(iam: IAMClient, role: DesiredRole): Promise<void> {
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: role.name,
      PolicyName: role.name,
      PolicyDocument: JSON.stringify(role.policy),
    }),
  );
}

/** A new default version; a managed policy keeps at most five, so the oldest goes first. */
async function newPolicyVersion(
  iam: IAMClient,
  arn: string,
  document: PolicyDocument,
): Promise<void> {
  const versions =
    (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
  if (versions.length >= 5) {
    const oldest = versions
      .filter((v) => v.IsDefaultVersion !== true)
      .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
    if (oldest?.VersionId !== undefined)
      await iam.send(
        new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }),
      );
  }
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: arn,
      PolicyDocument: JSON.stringify(document),
      SetAsDefault: true,
    }),
  );
}

async function deletePolicy(iam: IAMClient, arn: string): Promise<void> {
  const versions =
    (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
  for (const v of versions)
    if (v.IsDefaultVersion !== true && v.VersionId !== undefined)
      await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
}

async function rolesTrusting(iam: IAMClient, providerArn: string): Promise<string[]> {
  return (await listRoles(iam))
    .filter((r) => decode(r.AssumeRolePolicyDocument).includes(providerArn))
    .flatMap((r) => (r.RoleName === undefined ? [] : [r.RoleName]));
}

async function listRoles(iam: IAMClient): Promise<Role[]> {
  const roles: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListRolesCommand({ Marker: marker }));
    roles.push(...(page.Roles ?? []));
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return roles;
}

/** IAM returns policy documents URL-encoded. */
function decode(text: string | undefined): string {
  if (text === undefined) return "";
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Whether a live document (URL-encoded JSON) says what the desired one says. IAM may give a
 * one-element list back as a string and reorder keys, so both sides are canonicalised first.
 */
export function sameDocument(live: string | undefined, desired: PolicyDocument): boolean {
  if (live === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decode(live));
  } catch {
    return false;
  }
  return JSON.stringify(canonical(parsed)) === JSON.stringify(canonical(desired));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items;
  }
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

async function orMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

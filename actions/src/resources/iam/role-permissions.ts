// Everything a role is allowed to do, read whole: its inline policies and the managed policies
// attached to it. The tool owns a role entirely, so anything beside its one generated inline
// policy (a console's `AmazonSageMakerFullAccess`, a hand-written `sagemaker:*` on `*`) is shown
// in the plan with what it grants and removed, unless the config allows that managed policy
// (`iam.extraPolicies`).
import {
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import { mapLimit } from "../../pool.js";
import { decodePolicy, normalizePolicy } from "./policy-normalize.js";

/** What one policy grants, a line per statement: "Allow sagemaker:* on *". */
export type Grants = string[];

export interface RolePermissions {
  /** The tool's inline policy (normalised), null when the role has none by that name. */
  policy: unknown;
  /** Every other inline policy, by name: what it grants. */
  inlinePolicies: Record<string, Grants>;
  /** Every attached managed policy, by ARN: what its default version grants. */
  managedPolicies: Record<string, Grants>;
}

/** Reads at most this many policy documents at once (IAM throttles bursts). */
const READ_CONCURRENCY = 4;

/** The role's permissions, or undefined when the role does not exist. */
export async function readRolePermissions(
  iam: IAMClient,
  RoleName: string,
  toolPolicyName: string,
): Promise<RolePermissions | undefined> {
  const readInline = async (PolicyName: string): Promise<unknown> => {
    const out = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
    return normalizePolicy(decodePolicy(out.PolicyDocument));
  };
  // The tool's own policy is asked for beside the listings: an owned role without foreign
  // policies is read in one round trip. Asked of a missing role or policy, IAM says NoSuchEntity.
  const [toolPolicy, names, attached] = await Promise.all([
    readOrUndefined(`reading policy ${toolPolicyName} of ${RoleName}`, () =>
      readInline(toolPolicyName),
    ),
    readOrUndefined(`listing the inline policies of ${RoleName}`, async () => {
      const all: string[] = [];
      for await (const page of paginateListRolePolicies({ client: iam }, { RoleName }))
        all.push(...(page.PolicyNames ?? []));
      return all;
    }),
    readOrUndefined(`listing the managed policies attached to ${RoleName}`, async () => {
      const all: string[] = [];
      for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName }))
        for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) all.push(p.PolicyArn);
      return all;
    }),
  ]);
  if (names === undefined || attached === undefined) return undefined;
  const others = names.filter((name) => name !== toolPolicyName);
  const inline = await mapLimit(
    others,
    READ_CONCURRENCY,
    async (PolicyName) =>
      [
        PolicyName,
        grantsOf(
          await withContext(`reading policy ${PolicyName} of ${RoleName}`, () =>
            readInline(PolicyName),
          ),
        ),
      ] as const,
  );
  const managed = await mapLimit(
    attached,
    READ_CONCURRENCY,
    async (PolicyArn) =>
      [PolicyArn, grantsOf(await managedPolicyDocument(iam, PolicyArn))] as const,
  );
  return {
    policy: toolPolicy ?? null,
    inlinePolicies: Object.fromEntries(inline),
    managedPolicies: Object.fromEntries(managed),
  };
}

async function managedPolicyDocument(iam: IAMClient, PolicyArn: string): Promise<unknown> {
  const policy = await withContext(`reading managed policy ${PolicyArn}`, () =>
    iam.send(new GetPolicyCommand({ PolicyArn })),
  );
  const VersionId = policy.Policy?.DefaultVersionId;
  if (VersionId === undefined) return undefined;
  const version = await withContext(`reading managed policy ${PolicyArn} (${VersionId})`, () =>
    iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId })),
  );
  return normalizePolicy(decodePolicy(version.PolicyVersion?.Document));
}

type Loose = Record<string, unknown>;

/**
 * What a policy document grants, one line per statement, for people reading a plan:
 * "Allow sagemaker:* on *", "Allow lambda:InvokeFunction on arn:..., to apigateway.amazonaws.com".
 */
export function grantsOf(document: unknown): Grants {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  if (!Array.isArray(statements)) return [];
  return statements.map((raw) => {
    const s = raw as Loose;
    const list = (value: unknown): string =>
      (Array.isArray(value) ? value : [value]).map(String).join(", ");
    const actions =
      s["Action"] !== undefined ? list(s["Action"]) : `every action but ${list(s["NotAction"])}`;
    const resources =
      s["Resource"] !== undefined
        ? list(s["Resource"])
        : s["NotResource"] !== undefined
          ? `everything but ${list(s["NotResource"])}`
          : "*";
    const condition = s["Condition"] !== undefined ? " (with conditions)" : "";
    const effect = typeof s["Effect"] === "string" ? s["Effect"] : "Allow";
    // Resource policies (a bucket's, a function's) say to whom.
    const principal = s["Principal"];
    const to =
      principal === undefined
        ? ""
        : `, to ${typeof principal === "object" && principal !== null ? Object.values(principal).flat().map(String).join(", ") : list(principal)}`;
    return `${effect} ${actions} on ${resources}${to}${condition}`;
  });
}

/**
 * Removes the inline policies and detaches the managed policies named; one already gone is
 * no error (a retried update does not fail on what its first attempt removed).
 */
export async function removeRolePolicies(
  iam: IAMClient,
  RoleName: string,
  remove: { inline: readonly string[]; managed: readonly string[] },
): Promise<void> {
  for (const PolicyName of remove.inline) {
    await deleteIfPresent(`deleting policy ${PolicyName} of ${RoleName}`, () =>
      iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })),
    );
  }
  for (const PolicyArn of remove.managed) {
    await deleteIfPresent(`detaching ${PolicyArn} from ${RoleName}`, () =>
      iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })),
    );
  }
}

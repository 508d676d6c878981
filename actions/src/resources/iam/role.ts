// iam.role: a role with a trust policy, one generated least-privilege inline policy, the
// project's permissions boundary and tags, and nothing else: other inline policies and attached
// managed policies (but those iam.extraPolicies allows) are planned away (role-permissions.ts). The path cannot change in place, and the trust policy
// is not changed in place either (the deploy role has no iam:UpdateAssumeRolePolicy: a role
// that can rewrite trust can hand a role to another account), so either replaces the role.
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { RoleSpec } from "../../graph/iam-nodes.js";
import type { Node } from "../../graph/graph.js";
import { diffFields } from "../diff-fields.js";
import type { Change, ResourceHandler } from "../handler.js";
import { differReason, noop } from "../handler.js";
import { tagDelta, tagsFromList, tagsToList, type Tags } from "../tags.js";
import { decodePolicy, normalizePolicy, policyJson } from "./policy-normalize.js";
import {
  readRolePermissions,
  removeRolePolicies,
  type RolePermissions,
} from "./role-permissions.js";

export interface RoleObserved extends RolePermissions {
  arn: string;
  path: string;
  trust: unknown;
  permissionsBoundary: string | null;
  tags: Tags;
}

type Comparable = Omit<RoleObserved, "arn">;

/** What the role should be; the managed policies the config allows stay as they are. */
const desired = (node: Node<RoleSpec>, observed?: RoleObserved): Comparable => ({
  path: node.spec.path,
  trust: normalizePolicy(node.spec.trust),
  policy: normalizePolicy(node.spec.policy),
  inlinePolicies: {},
  managedPolicies: Object.fromEntries(
    Object.entries(observed?.managedPolicies ?? {}).filter(([arn]) =>
      node.spec.allowedManagedPolicies.includes(arn),
    ),
  ),
  permissionsBoundary: node.spec.permissionsBoundary,
  tags: node.tags,
});

/** The first statements of a policy's grants, shortened: the plan's field lines have them all. */
function briefly(grants: readonly string[]): string {
  const MAX_STATEMENTS = 2;
  const MAX_CHARS = 100;
  const shown = grants
    .slice(0, MAX_STATEMENTS)
    .map((g) => (g.length > MAX_CHARS ? `${g.slice(0, MAX_CHARS - 1)}…` : g));
  const more = grants.length - shown.length;
  return `${shown.join("; ")}${more > 0 ? `; and ${more} more statement${more > 1 ? "s" : ""}` : ""}`;
}

/** "inline policy X (Allow sagemaker:* on *), managed policy Y (...)": what the update removes. */
function foreignSummary(changes: readonly { path: string; before: unknown }[]): string | undefined {
  const foreign = changes.flatMap((c) => {
    const [field, ...rest] = c.path.split(".");
    const name = rest.join(".");
    const grants = Array.isArray(c.before) ? briefly(c.before as string[]) : "";
    if (field === "inlinePolicies") return [`inline policy ${name} (${grants})`];
    if (field === "managedPolicies") return [`managed policy ${name} (${grants})`];
    return [];
  });
  return foreign.length > 0
    ? `removes permissions mlops did not grant: ${foreign.join(", ")}`
    : undefined;
}

export const roleHandler: ResourceHandler<RoleSpec, RoleObserved> = {
  kind: "iam.role",
  ownership: "tags",

  async read(node, { clients: { iam } }) {
    const RoleName = node.name;
    // All at once: asked of a missing role, the policy listings say NoSuchEntity too.
    const [role, permissions] = await Promise.all([
      readOrUndefined(`reading IAM role ${RoleName}`, () =>
        iam.send(new GetRoleCommand({ RoleName })),
      ),
      readRolePermissions(iam, RoleName, node.spec.policyName),
    ]);
    if (!role?.Role || !permissions) return undefined;
    return {
      arn: role.Role.Arn ?? "",
      path: role.Role.Path ?? "/",
      trust: normalizePolicy(decodePolicy(role.Role.AssumeRolePolicyDocument)),
      ...permissions,
      permissionsBoundary: role.Role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
      tags: tagsFromList(role.Role.Tags),
    };
  },

  diff(node, observed): Change {
    const { arn: _arn, ...have } = observed;
    const changes = diffFields(have, desired(node, observed));
    const summary = foreignSummary(changes);
    if (changes.length === 0) return noop();
    if (changes.some((c) => c.path === "path")) {
      return {
        action: "replace",
        reason: "an IAM role's path cannot change in place",
        changes,
        risk: ["replaces"],
        ...(summary !== undefined && { summary }),
      };
    }
    if (changes.some((c) => c.path === "trust" || c.path.startsWith("trust."))) {
      return {
        action: "replace",
        reason:
          "a role's trust policy is not changed in place (the deploy role cannot rewrite trust)",
        changes,
        risk: ["replaces"],
        ...(summary !== undefined && { summary }),
      };
    }
    return {
      action: "update",
      reason: differReason(changes),
      changes,
      risk: [],
      ...(summary !== undefined && { summary }),
    };
  },

  async create(node, { clients: { iam } }) {
    const RoleName = node.name;
    const created = await withContext(`creating IAM role ${RoleName}`, () =>
      iam.send(
        new CreateRoleCommand({
          RoleName,
          Path: node.spec.path,
          AssumeRolePolicyDocument: policyJson(node.spec.trust),
          Description: `Managed by mlops for ${node.tags["mlops:project"] ?? "this project"} (${node.address})`,
          PermissionsBoundary: node.spec.permissionsBoundary,
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    await putInlinePolicy(iam, node);
    return { arn: created.Role?.Arn ?? "", ...desired(node) };
  },

  async update(node, observed, change, { clients: { iam } }) {
    const RoleName = node.name;
    const changed = new Set(change.changes.map((c) => c.path.split(".")[0]));
    // The boundary first: the deploy role may write the inline policy only of a role that
    // already carries the boundary (a role made before boundaries were required has none).
    if (changed.has("permissionsBoundary")) await putBoundary(iam, node);
    if (changed.has("policy")) await putInlinePolicy(iam, node);
    const want = desired(node, observed);
    await removeRolePolicies(iam, RoleName, {
      inline: changed.has("inlinePolicies") ? Object.keys(observed.inlinePolicies) : [],
      managed: changed.has("managedPolicies")
        ? Object.keys(observed.managedPolicies).filter((arn) => !(arn in want.managedPolicies))
        : [],
    });
    if (changed.has("tags")) {
      const { set, remove } = tagDelta(observed.tags, node.tags);
      if (Object.keys(set).length > 0) {
        await withContext(`tagging ${RoleName}`, () =>
          iam.send(new TagRoleCommand({ RoleName, Tags: tagsToList(set) })),
        );
      }
      if (remove.length > 0) {
        await withContext(`untagging ${RoleName}`, () =>
          iam.send(new UntagRoleCommand({ RoleName, TagKeys: remove })),
        );
      }
    }
    return { arn: observed.arn, ...want };
  },

  delete: (node, _observed, { clients: { iam } }) =>
    deleteIfPresent(`deleting IAM role ${node.name}`, () => deleteRole(iam, node.name)),
};

/** IAM refuses to delete a role with policies or instance profiles: those go first. */
async function deleteRole(iam: IAMClient, RoleName: string): Promise<void> {
  const [inline, attached, profiles] = await Promise.all([
    withContext(`listing policies of ${RoleName}`, () =>
      iam.send(new ListRolePoliciesCommand({ RoleName })),
    ),
    withContext(`listing attached policies of ${RoleName}`, () =>
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
    ),
    withContext(`listing instance profiles of ${RoleName}`, () =>
      iam.send(new ListInstanceProfilesForRoleCommand({ RoleName })),
    ),
  ]);
  await removeRolePolicies(iam, RoleName, {
    inline: inline.PolicyNames ?? [],
    managed: (attached.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])),
  });
  for (const profile of profiles.InstanceProfiles ?? []) {
    const InstanceProfileName = profile.InstanceProfileName;
    if (InstanceProfileName) {
      await withContext(`removing ${RoleName} from ${InstanceProfileName}`, () =>
        iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName })),
      );
    }
  }
  await withContext(`deleting IAM role ${RoleName}`, () =>
    iam.send(new DeleteRoleCommand({ RoleName })),
  );
}

async function putBoundary(iam: IAMClient, node: Node<RoleSpec>): Promise<void> {
  await withContext(`setting the permissions boundary of ${node.name}`, () =>
    iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: node.name,
        PermissionsBoundary: node.spec.permissionsBoundary,
      }),
    ),
  );
}

async function putInlinePolicy(iam: IAMClient, node: Node<RoleSpec>): Promise<void> {
  await withContext(`writing the least-privilege policy of ${node.name}`, () =>
    iam.send(
      new PutRolePolicyCommand({
        RoleName: node.name,
        PolicyName: node.spec.policyName,
        PolicyDocument: policyJson(node.spec.policy),
      }),
    ),
  );
}

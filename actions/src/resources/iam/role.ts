// iam.role: a role with a trust policy, one generated least-privilege inline policy, the
// project's permissions boundary and tags. The path cannot change in place, and the trust policy
// is not changed in place either (the deploy role has no iam:UpdateAssumeRolePolicy: a role
// that can rewrite trust can hand a role to another account), so either replaces the role.
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
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

export interface RoleObserved {
  arn: string;
  path: string;
  trust: unknown;
  policy: unknown;
  permissionsBoundary: string | null;
  tags: Tags;
}

type Comparable = Omit<RoleObserved, "arn">;

const desired = (node: Node<RoleSpec>): Comparable => ({
  path: node.spec.path,
  trust: normalizePolicy(node.spec.trust),
  policy: normalizePolicy(node.spec.policy),
  permissionsBoundary: node.spec.permissionsBoundary,
  tags: node.tags,
});

export const roleHandler: ResourceHandler<RoleSpec, RoleObserved> = {
  kind: "iam.role",

  async read(node, { clients: { iam } }) {
    const RoleName = node.name;
    // Both at once: asked of a missing role, GetRolePolicy says NoSuchEntity too.
    const [role, inline] = await Promise.all([
      readOrUndefined(`reading IAM role ${RoleName}`, () =>
        iam.send(new GetRoleCommand({ RoleName })),
      ),
      readOrUndefined(`reading the inline policy of ${RoleName}`, () =>
        iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: node.spec.policyName })),
      ),
    ]);
    if (!role?.Role) return undefined;
    return {
      arn: role.Role.Arn ?? "",
      path: role.Role.Path ?? "/",
      trust: normalizePolicy(decodePolicy(role.Role.AssumeRolePolicyDocument)),
      policy: inline ? normalizePolicy(decodePolicy(inline.PolicyDocument)) : null,
      permissionsBoundary: role.Role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
      tags: tagsFromList(role.Role.Tags),
    };
  },

  diff(node, observed): Change {
    const { arn: _arn, ...have } = observed;
    const changes = diffFields(have, desired(node));
    if (changes.length === 0) return noop();
    if (changes.some((c) => c.path === "path")) {
      return {
        action: "replace",
        reason: "an IAM role's path cannot change in place",
        changes,
        risk: ["replaces"],
      };
    }
    if (changes.some((c) => c.path === "trust" || c.path.startsWith("trust."))) {
      return {
        action: "replace",
        reason:
          "a role's trust policy is not changed in place (the deploy role cannot rewrite trust)",
        changes,
        risk: ["replaces"],
      };
    }
    return {
      action: "update",
      reason: differReason(changes),
      changes,
      risk: [],
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
    return { arn: observed.arn, ...desired(node) };
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
  for (const PolicyName of inline.PolicyNames ?? []) {
    await withContext(`deleting policy ${PolicyName} of ${RoleName}`, () =>
      iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })),
    );
  }
  for (const p of attached.AttachedPolicies ?? []) {
    if (p.PolicyArn) {
      const PolicyArn = p.PolicyArn;
      await withContext(`detaching ${PolicyArn} from ${RoleName}`, () =>
        iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })),
      );
    }
  }
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

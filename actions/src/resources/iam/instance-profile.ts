// iam.instance-profile: what an EC2 runner assumes its role through.
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { InstanceProfileSpec } from "../../graph/iam-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import { tagsToList } from "../tags.js";

export interface InstanceProfileObserved {
  path: string;
  roles: string[];
}

export const instanceProfileHandler: ResourceHandler<InstanceProfileSpec, InstanceProfileObserved> =
  {
    kind: "iam.instance-profile",
    ownership: "parent",

    async read(node, { clients: { iam } }) {
      const out = await readOrUndefined(`reading instance profile ${node.name}`, () =>
        iam.send(new GetInstanceProfileCommand({ InstanceProfileName: node.name })),
      );
      if (!out?.InstanceProfile) return undefined;
      return {
        path: out.InstanceProfile.Path ?? "/",
        roles: (out.InstanceProfile.Roles ?? []).map((r) => r.RoleName ?? "").sort(),
      };
    },

    diff(node, observed) {
      const changes = diffFields(observed, { path: node.spec.path, roles: [node.spec.role] });
      if (changes.length === 0) return noop();
      return changes.some((c) => c.path === "path")
        ? {
            action: "replace",
            reason: "an instance profile's path cannot change in place",
            changes,
            risk: ["replaces"],
          }
        : { action: "update", reason: differReason(changes), changes, risk: [] };
    },

    async create(node, { clients: { iam } }) {
      const InstanceProfileName = node.name;
      await withContext(`creating instance profile ${InstanceProfileName}`, () =>
        iam.send(
          new CreateInstanceProfileCommand({
            InstanceProfileName,
            Path: node.spec.path,
            Tags: tagsToList(node.tags),
          }),
        ),
      );
      await withContext(`adding ${node.spec.role} to ${InstanceProfileName}`, () =>
        iam.send(
          new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName: node.spec.role }),
        ),
      );
      return { path: node.spec.path, roles: [node.spec.role] };
    },

    async update(node, observed, change, { clients: { iam } }) {
      const InstanceProfileName = node.name;
      // "roles" is the one field that changes in place (a path change is a replace).
      if (!changedFields(change).has("roles")) return observed;
      for (const RoleName of observed.roles.filter((r) => r !== node.spec.role)) {
        await withContext(`removing ${RoleName} from ${InstanceProfileName}`, () =>
          iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName })),
        );
      }
      if (!observed.roles.includes(node.spec.role)) {
        await withContext(`adding ${node.spec.role} to ${InstanceProfileName}`, () =>
          iam.send(
            new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName: node.spec.role }),
          ),
        );
      }
      return { path: observed.path, roles: [node.spec.role] };
    },

    async delete(node, observed, { clients: { iam } }) {
      const InstanceProfileName = node.name;
      for (const RoleName of observed.roles) {
        await deleteIfPresent(`removing ${RoleName} from ${InstanceProfileName}`, () =>
          iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName })),
        );
      }
      await deleteIfPresent(`deleting instance profile ${InstanceProfileName}`, () =>
        iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName })),
      );
    },
  };

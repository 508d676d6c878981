// sagemaker.model-package-group: the project's model registry. Exists or is created; deleting it
// (destroy) removes its versions first, since SageMaker refuses to delete a group that has any.
import {
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
} from "@aws-sdk/client-sagemaker";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { ModelPackageGroupSpec } from "../../graph/registry-nodes.js";
import { listVersions } from "../../registry/versions.js";
import type { ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { tagsToList } from "../tags.js";

export interface ModelPackageGroupObserved {
  name: string;
  arn: string;
}

export const modelPackageGroupHandler: ResourceHandler<
  ModelPackageGroupSpec,
  ModelPackageGroupObserved
> = {
  kind: "sagemaker.model-package-group",

  createSummary: () => "the registry every passing training run is registered in",

  async read(node, { clients: { sagemaker } }) {
    const out = await readOrUndefined(`reading model package group ${node.name}`, () =>
      sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: node.name })),
    );
    return out ? { name: node.name, arn: out.ModelPackageGroupArn ?? "" } : undefined;
  },

  // A description is all it has, and it says what the group is: nothing to update.
  diff: () => noop("exists"),

  async create(node, { clients: { sagemaker } }) {
    const out = await withContext(`creating model package group ${node.name}`, () =>
      sagemaker.send(
        new CreateModelPackageGroupCommand({
          ModelPackageGroupName: node.name,
          ModelPackageGroupDescription: node.spec.description,
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    return { name: node.name, arn: out.ModelPackageGroupArn ?? "" };
  },

  update: (_node, observed) => Promise.resolve(observed),

  async delete(node, _observed, ctx) {
    const { sagemaker } = ctx.clients;
    for (const version of await listVersions(sagemaker, node.name)) {
      await deleteIfPresent(`deleting model version ${version.version}`, () =>
        sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: version.arn })),
      );
    }
    await deleteIfPresent(`deleting model package group ${node.name}`, () =>
      sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: node.name })),
    );
  },
};

// The tags of the SageMaker resources the tool keeps by name (the endpoint across deployments
// and project renames; a model or endpoint config it adopted): ownership tags (mlops:project,
// ...) are reconciled like any field: read with ListTags, planned as a "tags" change, and set
// with AddTags/DeleteTags.
import { AddTagsCommand, DeleteTagsCommand, ListTagsCommand } from "@aws-sdk/client-sagemaker";
import { readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import { sageMakerArn } from "../../graph/iam-policies.js";
import { diffFields } from "../diff-fields.js";
import { differReason, type Change, type HandlerContext } from "../handler.js";
import { tagDelta, tagsFromList, tagsToList, type Tags } from "../tags.js";

/** The SageMaker resource types whose tags the tool reconciles, as their ARNs name them. */
export type TaggedType = "endpoint" | "endpoint-config" | "model";

const WORDS: Record<TaggedType, string> = {
  endpoint: "endpoint",
  "endpoint-config": "endpoint config",
  model: "model",
};

/**
 * The ARN a resource's tags are read and written under: the one SageMaker returned for it when
 * known (Describe*), else the one its name gives (SageMaker's ARNs are lowercase).
 */
const arnOf = (type: TaggedType, node: Node, ctx: HandlerContext, arn?: string): string =>
  arn ?? sageMakerArn(ctx.graph, type, node.name);

/**
 * Tags SageMaker or AWS set themselves, which the tool neither plans nor removes: `aws:`, and
 * SageMaker's on what Studio, a SageMaker project or the SDK made (`sagemaker:project-name`,
 * `sagemaker-sdk:...`), which a hand-made model or endpoint config may carry when adopted.
 */
const isServiceTag = (key: string): boolean =>
  key.startsWith("aws:") || key.startsWith("sagemaker:") || key.startsWith("sagemaker-sdk:");

/** The resource's tags, but the services' own (undefined when they cannot be listed). */
export async function readSageMakerTags(
  type: TaggedType,
  node: Node,
  ctx: HandlerContext,
  arn?: string,
): Promise<Tags | undefined> {
  const out = await readOrUndefined(`reading the tags of ${WORDS[type]} ${node.name}`, () =>
    ctx.clients.sagemaker.send(
      new ListTagsCommand({ ResourceArn: arnOf(type, node, ctx, arn), MaxResults: 100 }),
    ),
  );
  if (!out?.Tags) return undefined;
  return Object.fromEntries(
    Object.entries(tagsFromList(out.Tags)).filter(([key]) => !isServiceTag(key)),
  );
}

/** `change` with the tags the resource must get, when they differ (a noop becomes an update). */
export function withTagChange(change: Change, desired: Tags, observed: Tags | undefined): Change {
  // Only beside a plain deployment: a wait, a refusal or a replacement is left to do its part
  // (a replacement is created with the tags; the others get them on the next plan).
  const plain = change.action === "noop" || (change.action === "update" && !change.actionReason);
  if (observed === undefined || !plain) return change;
  const { set, remove } = tagDelta(observed, desired);
  if (Object.keys(set).length === 0 && remove.length === 0) return change;
  const tags = diffFields({ tags: observed }, { tags: desired });
  if (change.action === "noop")
    return { action: "update", reason: differReason(tags), changes: tags, risk: [] };
  return { ...change, changes: [...change.changes, ...tags] };
}

/** Sets and removes tags so the resource carries exactly `node.tags` (besides aws: ones). */
export async function retag(
  type: TaggedType,
  node: Node,
  observed: Tags,
  ctx: HandlerContext,
  arn?: string,
): Promise<void> {
  const { set, remove } = tagDelta(observed, node.tags);
  const ResourceArn = arnOf(type, node, ctx, arn);
  const { sagemaker } = ctx.clients;
  if (remove.length > 0)
    await withContext(`removing tags of ${WORDS[type]} ${node.name}`, () =>
      sagemaker.send(new DeleteTagsCommand({ ResourceArn, TagKeys: remove })),
    );
  if (Object.keys(set).length > 0)
    await withContext(`tagging ${WORDS[type]} ${node.name}`, () =>
      sagemaker.send(new AddTagsCommand({ ResourceArn, Tags: tagsToList(set) })),
    );
}

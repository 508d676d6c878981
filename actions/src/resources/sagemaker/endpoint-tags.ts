// The endpoint's tags. The endpoint keeps its name across deployments and across a project
// rename, so its ownership tags (mlops:project, ...) are reconciled like any field: read with
// ListTags, planned as a "tags" change, and set with AddTags/DeleteTags.
import { AddTagsCommand, DeleteTagsCommand, ListTagsCommand } from "@aws-sdk/client-sagemaker";
import { readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import { diffFields } from "../diff-fields.js";
import { differReason, type Change, type HandlerContext } from "../handler.js";
import { tagDelta, tagsFromList, tagsToList, type Tags } from "../tags.js";

const endpointArn = (name: string, ctx: HandlerContext): string =>
  `arn:${ctx.graph.partition}:sagemaker:${ctx.graph.region}:${ctx.graph.account}:endpoint/${name.toLowerCase()}`;

/** The endpoint's tags (undefined when they cannot be listed: nothing is planned for them). */
export async function readEndpointTags(node: Node, ctx: HandlerContext): Promise<Tags | undefined> {
  const out = await readOrUndefined(`reading the tags of endpoint ${node.name}`, () =>
    ctx.clients.sagemaker.send(
      new ListTagsCommand({ ResourceArn: endpointArn(node.name, ctx), MaxResults: 100 }),
    ),
  );
  return out?.Tags ? tagsFromList(out.Tags) : undefined;
}

/** `change` with the tags the endpoint must get, when they differ (a noop becomes an update). */
export function withTagChange(change: Change, desired: Tags, observed: Tags | undefined): Change {
  // Only beside a plain deployment: a wait, a refusal or a replacement is left to do its part
  // (a replacement is created with the tags; the others get them on the next plan).
  const plain = change.action === "noop" || (change.action === "update" && !change.actionReason);
  if (observed === undefined || !plain) return change;
  const { set, remove } = tagDelta(observed, desired);
  if (Object.keys(set).length === 0 && remove.length === 0) return change;
  const own = Object.fromEntries(Object.entries(observed).filter(([k]) => !k.startsWith("aws:")));
  const tags = diffFields({ tags: own }, { tags: desired });
  if (change.action === "noop")
    return { action: "update", reason: differReason(tags), changes: tags, risk: [] };
  return { ...change, changes: [...change.changes, ...tags] };
}

/** Sets and removes tags so the endpoint carries exactly `node.tags` (besides aws: ones). */
export async function retagEndpoint(
  node: Node,
  observed: Tags,
  ctx: HandlerContext,
): Promise<void> {
  const { set, remove } = tagDelta(observed, node.tags);
  const ResourceArn = endpointArn(node.name, ctx);
  const { sagemaker } = ctx.clients;
  if (remove.length > 0)
    await withContext(`removing tags of endpoint ${node.name}`, () =>
      sagemaker.send(new DeleteTagsCommand({ ResourceArn, TagKeys: remove })),
    );
  if (Object.keys(set).length > 0)
    await withContext(`tagging endpoint ${node.name}`, () =>
      sagemaker.send(new AddTagsCommand({ ResourceArn, Tags: tagsToList(set) })),
    );
}

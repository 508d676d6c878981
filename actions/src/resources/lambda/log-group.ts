// logs.log-group: the function's CloudWatch log group (/aws/lambda/<name>) with its retention.
// Made before the function: the function's role may write to it but not create it, and a group
// Lambda made on the fly would keep logs forever.
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  AwsOperationError,
  deleteIfPresent,
  readOrUndefined,
  withContext,
} from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { LogGroupSpec } from "../../graph/lambda-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import { tagDelta, type Tags } from "../tags.js";

export interface LogGroupObserved {
  /** null: never expire. */
  retentionDays: number | null;
  tags: Tags;
}

const arnOf = (node: Node, ctx: HandlerContext): string =>
  `arn:${ctx.graph.partition}:logs:${ctx.graph.region}:${ctx.graph.account}:log-group:${node.name}`;

async function findGroup(node: Node, ctx: HandlerContext): Promise<LogGroup | undefined> {
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await withContext(`reading log group ${node.name}`, () =>
      ctx.clients.logs.send(
        new DescribeLogGroupsCommand({
          logGroupNamePrefix: node.name,
          ...(token !== undefined && { nextToken: token }),
        }),
      ),
    );
    const found = page.logGroups?.find((g) => g.logGroupName === node.name);
    if (found) return found;
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return undefined;
}

async function putRetention(node: Node<LogGroupSpec>, ctx: HandlerContext): Promise<void> {
  await withContext(`setting the retention of log group ${node.name}`, () =>
    ctx.clients.logs.send(
      new PutRetentionPolicyCommand({
        logGroupName: node.name,
        retentionInDays: node.spec.retentionDays,
      }),
    ),
  );
}

const desired = (node: Node<LogGroupSpec>): LogGroupObserved => ({
  retentionDays: node.spec.retentionDays,
  tags: node.tags,
});

export const logGroupHandler: ResourceHandler<LogGroupSpec, LogGroupObserved> = {
  kind: "logs.log-group",
  ownership: "tags",
  deleteRisk: ["deletes-data"],

  async read(node, ctx) {
    // The ARN is known from the name, so the tags are read alongside the group itself.
    const resourceArn = arnOf(node, ctx);
    const [group, tags] = await Promise.all([
      findGroup(node, ctx),
      readOrUndefined(`reading the tags of log group ${node.name}`, () =>
        ctx.clients.logs.send(new ListTagsForResourceCommand({ resourceArn })),
      ),
    ]);
    if (!group) return undefined;
    return { retentionDays: group.retentionInDays ?? null, tags: tags?.tags ?? {} };
  },

  diff(node, observed): Change {
    const changes = diffFields(observed, desired(node));
    if (changes.length === 0) return noop();
    return {
      action: "update",
      reason: differReason(changes),
      changes,
      risk: [],
    };
  },

  async create(node, ctx) {
    try {
      await ctx.clients.logs.send(
        new CreateLogGroupCommand({ logGroupName: node.name, tags: node.tags }),
      );
    } catch (error) {
      // Lambda (or an earlier attempt) made it meanwhile: bring it to the spec instead.
      if ((error as { name?: string }).name !== "ResourceAlreadyExistsException")
        throw new AwsOperationError(`creating log group ${node.name}`, error);
      const observed = await logGroupHandler.read(node, ctx);
      if (observed)
        return logGroupHandler.update(node, observed, logGroupHandler.diff(node, observed), ctx);
    }
    await putRetention(node, ctx);
    return desired(node);
  },

  async update(node, observed, change, ctx) {
    const fields = changedFields(change);
    if (fields.has("retentionDays")) await putRetention(node, ctx);
    const resourceArn = arnOf(node, ctx);
    const { set, remove } = fields.has("tags")
      ? tagDelta(observed.tags, node.tags)
      : { set: {}, remove: [] };
    if (Object.keys(set).length > 0) {
      await withContext(`tagging log group ${node.name}`, () =>
        ctx.clients.logs.send(new TagResourceCommand({ resourceArn, tags: set })),
      );
    }
    if (remove.length > 0) {
      await withContext(`untagging log group ${node.name}`, () =>
        ctx.clients.logs.send(new UntagResourceCommand({ resourceArn, tagKeys: remove })),
      );
    }
    return desired(node);
  },

  async delete(node, _observed, { clients: { logs } }) {
    await deleteIfPresent(`deleting log group ${node.name}`, () =>
      logs.send(new DeleteLogGroupCommand({ logGroupName: node.name })),
    );
  },
};

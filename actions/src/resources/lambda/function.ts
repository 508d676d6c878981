// lambda.function: the function's $LATEST: code (compared by CodeSha256 of the deterministic
// zip), configuration, tags and its resource policy, which mlops owns whole: it grants nothing
// there, so a statement someone added (who may invoke the function) is planned away. Only what differs is updated, because every update makes the
// next PublishVersion mint a new version; between steps we wait for LastUpdateStatus Successful
// (State Active after a create). create() and update() both converge from a fresh read, so the
// executor's busy retry (ResourceConflictException, a role IAM has not propagated yet: "The role
// defined for the function cannot be assumed by Lambda") re-runs them without repeating a step.
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import {
  AwsOperationError,
  deleteIfPresent,
  readOrUndefined,
  withContext,
} from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { FunctionSpec } from "../../graph/lambda-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import { tagDelta, type Tags } from "../tags.js";
import {
  codeForUpload,
  codeSha256Of,
  isSettled,
  versionFields,
  waitUntilSettled,
  type VersionFields,
} from "./common.js";
import { OperationalError } from "../../operational-errors.js";
import { decodePolicy } from "../iam/policy-normalize.js";
import { grantsOf } from "../iam/role-permissions.js";

export interface FunctionObserved extends VersionFields {
  arn: string;
  tags: Tags;
  /** The function's resource-policy statements, by Sid: what each one grants, to whom. */
  permissions: Record<string, string>;
}

type Comparable = Omit<FunctionObserved, "arn">;

const CODE_FIELDS = ["codeSha256", "architecture"] as const;
const CONFIG_FIELDS = [
  "runtime",
  "handler",
  "memory",
  "timeoutSeconds",
  "role",
  "environment",
] as const;

function desired(node: Node<FunctionSpec>): Comparable {
  const { code: _code, ...version } = node.spec;
  return { ...version, tags: node.tags, permissions: {} };
}

const userTags = (tags: Record<string, string> | undefined): Tags =>
  Object.fromEntries(Object.entries(tags ?? {}).filter(([k]) => !k.startsWith("aws:")));

interface Live {
  configuration: FunctionConfiguration;
  observed: FunctionObserved;
}

async function readLive(node: Node<FunctionSpec>, ctx: HandlerContext): Promise<Live | undefined> {
  const FunctionName = node.name;
  // Both at once: a function without a resource policy says ResourceNotFound to GetPolicy.
  const [out, policy] = await Promise.all([
    readOrUndefined(`reading Lambda function ${FunctionName}`, () =>
      ctx.clients.lambda.send(new GetFunctionCommand({ FunctionName })),
    ),
    readOrUndefined(`reading the resource policy of ${FunctionName}`, () =>
      ctx.clients.lambda.send(new GetPolicyCommand({ FunctionName })),
    ),
  ]);
  const configuration = out?.Configuration;
  if (!out || !configuration) return undefined;
  return {
    configuration,
    observed: {
      arn: configuration.FunctionArn ?? "",
      ...versionFields(configuration),
      tags: userTags(out.Tags),
      permissions: permissionsOf(policy?.Policy),
    },
  };
}

/** Sid -> "Allow lambda:InvokeFunction on ..., to apigateway.amazonaws.com" of a resource policy. */
function permissionsOf(policy: string | undefined): Record<string, string> {
  const statements = (decodePolicy(policy) as { Statement?: unknown[] } | undefined)?.Statement;
  return Object.fromEntries(
    (statements ?? []).map((statement, i) => [
      (statement as { Sid?: string }).Sid ?? String(i),
      grantsOf({ Statement: [statement] }).join(""),
    ]),
  );
}

const differs = (
  have: Comparable,
  want: Comparable,
  fields: readonly (keyof Comparable)[],
): boolean => fields.some((f) => diffFields(have[f], want[f]).length > 0);

function isAlreadyExists(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === "ResourceConflictException" && /already exist/i.test(e.message ?? "");
}

export const functionHandler: ResourceHandler<FunctionSpec, FunctionObserved> = {
  kind: "lambda.function",
  ownership: "tags",

  async prepare(node) {
    return { ...node, spec: { ...node.spec, codeSha256: await codeSha256Of(node.spec.code) } };
  },

  async read(node, ctx) {
    return (await readLive(node, ctx))?.observed;
  },

  diff(node, observed): Change {
    const { arn: _arn, ...have } = observed;
    const changes = diffFields(have, desired(node));
    if (changes.length === 0) return noop();
    return {
      action: "update",
      reason: differReason(changes, { codeSha256: "code" }),
      changes,
      risk: [],
    };
  },

  async create(node, ctx) {
    const { spec } = node;
    const zip = await codeForUpload(spec.code, spec.codeSha256);
    try {
      await ctx.clients.lambda.send(
        new CreateFunctionCommand({
          FunctionName: node.name,
          Role: spec.role,
          Runtime: spec.runtime,
          Handler: spec.handler,
          Code: { ZipFile: zip },
          MemorySize: spec.memory,
          Timeout: spec.timeoutSeconds,
          Architectures: [spec.architecture],
          Environment: { Variables: spec.environment },
          Description: `Managed by mlops (${node.address})`,
          Publish: false,
          Tags: node.tags,
        }),
      );
    } catch (error) {
      if (!isAlreadyExists(error))
        throw new AwsOperationError(`creating Lambda function ${node.name}`, error);
      // Created by an earlier attempt (or by someone else): converge it instead.
      ctx.logger.info(`${node.address}: ${node.name} exists already; updating it instead`);
      return converge(node, ctx);
    }
    await waitUntilSettled(ctx, node.name);
    return readAfterChange(node, ctx);
  },

  async update(node, _observed, change, ctx) {
    return converge(node, ctx, changedFields(change));
  },

  async delete(node, _observed, { clients: { lambda } }) {
    await deleteIfPresent(`deleting Lambda function ${node.name}`, () =>
      lambda.send(new DeleteFunctionCommand({ FunctionName: node.name })),
    );
  },
};

/**
 * Brings the live function to the spec, one step at a time, skipping steps already done: for
 * `fields` (an update: the plan's changed fields), or for everything (a create that found the
 * function there already).
 */
async function converge(
  node: Node<FunctionSpec>,
  ctx: HandlerContext,
  fields?: ReadonlySet<string>,
): Promise<FunctionObserved> {
  const { spec } = node;
  const FunctionName = node.name;
  const lambda = ctx.clients.lambda;
  const live = await readLive(node, ctx);
  if (!live) return functionHandler.create(node, ctx);
  if (!isSettled(live.configuration)) {
    await waitUntilSettled(ctx, FunctionName, { failedIsSettled: true });
  }
  const want = desired(node);
  const have = live.observed;
  // Only the fields the plan named, and of those only what still differs: a retried update
  // does not repeat a step that finished.
  const needs = (names: readonly (keyof Comparable)[]): boolean =>
    (fields === undefined || names.some((f) => fields.has(f))) && differs(have, want, names);

  if (needs(CODE_FIELDS)) {
    const zip = await codeForUpload(spec.code, spec.codeSha256);
    await withContext(`updating the code of Lambda function ${FunctionName}`, () =>
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName,
          ZipFile: zip,
          Architectures: [spec.architecture],
          Publish: false,
        }),
      ),
    );
    await waitUntilSettled(ctx, FunctionName);
  }
  if (needs(CONFIG_FIELDS)) {
    await withContext(`updating the configuration of Lambda function ${FunctionName}`, () =>
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName,
          Role: spec.role,
          Runtime: spec.runtime,
          Handler: spec.handler,
          MemorySize: spec.memory,
          Timeout: spec.timeoutSeconds,
          Environment: { Variables: spec.environment },
        }),
      ),
    );
    await waitUntilSettled(ctx, FunctionName);
  }
  const { set, remove } = needs(["tags"])
    ? tagDelta(have.tags, node.tags)
    : { set: {}, remove: [] };
  if (Object.keys(set).length > 0) {
    await withContext(`tagging Lambda function ${FunctionName}`, () =>
      lambda.send(new TagResourceCommand({ Resource: have.arn, Tags: set })),
    );
  }
  if (remove.length > 0) {
    await withContext(`untagging Lambda function ${FunctionName}`, () =>
      lambda.send(new UntagResourceCommand({ Resource: have.arn, TagKeys: remove })),
    );
  }
  if (needs(["permissions"])) {
    for (const StatementId of Object.keys(have.permissions)) {
      await deleteIfPresent(`removing permission ${StatementId} of ${FunctionName}`, () =>
        lambda.send(new RemovePermissionCommand({ FunctionName, StatementId })),
      );
    }
  }
  return readAfterChange(node, ctx);
}

/** What AWS reports after our changes. */
async function readAfterChange(
  node: Node<FunctionSpec>,
  ctx: HandlerContext,
): Promise<FunctionObserved> {
  const after = await readLive(node, ctx);
  if (!after)
    throw new OperationalError(`Lambda function ${node.name} disappeared while being changed`);
  return after.observed;
}

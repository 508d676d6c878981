// lambda.function-url: the HTTPS address of the function, on its alias (Qualifier), with its
// auth type and CORS. AWS assigns the URL on create and keeps it across updates; the plan shows
// it once it exists. Auth and CORS change in place (UpdateFunctionUrlConfig); deleting the
// function (or removing `lambda.url`) deletes it.
import {
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  UpdateFunctionUrlConfigCommand,
  type Cors,
  type FunctionUrlAuthType,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { DesiredGraph, Node } from "../../graph/graph.js";
import {
  FUNCTION_URL,
  type FunctionUrlCorsSpec,
  type FunctionUrlSpec,
} from "../../graph/lambda-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, differReason } from "../handler.js";
import { isKind } from "../kinds.js";

export interface FunctionUrlObserved {
  /** Assigned by AWS (https://<id>.lambda-url.<region>.on.aws/); never compared. */
  url: string;
  authType: FunctionUrlAuthType;
  cors?: FunctionUrlCorsSpec;
}

/** AWS's Cors as the spec says it; absent lists and flags are AWS's defaults (none, false, 0). */
function corsFromAws(cors: Cors | undefined): FunctionUrlCorsSpec | undefined {
  if (cors === undefined || (cors.AllowOrigins ?? []).length === 0) return undefined;
  return {
    allowOrigins: cors.AllowOrigins ?? [],
    allowMethods: cors.AllowMethods ?? [],
    allowHeaders: cors.AllowHeaders ?? [],
    exposeHeaders: cors.ExposeHeaders ?? [],
    allowCredentials: cors.AllowCredentials ?? false,
    maxAge: cors.MaxAge ?? 0,
  };
}

/** The spec's CORS as the request carries it; no CORS is the empty Cors (it clears a previous one). */
function corsToAws(cors: FunctionUrlCorsSpec | undefined): Cors {
  if (cors === undefined) return {};
  return {
    AllowOrigins: cors.allowOrigins,
    AllowMethods: cors.allowMethods,
    AllowHeaders: cors.allowHeaders,
    ExposeHeaders: cors.exposeHeaders,
    AllowCredentials: cors.allowCredentials,
    MaxAge: cors.maxAge,
  };
}

const target = (node: Node<FunctionUrlSpec>) => ({
  FunctionName: node.spec.functionName,
  Qualifier: node.spec.qualifier,
});

function observedFrom(out: {
  FunctionUrl?: string | undefined;
  AuthType?: FunctionUrlAuthType | undefined;
  Cors?: Cors | undefined;
}): FunctionUrlObserved {
  const cors = corsFromAws(out.Cors);
  return {
    url: out.FunctionUrl ?? "",
    authType: out.AuthType ?? "AWS_IAM",
    ...(cors !== undefined && { cors }),
  };
}

/** The URL of the function a graph's Function URL node is about, or undefined when it has none. */
export async function readFunctionUrl(
  node: Node<FunctionUrlSpec>,
  ctx: HandlerContext,
): Promise<FunctionUrlObserved | undefined> {
  const out = await readOrUndefined(`reading the Function URL of ${node.name}`, () =>
    ctx.clients.lambda.send(new GetFunctionUrlConfigCommand(target(node))),
  );
  return out === undefined ? undefined : observedFrom(out);
}

/**
 * The deployed Function URL of a desired graph (its lambda.function-url node, so names carry
 * whatever the graph gave them), or undefined when the config has none or it is not deployed.
 * For `mlops invoke`, `mlops status` and the apply outputs.
 */
export async function deployedFunctionUrl(
  graph: DesiredGraph,
  ctx: HandlerContext,
): Promise<FunctionUrlObserved | undefined> {
  const node = graph.nodes.find((n) => n.address === FUNCTION_URL);
  return node !== undefined && isKind(node, "lambda.function-url")
    ? readFunctionUrl(node, ctx)
    : undefined;
}

export const functionUrlHandler: ResourceHandler<FunctionUrlSpec, FunctionUrlObserved> = {
  kind: "lambda.function-url",
  // Someone may have made it by hand under the name the tool derives: taking it over is an adoption.
  ownership: "parent",

  read: readFunctionUrl,

  diff(node, observed): Change {
    const desired = { authType: node.spec.authType, cors: node.spec.cors };
    const current = { authType: observed.authType, cors: observed.cors };
    const changes = diffFields(current, desired);
    if (changes.length === 0) {
      return { action: "noop", reason: "up to date", changes: [], risk: [], summary: observed.url };
    }
    // Auth NONE makes the endpoint callable by anyone: the plan says so beside the URL.
    const opens = node.spec.authType === "NONE" && observed.authType !== "NONE";
    return {
      action: "update",
      reason: differReason(changes),
      changes,
      risk: [],
      summary: opens ? `${observed.url} becomes public (auth NONE)` : observed.url,
    };
  },

  createSummary(node) {
    return `HTTPS URL on ${node.name}, auth ${node.spec.authType} (the address is AWS's, shown after apply)`;
  },

  async create(node, ctx) {
    const out = await withContext(`creating the Function URL of ${node.name}`, () =>
      ctx.clients.lambda.send(
        new CreateFunctionUrlConfigCommand({
          ...target(node),
          AuthType: node.spec.authType,
          ...(node.spec.cors && { Cors: corsToAws(node.spec.cors) }),
        }),
      ),
    );
    ctx.logger.info(`${node.name}: Function URL ${out.FunctionUrl ?? "?"}`);
    return observedFrom(out);
  },

  async update(node, _observed, change, ctx) {
    const fields = changedFields(change);
    const out = await withContext(`updating the Function URL of ${node.name}`, () =>
      ctx.clients.lambda.send(
        new UpdateFunctionUrlConfigCommand({
          ...target(node),
          ...(fields.has("authType") && { AuthType: node.spec.authType }),
          ...(fields.has("cors") && { Cors: corsToAws(node.spec.cors) }),
        }),
      ),
    );
    return observedFrom(out);
  },

  async delete(node, _observed, ctx) {
    await deleteIfPresent(`deleting the Function URL of ${node.name}`, () =>
      ctx.clients.lambda.send(new DeleteFunctionUrlConfigCommand(target(node))),
    );
  },
};

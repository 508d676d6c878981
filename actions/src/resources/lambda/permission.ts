// lambda.permission: the tool's statements in the function's resource policy on the alias (the
// ones a public Function URL needs, graph/lambda-nodes.ts publicUrlStatements). Only statements
// with the tool's Sids are read, compared and changed: any other statement in the policy is
// someone else's and left alone. A statement cannot be edited in place, so a changed one is
// removed and added again under the same Sid.
import {
  AddPermissionCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { PermissionSpec, PermissionStatementSpec } from "../../graph/lambda-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";

/** The tool's statements found in the policy, by Sid. */
export interface PermissionObserved {
  statements: Record<string, PermissionStatementSpec>;
}

interface PolicyStatement {
  Sid?: string;
  Action?: string | string[];
  Principal?: string | { AWS?: string; Service?: string };
  Condition?: Record<string, Record<string, string>>;
}

const bySid = (statements: readonly PermissionStatementSpec[]) =>
  Object.fromEntries(statements.map((s) => [s.sid, s]));

/** A policy statement as AddPermission's parameters say it (what the spec compares with). */
function fromPolicy(sid: string, s: PolicyStatement): PermissionStatementSpec {
  const action = Array.isArray(s.Action) ? s.Action[0] : s.Action;
  const principal =
    typeof s.Principal === "string"
      ? s.Principal
      : (s.Principal?.AWS ?? s.Principal?.Service ?? "");
  const authType = s.Condition?.["StringEquals"]?.["lambda:FunctionUrlAuthType"] as
    PermissionStatementSpec["functionUrlAuthType"] | undefined;
  const viaUrl = s.Condition?.["Bool"]?.["lambda:InvokedViaFunctionUrl"];
  return {
    sid,
    action: action as PermissionStatementSpec["action"],
    principal,
    ...(authType !== undefined && { functionUrlAuthType: authType }),
    ...(viaUrl !== undefined && { invokedViaFunctionUrl: viaUrl === "true" }),
  };
}

async function readStatements(
  node: Node<PermissionSpec>,
  ctx: HandlerContext,
): Promise<PermissionObserved | undefined> {
  const { functionName, qualifier } = node.spec;
  const out = await readOrUndefined(`reading the resource policy of ${node.name}`, () =>
    ctx.clients.lambda.send(
      new GetPolicyCommand({ FunctionName: functionName, Qualifier: qualifier }),
    ),
  );
  if (out?.Policy === undefined) return undefined;
  const policy = JSON.parse(out.Policy) as { Statement?: PolicyStatement[] };
  const ours = new Set(node.spec.statements.map((s) => s.sid));
  const statements: Record<string, PermissionStatementSpec> = {};
  for (const s of policy.Statement ?? []) {
    if (s.Sid !== undefined && ours.has(s.Sid)) statements[s.Sid] = fromPolicy(s.Sid, s);
  }
  return Object.keys(statements).length === 0 ? undefined : { statements };
}

async function add(
  node: Node<PermissionSpec>,
  s: PermissionStatementSpec,
  ctx: HandlerContext,
): Promise<void> {
  await withContext(`allowing ${s.action} on ${node.name} (${s.sid})`, () =>
    ctx.clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: node.spec.functionName,
        Qualifier: node.spec.qualifier,
        StatementId: s.sid,
        Action: s.action,
        Principal: s.principal,
        ...(s.functionUrlAuthType !== undefined && { FunctionUrlAuthType: s.functionUrlAuthType }),
        ...(s.invokedViaFunctionUrl !== undefined && {
          InvokedViaFunctionUrl: s.invokedViaFunctionUrl,
        }),
      }),
    ),
  );
}

async function remove(node: Node<PermissionSpec>, sid: string, ctx: HandlerContext): Promise<void> {
  await deleteIfPresent(`removing statement ${sid} from the policy of ${node.name}`, () =>
    ctx.clients.lambda.send(
      new RemovePermissionCommand({
        FunctionName: node.spec.functionName,
        Qualifier: node.spec.qualifier,
        StatementId: sid,
      }),
    ),
  );
}

export const permissionHandler: ResourceHandler<PermissionSpec, PermissionObserved> = {
  kind: "lambda.permission",

  read: readStatements,

  diff(node, observed): Change {
    const changes = diffFields(observed.statements, bySid(node.spec.statements));
    if (changes.length === 0) return noop();
    return { action: "update", reason: differReason(changes), changes, risk: [] };
  },

  createSummary(node) {
    return `allow ${node.spec.statements.map((s) => `${s.action} (${s.sid})`).join(", ")} for anyone, only through the Function URL`;
  },

  async create(node, ctx) {
    // A retried create finds statements it already added: those are replaced, not duplicated.
    const present = (await readStatements(node, ctx))?.statements ?? {};
    for (const s of node.spec.statements) {
      if (present[s.sid] !== undefined) await remove(node, s.sid, ctx);
      await add(node, s, ctx);
    }
    return { statements: bySid(node.spec.statements) };
  },

  async update(node, observed, change, ctx) {
    const desired = bySid(node.spec.statements);
    for (const sid of changedFields(change)) {
      if (observed.statements[sid] !== undefined) await remove(node, sid, ctx);
      const wanted = desired[sid];
      if (wanted !== undefined) await add(node, wanted, ctx);
    }
    return { statements: desired };
  },

  async delete(node, _observed, ctx) {
    for (const s of node.spec.statements) await remove(node, s.sid, ctx);
  },
};

// lambda.provisioned-concurrency: pre-initialised environments on the alias (never $LATEST:
// Lambda refuses unpublished versions, and putting it on the version the alias points at as
// well is not allowed). Put answers IN_PROGRESS; the executor then polls read() through
// status() until READY, and a FAILED allocation fails the step with its StatusReason. Setting it
// to 0 (or removing it) in the config deletes the node, and so the config. Provisioned
// concurrency on another qualifier (a version, set by hand in the console) is the function's
// too, which mlops owns whole: it is planned away.
import {
  DeleteProvisionedConcurrencyConfigCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { ProvisionedConcurrencySpec } from "../../graph/lambda-nodes.js";
import type { Change, FieldChange, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, noop } from "../handler.js";
import { provisionedStatus, readProvisioned, type ProvisionedObserved } from "./common.js";

export interface ProvisionedConcurrencyObserved extends ProvisionedObserved {
  /** Provisioned concurrency on the function's other qualifiers, by qualifier: none wanted. */
  elsewhere: Record<string, number>;
}

/** Every qualifier of the function with provisioned concurrency but `qualifier`. */
async function elsewhereThan(
  ctx: HandlerContext,
  FunctionName: string,
  qualifier: string,
): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  let Marker: string | undefined;
  do {
    const out = await readOrUndefined(
      `listing the provisioned concurrency of ${FunctionName}`,
      () =>
        ctx.clients.lambda.send(
          new ListProvisionedConcurrencyConfigsCommand({
            FunctionName,
            ...(Marker !== undefined && { Marker }),
          }),
        ),
    );
    for (const config of out?.ProvisionedConcurrencyConfigs ?? []) {
      const q = config.FunctionArn?.split(":").pop() ?? "";
      if (q !== qualifier) found[q] = config.RequestedProvisionedConcurrentExecutions ?? 0;
    }
    Marker = out?.NextMarker;
  } while (Marker !== undefined && Marker !== "");
  return found;
}

async function removeFrom(
  ctx: HandlerContext,
  FunctionName: string,
  qualifiers: readonly string[],
): Promise<void> {
  for (const Qualifier of qualifiers) {
    await deleteIfPresent(
      `removing provisioned concurrency from ${FunctionName}:${Qualifier}`,
      () =>
        ctx.clients.lambda.send(
          new DeleteProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier }),
        ),
    );
  }
}

async function put(
  node: Node<ProvisionedConcurrencySpec>,
  ctx: HandlerContext,
): Promise<ProvisionedConcurrencyObserved> {
  const { functionName, qualifier, concurrency } = node.spec;
  const out = await withContext(
    `setting provisioned concurrency ${concurrency} on ${functionName}:${qualifier}`,
    () =>
      ctx.clients.lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: functionName,
          Qualifier: qualifier,
          ProvisionedConcurrentExecutions: concurrency,
        }),
      ),
  );
  return {
    concurrency: out.RequestedProvisionedConcurrentExecutions ?? concurrency,
    status: out.Status ?? "IN_PROGRESS",
    ...(out.StatusReason !== undefined && { failureReason: out.StatusReason }),
    elsewhere: {},
  };
}

export const provisionedConcurrencyHandler: ResourceHandler<
  ProvisionedConcurrencySpec,
  ProvisionedConcurrencyObserved
> = {
  kind: "lambda.provisioned-concurrency",
  ownership: "parent",

  async read(node, ctx) {
    const { functionName, qualifier } = node.spec;
    const [ours, elsewhere] = await Promise.all([
      readProvisioned(ctx, functionName, qualifier),
      elsewhereThan(ctx, functionName, qualifier),
    ]);
    if (ours === undefined && Object.keys(elsewhere).length === 0) return undefined;
    // None on the alias but some on a version: what there is, so the plan shows it going.
    return { ...(ours ?? { concurrency: 0, status: "NONE" }), elsewhere };
  },

  diff(node, observed): Change {
    const changes: FieldChange[] = [];
    if (observed.concurrency !== node.spec.concurrency) {
      changes.push({
        path: "concurrency",
        before: observed.concurrency,
        after: node.spec.concurrency,
      });
    }
    if (observed.status === "FAILED") {
      changes.push({ path: "status", before: "FAILED", after: "READY" });
    }
    for (const [q, count] of Object.entries(observed.elsewhere).sort())
      changes.push({ path: `elsewhere.${q}`, before: count, after: undefined });
    if (changes.length === 0) return noop();
    const elsewhere = Object.keys(observed.elsewhere);
    return {
      action: "update",
      reason:
        observed.status === "FAILED"
          ? `the last allocation FAILED (${observed.failureReason ?? "no reason given"}); put it again`
          : observed.concurrency !== node.spec.concurrency
            ? `${observed.concurrency} -> ${node.spec.concurrency} provisioned environments`
            : `provisioned concurrency on ${elsewhere.join(", ")} as well`,
      ...(elsewhere.length > 0 && {
        summary: `removes provisioned concurrency from ${elsewhere.map((q) => `${node.spec.functionName}:${q}`).join(", ")} (only ${node.spec.qualifier} keeps it)`,
      }),
      changes,
      risk: node.spec.concurrency > observed.concurrency ? ["cost-up"] : [],
    };
  },

  create: put,

  async update(node, observed, change, ctx) {
    const fields = changedFields(change);
    const after =
      fields.has("concurrency") || fields.has("status")
        ? await put(node, ctx)
        : { ...observed, elsewhere: {} };
    if (fields.has("elsewhere"))
      await removeFrom(ctx, node.spec.functionName, Object.keys(observed.elsewhere));
    return after;
  },

  async delete(node, _observed, { clients: { lambda } }) {
    const { functionName, qualifier } = node.spec;
    await deleteIfPresent(
      `removing provisioned concurrency from ${functionName}:${qualifier}`,
      () =>
        lambda.send(
          new DeleteProvisionedConcurrencyConfigCommand({
            FunctionName: functionName,
            Qualifier: qualifier,
          }),
        ),
    );
  },

  status: provisionedStatus,
};

// lambda.provisioned-concurrency: pre-initialised environments on the alias (never $LATEST:
// Lambda refuses unpublished versions, and putting it on the version the alias points at as
// well is not allowed). Put answers IN_PROGRESS; the executor then polls read() through
// status() until READY, and a FAILED allocation fails the step with its StatusReason. Setting it
// to 0 (or removing it) in the config deletes the node, and so the config.
import {
  DeleteProvisionedConcurrencyConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { ProvisionedConcurrencySpec } from "../../graph/lambda-nodes.js";
import type { Change, FieldChange, HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { provisionedStatus, readProvisioned, type ProvisionedObserved } from "./common.js";

async function put(
  node: Node<ProvisionedConcurrencySpec>,
  ctx: HandlerContext,
): Promise<ProvisionedObserved> {
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
  };
}

export const provisionedConcurrencyHandler: ResourceHandler<
  ProvisionedConcurrencySpec,
  ProvisionedObserved
> = {
  kind: "lambda.provisioned-concurrency",
  ownership: "record",

  read(node, ctx) {
    return readProvisioned(ctx, node.spec.functionName, node.spec.qualifier);
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
    if (changes.length === 0) return noop();
    return {
      action: "update",
      reason:
        observed.status === "FAILED"
          ? `the last allocation FAILED (${observed.failureReason ?? "no reason given"}); put it again`
          : `${observed.concurrency} -> ${node.spec.concurrency} provisioned environments`,
      changes,
      risk: node.spec.concurrency > observed.concurrency ? ["cost-up"] : [],
    };
  },

  create: put,

  update(node, _observed, _change, ctx) {
    return put(node, ctx);
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

// After a VERIFIED cutover only: record the deployment in the state record, then delete the
// project's superseded endpoint configs and models beyond `keep`. Never the live config or
// model, never the one it just replaced (the rollback target), never a model a kept config
// serves. Cleanup problems are reported and left for the next deployment; the deployment
// itself has succeeded by then.
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
} from "@aws-sdk/client-sagemaker";
import type { DeploymentRecord } from "../state-records.js";
import { isNotFound, readOrUndefined } from "../../aws/errors.js";
import { derivedNames } from "../../aws/naming.js";
import type { Node } from "../../graph/graph.js";
import type { EndpointSpec } from "../../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../handler.js";
import { requireConfig, type EndpointObserved } from "./endpoint-observe.js";

/** Deployment history kept in the state record (newest last). */
export const MAX_DEPLOYMENT_RECORDS = 50;

interface Named {
  name: string;
  created: number;
}

export async function afterCutover(
  node: Node<EndpointSpec>,
  previous: Pick<EndpointObserved, "endpointConfigName" | "modelName"> | undefined,
  ctx: HandlerContext,
): Promise<void> {
  const before = await recordDeployment(node, ctx);
  const rollbackTarget = previous ?? before;
  try {
    await collectGarbage(node, rollbackTarget, ctx);
  } catch (error) {
    ctx.logger.warn(
      `${node.address}: the deployment succeeded, but cleaning up superseded endpoint configs and models failed (${(error as Error).message}); the next deployment tries again`,
    );
  }
}

/**
 * Appends the node's config and model to the deployment history (once: a retry finds it
 * last), which plans read to tell a rollback (see ModelRollback). Returns the deployment it
 * follows, if any: the rollback target to keep.
 */
export async function recordDeployment(
  node: Node<EndpointSpec>,
  ctx: HandlerContext,
): Promise<Pick<EndpointObserved, "endpointConfigName" | "modelName"> | undefined> {
  const config = requireConfig(node);
  const record: DeploymentRecord = {
    endpointConfig: config,
    model: node.spec.modelName ?? "",
    at: new Date(ctx.clock.now()).toISOString(),
    planHash: "",
    ...(node.spec.origin && { origin: node.spec.origin }),
  };
  let before: Pick<EndpointObserved, "endpointConfigName" | "modelName"> | undefined;
  await ctx.state?.updateDeployments((deployments) => {
    const last = [...deployments].reverse().find((d) => d.endpointConfig !== config);
    if (last) before = { endpointConfigName: last.endpointConfig, modelName: last.model };
    if (deployments.at(-1)?.endpointConfig === config) return; // recorded (a retry)
    deployments.push(record);
    if (deployments.length > MAX_DEPLOYMENT_RECORDS) {
      deployments.splice(0, deployments.length - MAX_DEPLOYMENT_RECORDS);
    }
  });
  return before;
}

export async function collectGarbage(
  node: Node<EndpointSpec>,
  previous: Pick<EndpointObserved, "endpointConfigName" | "modelName"> | undefined,
  ctx: HandlerContext,
): Promise<void> {
  const project = node.tags["mlops:project"] ?? ctx.graph.project;
  const keep = Math.max(1, node.spec.keep);
  const liveConfig = requireConfig(node);
  const liveModel = node.spec.modelName ?? "";
  const { sagemaker } = ctx.clients;

  const configs = await listOwn(ctx, "config", project);
  const keptConfigs = keepNewest(configs, liveConfig, previous?.endpointConfigName, keep);
  const modelsInUse = new Set([liveModel, previous?.modelName ?? ""]);
  for (const name of keptConfigs) {
    if (name === liveConfig) continue;
    const out = await readOrUndefined(`reading endpoint config ${name}`, () =>
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
    );
    for (const v of out?.ProductionVariants ?? []) modelsInUse.add(v.ModelName ?? "");
  }
  for (const c of configs) {
    if (keptConfigs.has(c.name)) continue;
    await remove(ctx, `endpoint config ${c.name}`, () =>
      sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: c.name })),
    );
  }

  const models = await listOwn(ctx, "model", project);
  const keptModels = keepNewest(models, liveModel, previous?.modelName, keep);
  for (const m of models) {
    if (keptModels.has(m.name) || modelsInUse.has(m.name)) continue;
    await remove(ctx, `model ${m.name}`, () =>
      sagemaker.send(new DeleteModelCommand({ ModelName: m.name })),
    );
  }
}

/**
 * The names to keep: the live one, plus `keep` superseded ones: the one just replaced first,
 * then the newest.
 */
export function keepNewest(
  items: readonly Named[],
  live: string,
  previous: string | undefined,
  keep: number,
): Set<string> {
  const superseded = [...items]
    .filter((i) => i.name !== live)
    .sort((a, b) => b.created - a.created || b.name.localeCompare(a.name))
    .map((i) => i.name);
  const ordered =
    previous !== undefined && superseded.includes(previous)
      ? [previous, ...superseded.filter((n) => n !== previous)]
      : superseded;
  return new Set([live, ...ordered.slice(0, keep)]);
}

/** This project's derived configs or models: `<project>-epc-<hash8>` / `<project>-model-<hash8>`. */
async function listOwn(
  ctx: HandlerContext,
  what: "config" | "model",
  project: string,
): Promise<Named[]> {
  const prefix =
    what === "config" ? derivedNames.endpointConfig(project, "") : derivedNames.model(project, "");
  // NameContains is a substring match: "ab-epc-" also finds "xab-epc-...". Keep exact ones.
  const own = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[0-9a-f]{8}$`);
  const found: Named[] = [];
  let next: string | undefined;
  do {
    const token = next;
    const paging = {
      NameContains: prefix,
      SortBy: "CreationTime",
      SortOrder: "Descending",
      MaxResults: 100,
      ...(token !== undefined && { NextToken: token }),
    } as const;
    let items: Named[];
    if (what === "config") {
      const out = await ctx.clients.sagemaker.send(new ListEndpointConfigsCommand(paging));
      items = (out.EndpointConfigs ?? []).map((c) => ({
        name: c.EndpointConfigName ?? "",
        created: c.CreationTime?.getTime() ?? 0,
      }));
      next = out.NextToken;
    } else {
      const out = await ctx.clients.sagemaker.send(new ListModelsCommand(paging));
      items = (out.Models ?? []).map((m) => ({
        name: m.ModelName ?? "",
        created: m.CreationTime?.getTime() ?? 0,
      }));
      next = out.NextToken;
    }
    found.push(...items.filter((i) => own.test(i.name)));
    if (next === "") next = undefined;
  } while (next !== undefined);
  return found;
}

async function remove(
  ctx: HandlerContext,
  what: string,
  fn: () => Promise<unknown>,
): Promise<void> {
  try {
    await fn();
    ctx.logger.info(`deleted superseded ${what}`);
  } catch (error) {
    if (isNotFound(error)) return;
    ctx.logger.warn(`could not delete superseded ${what}: ${(error as Error).message}`);
  }
}

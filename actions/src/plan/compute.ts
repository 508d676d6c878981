// desired graph + live AWS -> Plan. Reads run in parallel (bounded); nothing is changed.
import { relative } from "node:path";
import { mapLimit, semaphore } from "../pool.js";
import type { ManagedResource, StateRecord } from "../apply/state-store.js";
import type { DesiredGraph, Node } from "../graph/graph.js";
import { topologicalOrder } from "../graph/graph.js";
import { DEFAULT_ACTION_REASON, type Change, type HandlerContext } from "../resources/handler.js";
import { handlerFor, type HandlerRegistry } from "../resources/registry.js";
import { digest } from "../canonical.js";
import { sharingReads } from "./read-cache.js";
import { PLAN_FORMAT_VERSION, type Plan, type PlannedChange } from "./types.js";

export const READ_CONCURRENCY = 16;

export interface Observation {
  observed: unknown;
  /** null when the resource does not exist. */
  digest: string | null;
}

export type Observations = Map<string, Observation>;

/**
 * Starts each handler's prepare step (content hashes, downloads) on the desired nodes, each after
 * its dependencies, which it receives prepared (training needs the data set's manifest hash).
 * Returns one promise per address, so a caller can go on with a node as soon as it is ready.
 */
export function startPreparing(
  nodes: readonly Node[],
  handlers: HandlerRegistry,
  ctx: HandlerContext,
): Map<string, Promise<Node>> {
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  const started = new Map<string, Promise<Node>>();
  const prepare = (node: Node): Promise<Node> => {
    let promise = started.get(node.address);
    if (!promise) {
      promise = (async () => {
        const deps = new Map<string, Node>();
        for (const address of node.dependsOn) {
          const dep = byAddress.get(address);
          if (dep) deps.set(address, await prepare(dep));
        }
        const handler = handlerFor(handlers, node.kind);
        return handler.prepare ? handler.prepare(node, ctx, deps) : node;
      })();
      started.set(node.address, promise);
    }
    return promise;
  };
  for (const node of nodes) prepare(node).catch(() => undefined); // awaited by the caller
  return started;
}

/** Reads one node from AWS. */
async function readNode(
  node: Node,
  handlers: HandlerRegistry,
  ctx: HandlerContext,
): Promise<Observation> {
  const observed = await handlerFor(handlers, node.kind).read(node, ctx);
  return { observed, digest: observed === undefined ? null : digest(observed) };
}

/** Reads every node from AWS. */
export async function observe(
  nodes: readonly Node[],
  handlers: HandlerRegistry,
  ctx: HandlerContext,
): Promise<Observations> {
  const results = await mapLimit(
    nodes,
    READ_CONCURRENCY,
    async (node) => [node.address, await readNode(node, handlers, ctx)] as const,
  );
  return new Map(results);
}

/** Nodes the state record says we manage but the config no longer wants: candidates to delete. */
export function orphanNodes(state: StateRecord, desired: readonly Node[]): Node[] {
  const wanted = new Set(desired.map((n) => n.address));
  return Object.entries(state.resources)
    .filter(([address]) => !wanted.has(address))
    .map(([address, r]: [string, ManagedResource]) => ({
      address,
      kind: r.kind,
      name: r.name,
      spec: r.spec,
      dependsOn: r.dependsOn,
      tags: {},
    }));
}

export interface PlanInput {
  graph: DesiredGraph;
  /** The state record; may still be on its way (it is needed only to find orphans). */
  state: StateRecord | Promise<StateRecord>;
  handlers: HandlerRegistry;
  ctx: HandlerContext;
  configFile: string;
}

export async function computePlan(
  input: PlanInput,
): Promise<{ plan: Plan; observations: Observations }> {
  const { graph, handlers } = input;
  const ctx: HandlerContext = { ...input.ctx, clients: sharingReads(input.ctx.clients) };
  // Each node is read as soon as it is prepared: local hashing, the state record and the round
  // trips overlap, so a no-op plan costs about its deepest chain of reads.
  const preparing = startPreparing(graph.nodes, handlers, ctx);
  const limit = semaphore(READ_CONCURRENCY);
  const observations: Observations = new Map();
  const readWhenReady = async (pending: Promise<Node>): Promise<Node> => {
    const node = await pending;
    observations.set(node.address, await limit(() => readNode(node, handlers, ctx)));
    return node;
  };
  const [prepared, state] = await Promise.all([
    Promise.all(graph.nodes.map((n) => readWhenReady(preparing.get(n.address) as Promise<Node>))),
    input.state,
  ]);
  const desired = topologicalOrder(prepared);
  const orphans = orphanNodes(state, desired);
  const orphanObservations = await observe(orphans, handlers, ctx);
  for (const [address, seen] of orphanObservations) observations.set(address, seen);

  const changes: PlannedChange[] = desired.map((node) => {
    const seen = observations.get(node.address);
    const handler = handlerFor(handlers, node.kind);
    const base = {
      address: node.address,
      kind: node.kind,
      name: node.name,
      dependsOn: node.dependsOn,
      observedDigest: seen?.digest ?? null,
    };
    if (seen?.observed === undefined) {
      const summary = handler.createSummary?.(node);
      return {
        ...base,
        action: handler.createAction ?? "create",
        actionReason: "missing" as const,
        reason: "does not exist yet",
        changes: [],
        risk: [],
        ...(summary !== undefined && { summary }),
      };
    }
    const change: Change = handler.diff(node, seen.observed);
    return {
      ...base,
      action: change.action,
      actionReason: change.actionReason ?? DEFAULT_ACTION_REASON[change.action],
      reason: change.reason,
      changes: change.changes,
      risk: change.risk,
      ...(change.summary !== undefined && { summary: change.summary }),
      ...(change.rollback !== undefined && { rollback: change.rollback }),
    };
  });
  replaceTriggered(changes, handlers);
  for (const node of orphans) {
    const seen = observations.get(node.address);
    if (seen?.observed === undefined) continue;
    changes.push({
      address: node.address,
      kind: node.kind,
      name: node.name,
      action: "delete",
      actionReason: "not-in-config",
      reason: "no longer in the config",
      changes: [],
      risk: handlerFor(handlers, node.kind).deleteRisk ?? [],
      dependsOn: node.dependsOn,
      observedDigest: seen.digest,
    });
  }

  const nodes = Object.fromEntries([...desired, ...orphans].map((n) => [n.address, n]));
  const observedHash = digest(changes.map((c) => [c.address, c.observedDigest]));
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: graph.context.project,
    region: graph.context.region,
    account: graph.context.account,
    configFile: relative(process.cwd(), input.configFile) || input.configFile,
    changes,
    nodes,
    observedHash,
    planHash: "",
  };
  plan.planHash = planHashOf(plan);
  return { plan, observations };
}

/**
 * Replaces what goes with a replaced dependency (ResourceHandler.replacedWith): an existing
 * resource planned as unchanged or updated is planned "replace" instead, so apply puts it back
 * after its dependency was re-created. `changes` is in dependency order, so it carries through.
 */
export function replaceTriggered(changes: PlannedChange[], handlers: HandlerRegistry): void {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  for (const change of changes) {
    const kinds = handlerFor(handlers, change.kind).replacedWith;
    if (!kinds || change.observedDigest === null || change.action === "replace") continue;
    const trigger = change.dependsOn
      .map((address) => byAddress.get(address))
      .find((dep) => dep?.action === "replace" && kinds.includes(dep.kind));
    if (!trigger) continue;
    change.action = "replace";
    change.actionReason = "replaced-with-dependency";
    change.reason = `${trigger.address} is replaced, and this goes with it`;
  }
}

/**
 * The plan's hash: everything but the hash itself, where the config file was read from (a PR
 * plan and the merge's apply may run from different working directories) and the cost estimate
 * (prices, not resources).
 */
export function planHashOf(plan: Plan): string {
  const { planHash: _hash, configFile: _file, cost: _cost, ...body } = plan;
  return digest(body);
}

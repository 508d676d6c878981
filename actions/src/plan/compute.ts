// desired graph + live AWS -> Plan. Reads run in parallel (bounded); nothing is changed.
import { relative } from "node:path";
import { mapLimit, semaphore } from "../pool.js";
import type { ManagedResource, StateRecord } from "../apply/state-store.js";
import type { DesiredGraph, GraphContext, Node } from "../graph/graph.js";
import { MANAGED_BY, TAG_MANAGED_BY, TAG_PROJECT, topologicalOrder } from "../graph/graph.js";
import {
  contextFor,
  DEFAULT_ACTION_REASON,
  type Change,
  type HandlerContext,
  type ResourceHandler,
} from "../resources/handler.js";
import { handlerFor, type HandlerRegistry } from "../resources/registry.js";
import { digest } from "../canonical.js";
import { sharingReads } from "./read-cache.js";
import { moveSummary, previousNodes, SERVING_KINDS, type MoveSource } from "./moves.js";
import type { Risk } from "../resources/handler.js";
import { AwsOperationError } from "../aws/errors.js";
import { roleAddress } from "../graph/iam-nodes.js";
import {
  PLAN_FORMAT_VERSION,
  type Plan,
  type PlannedChange,
  type PlannedMove,
  type PlanStage,
} from "./types.js";

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
  const observed = await handlerFor(handlers, node.kind).read(node, contextFor(ctx, node));
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

/**
 * What the config served before it had environments (in the build stage's record): the
 * endpoint and all around it, the Lambda side and its role. Not the build stage's own kinds.
 */
function servedBeforeEnvironments(node: Node): boolean {
  return (
    /^(sagemaker\.(model|endpoint-config|endpoint)|autoscaling\.|cloudwatch\.|logs\.|lambda\.)/.test(
      node.kind,
    ) || node.address === roleAddress("lambda")
  );
}

const keptRecord = (nodes: readonly Node[], until: string[]): PlanStage["kept"] => {
  const endpoint = nodes.find((n) => n.kind === "sagemaker.endpoint");
  return {
    resources: nodes.map((n) => n.address),
    ...(endpoint && { endpoint: endpoint.name }),
    until,
  };
};

/** The build stage's orphans served before environments, while an environment waits. */
async function keptForEnvironments(
  orphans: readonly Node[],
  waitingEnvironments: (() => Promise<string[]>) | undefined,
): Promise<PlanStage["kept"]> {
  const served = orphans.filter(servedBeforeEnvironments);
  if (served.length === 0 || !waitingEnvironments) return undefined;
  const until = await waitingEnvironments();
  return until.length > 0 ? keptRecord(served, until) : undefined;
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
  /** The move this plan makes (moves.ts findMove); may still be on its way, like the state. */
  move?: MoveSource | undefined | Promise<MoveSource | undefined>;
  /** A config with `environments:`: the stage, recorded in the plan. */
  stage?: PlanStage;
  /**
   * The build stage: the environments that do not serve yet, asked only when the record has
   * resources the graph no longer has (what the config served before it had environments).
   * While any waits, those are kept, not deleted: the service does not pause between the build
   * apply and the environments'.
   */
  waitingEnvironments?: () => Promise<string[]>;
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
  const [prepared, state, move] = await Promise.all([
    Promise.all(graph.nodes.map((n) => readWhenReady(preparing.get(n.address) as Promise<Node>))),
    input.state,
    input.move,
  ]);
  const desired = topologicalOrder(prepared);
  const previous = move ? previousNodes(move, desired) : [];
  // A resource the move deletes is not deleted a second time as an orphan of the same record.
  const moving = new Set(previous.map((n) => `${n.kind}|${n.name}`));
  const candidates = orphanNodes(state, desired).filter((n) => !moving.has(`${n.kind}|${n.name}`));
  // The build stage keeps what the config served before environments, unread (its roles need
  // not read it), while an environment does not serve yet.
  let kept = await keptForEnvironments(candidates, input.waitingEnvironments);
  let orphans = candidates.filter((n) => !kept?.resources.includes(n.address));
  let orphanObservations: Observations;
  try {
    orphanObservations = await observe([...orphans, ...previous], handlers, ctx);
  } catch (error) {
    // Every environment serves, but the build stage's roles may not read (nor delete) what
    // the config served before: retiring it is for credentials that may (an administrator's).
    const denied = error instanceof AwsOperationError && error.errorClass === "access-denied";
    if (!input.waitingEnvironments || !denied) throw error;
    kept = keptRecord(candidates.filter(servedBeforeEnvironments), []);
    orphans = candidates.filter((n) => !servedBeforeEnvironments(n));
    orphanObservations = await observe([...orphans, ...previous], handlers, ctx);
  }
  for (const [address, seen] of orphanObservations) observations.set(address, seen);

  const byAddress = new Map(desired.map((n) => [n.address, n]));
  // A sub-resource (an alias, concurrency, scaling, a Function URL) is the tool's when the
  // resource it belongs to is: its first dependency whose kind carries the ownership tags.
  const ownedParent = (node: Node): boolean =>
    node.dependsOn.some((address) => {
      const parent = byAddress.get(address);
      if (!parent) return false;
      const parentHandler = handlerFor(handlers, parent.kind);
      if (parentHandler.ownership !== "tags" && parentHandler.ownership !== "parent") return false;
      const observed = observations.get(address)?.observed;
      return (
        observed !== undefined &&
        isOwned(parentHandler, parent, observed, state, graph.context, ownedParent)
      );
    });
  const changes: PlannedChange[] = desired.map((node): PlannedChange => {
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
    const planned: PlannedChange = {
      ...base,
      action: change.action,
      actionReason: change.actionReason ?? DEFAULT_ACTION_REASON[change.action],
      reason: change.reason,
      changes: change.changes,
      risk: change.risk,
      ...(change.summary !== undefined && { summary: change.summary }),
      ...(change.rollback !== undefined && { rollback: change.rollback }),
    };
    return isOwned(handler, node, seen.observed, state, graph.context, ownedParent)
      ? planned
      : adopting(planned);
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

  // Create before destroy: the old identity's resources go once the new serving path is ready.
  const serving = desired.filter((n) => SERVING_KINDS.has(n.kind)).map((n) => n.address);
  for (const node of previous) {
    const seen = observations.get(node.address);
    if (seen?.observed === undefined || !move) continue;
    changes.push({
      address: node.address,
      kind: node.kind,
      name: node.name,
      action: "delete",
      actionReason: "moved",
      reason: `left behind by the move (${moveSummary(move)}): in ${node.context?.region ?? ""}, of project ${node.context?.project ?? ""}`,
      changes: [],
      risk: handlerFor(handlers, node.kind).deleteRisk ?? [],
      dependsOn: node.dependsOn,
      after: serving,
      observedDigest: seen.digest,
    });
  }

  const nodes = Object.fromEntries(
    [...desired, ...orphans, ...previous].map((n) => [n.address, n]),
  );
  const observedHash = digest(changes.map((c) => [c.address, c.observedDigest]));
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: graph.context.project,
    region: graph.context.region,
    account: graph.context.account,
    configFile: relative(process.cwd(), input.configFile) || input.configFile,
    changes,
    ...(move && { move: plannedMove(move, changes) }),
    nodes,
    observedHash,
    ...(input.stage !== undefined && { stage: kept ? { ...input.stage, kept } : input.stage }),
    planHash: "",
  };
  plan.planHash = planHashOf(plan);
  return { plan, observations };
}

/** The move as the plan shows it: its header, and the risks of all it changes. */
function plannedMove(move: MoveSource, changes: readonly PlannedChange[]): PlannedMove {
  const risk = new Set<Risk>(["replaces"]);
  for (const c of changes) for (const r of c.risk) risk.add(r);
  return {
    from: move.from,
    to: move.to,
    summary: moveSummary(move),
    risk: [...risk].sort(),
    fromState: move.fromState,
    leftovers: move.leftovers,
  };
}

/**
 * Whether the tool made this existing resource: the state record lists it (at its address, by
 * its name), or (kinds with tags) it carries the ownership tags of this project, or
 * (sub-resources without tags) the resource it belongs to is the tool's. Kinds without
 * `ownership` are content the tool writes and always count as its own.
 */
export function isOwned(
  handler: Pick<ResourceHandler, "ownership">,
  node: Node,
  observed: unknown,
  state: StateRecord,
  context: GraphContext,
  ownedParent: (node: Node) => boolean,
): boolean {
  if (handler.ownership === undefined) return true;
  // The record owns what it lists under that name: another resource put at the same address
  // (a config that now names a hand-made one) is not owned because the address was.
  if (state.resources[node.address]?.name === node.name) return true;
  // Infrastructure several projects share (a state bucket of its own) is nobody's to adopt.
  if ((node.spec as { shared?: boolean }).shared === true) return true;
  if (handler.ownership === "parent") return ownedParent(node);
  const tags = (observed as { tags?: Record<string, string> }).tags ?? {};
  return tags[TAG_MANAGED_BY] === MANAGED_BY && tags[TAG_PROJECT] === context.project;
}

/**
 * What the plan says of a resource someone else made: "adopt", with the differences the
 * handler found (what taking it over changes). A refusal stays a refusal.
 */
function adopting(change: PlannedChange): PlannedChange {
  if (change.actionReason === "needs-human") return change;
  return {
    ...change,
    action: "adopt",
    actionReason: "not-owned",
    adoptWith: change.action === "replace" ? "replace" : "update",
    reason: `exists but was not made by mlops (no ownership tags, not in the state record); adopting it: ${change.reason}`,
    risk: [...new Set([...change.risk, "adopts" as const])],
  };
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
    if (!kinds || change.observedDigest === null || replaces(change)) continue;
    const trigger = change.dependsOn
      .map((address) => byAddress.get(address))
      .find((dep) => dep !== undefined && replaces(dep) && kinds.includes(dep.kind));
    if (!trigger) continue;
    if (change.action === "adopt") {
      // Still an adoption (apply asks for the opt-in); taking it over means putting it back.
      change.adoptWith = "replace";
      continue;
    }
    change.action = "replace";
    change.actionReason = "replaced-with-dependency";
    change.reason = `${trigger.address} is replaced, and this goes with it`;
  }
}

/** Whether apply deletes and re-creates the resource (an adoption may, too). */
const replaces = (change: PlannedChange): boolean =>
  change.action === "replace" || change.adoptWith === "replace";

/**
 * The plan's hash: everything but the hash itself, where the config file was read from (a PR
 * plan and the merge's apply may run from different working directories) and the cost estimate
 * (prices, not resources).
 */
export function planHashOf(plan: Plan): string {
  const { planHash: _hash, configFile: _file, cost: _cost, ...body } = plan;
  return digest(body);
}

// One apply: take the lock, compute (or verify) the plan against live AWS, ask, execute,
// record the result in the state record, release the lock — whatever happens in between.
import type { Node } from "../graph/graph.js";
import { computePlan, observe, planHashOf, type Observations } from "../plan/compute.js";
import { checkDataRegion } from "../plan/data-region.js";
import { stageInput } from "../plan/run-plan.js";
import { currentIdentity, findMove, originalAddress } from "../plan/moves.js";
import { adoptions, hasChanges, type Plan, type PlannedChange } from "../plan/types.js";
import { removeLeftovers } from "../cli/destroy-leftovers.js";
import type { StepResult as Step } from "./execute.js";
import { handlerFor } from "../resources/registry.js";
import type { Session } from "../session.js";
import { executePlan, type ExecuteOptions, type StepResult } from "./execute.js";
import { acquireLock } from "./lock.js";
import { emptyState, type StateRecord } from "./state-store.js";
import { recordServed } from "../environments/served.js";
import { pollInterval } from "../wait.js";
import { OperationalError } from "../operational-errors.js";

export class PlanMismatchError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "PlanMismatchError";
  }
}

export interface ApplyOptions {
  /** Apply exactly this plan (from `mlops plan --out`); refuse if live state moved. */
  plan?: Plan;
  /**
   * Take over resources the tool did not make (the plan's "adopt" changes). Without it, a plan
   * with adoptions is refused before anything changes.
   */
  adopt?: boolean;
  /** Asked before changing anything; false aborts. */
  confirm: (plan: Plan) => Promise<boolean>;
  operation?: string;
  execute?: Partial<ExecuteOptions>;
  /** Narrows the desired graph (e.g. `mlops sync` works on the data nodes alone). */
  selectNodes?: (nodes: readonly Node[]) => Node[];
  /** Rewrites the computed plan (e.g. destroy turns it into deletions); its hash is redone. */
  transform?: (plan: Plan) => Plan;
  /**
   * Runs under the lock once the plan is applied without failures, or had nothing to change
   * (destroy removes there what the project left behind outside the graph).
   */
  afterApply?: () => Promise<void>;
  /**
   * Refuse training data in another region before anything is created (default true; destroy
   * creates nothing and must work whatever the bucket's region).
   */
  checkDataRegion?: boolean;
}

export interface ApplyResult {
  plan: Plan;
  applied: boolean;
  steps: StepResult[];
  ok: boolean;
}

/** How often the executor looks at a resource it waits for: readiness noticed within 5 s. */
export const EXECUTOR_POLL_MS = 5_000;

const DEFAULT_EXECUTE: Omit<ExecuteOptions, "onStepDone" | "pollIntervalMs"> = {
  concurrency: 8,
  retryDeadlineMs: 3 * 60_000,
  waitDeadlineMs: 90 * 60_000,
};

export async function runApply(session: Session, options: ApplyOptions): Promise<ApplyResult> {
  const { ctx, config } = session;
  await session.accountConfirmed; // nothing is changed in an account STS has not confirmed
  if (options.checkDataRegion !== false) await checkDataRegion(session);
  const bootstrapped = await bootstrapStateBucket(session, options);
  const lock = await acquireLock(session.lock, {
    operation: options.operation ?? "apply",
    waitSeconds: config.state.lockTimeoutSeconds,
    ttlSeconds: config.state.lockTtlSeconds,
    clock: ctx.clock,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  try {
    // Read again now that we hold the lock: another apply may have finished since we looked.
    const state = await session.state.read({ fresh: true });
    let plan: Plan;
    let observations: Observations;
    if (options.plan) {
      observations = await verifyPlan(session, options.plan, bootstrapped);
      // The state bucket this run bootstrapped is already what the plan wanted.
      plan = {
        ...options.plan,
        changes: options.plan.changes.map((c) =>
          c.address === bootstrapped ? { ...c, action: "noop" } : c,
        ),
      };
    } else {
      ({ plan, observations } = await freshPlan(session, options, state));
    }
    if (!hasChanges(plan)) {
      await options.afterApply?.();
      await recordApplied(session, plan, [], options.selectNodes === undefined);
      return { plan, applied: false, steps: [], ok: true };
    }
    if (options.adopt !== true) refuseAdoptions(plan);
    if (!(await options.confirm(plan))) return { plan, applied: false, steps: [], ok: true };
    await recordMoveStart(session, plan);

    const steps = await executePlan(plan, observations, session.handlers, ctx, {
      ...DEFAULT_EXECUTE,
      pollIntervalMs: pollInterval(EXECUTOR_POLL_MS),
      ...options.execute,
      onStepStarted: (change, node) => recordManaged(session, change, node),
      onStepDone: async (change, node) => {
        if (change.action === "delete" && deletesState(session, node)) return;
        await recordManaged(session, change, node);
      },
    });
    const ok = steps.every((s) => s.status === "done");
    if (ok && plan.move) {
      const region = plan.move.from.region;
      const clients =
        region === session.graph.context.region || !ctx.clientsIn
          ? ctx.clients
          : ctx.clientsIn(region);
      for (const line of await removeLeftovers(clients.sagemaker, plan.move.leftovers))
        ctx.logger.info(line);
    }
    if (ok) await options.afterApply?.();
    const stateGone = plan.changes.some(
      (c) => c.action === "delete" && deletesState(session, plan.nodes[c.address]),
    );
    if (ok && !stateGone) {
      await recordApplied(session, plan, steps, options.selectNodes === undefined);
      await session.state.update((record) => (record.lastAppliedPlanHash = plan.planHash));
    }
    const deployed = plan.stage?.deploys;
    if (ok && deployed) await recordServed(session.state, deployed, new Date(ctx.clock.now()));
    return { plan, applied: true, steps, ok };
  } finally {
    await lock.release();
  }
}

export class AdoptionRefusedError extends OperationalError {
  override name = "AdoptionRefusedError";
}

/**
 * Adoption is asked for per apply (`mlops apply --adopt`, the apply action's `adopt` input): it
 * happens once, after a reviewer saw the plan's adoptions, so it is no lasting config setting.
 */
function refuseAdoptions(plan: Plan): void {
  const adopted = adoptions(plan);
  if (adopted.length === 0) return;
  const lines = adopted.map((c) => `  ${c.address} (${c.name}): ${c.reason}`);
  throw new AdoptionRefusedError(
    `the plan adopts ${adopted.length} resource(s) that mlops did not make; nothing was changed:\n${lines.join("\n")}\n` +
      "Review what adopting changes (mlops plan), then apply with --adopt (the apply action: adopt: true).",
  );
}

/**
 * Re-reads everything the plan was computed from and refuses, naming each difference, if the
 * live state is not what the plan saw (or if the plan file was edited).
 */
async function verifyPlan(
  session: Session,
  plan: Plan,
  bootstrapped: string | undefined,
): Promise<Observations> {
  if (planHashOf(plan) !== plan.planHash) {
    throw new PlanMismatchError(
      "the plan file does not match its own hash: it was edited or is corrupt; make a new plan",
    );
  }
  if (
    plan.project !== session.config.project ||
    plan.account !== session.graph.context.account ||
    plan.region !== session.config.region
  ) {
    throw new PlanMismatchError(
      `the plan is for ${plan.project} in ${plan.account}/${plan.region}, not ${session.config.project} in ${session.graph.context.account}/${session.config.region}`,
    );
  }
  const nodes = plan.changes.map((c) => plan.nodes[c.address]).filter((n) => n !== undefined);
  for (const node of nodes) handlerFor(session.handlers, node.kind);
  const observations = await observe(nodes, session.handlers, session.ctx);
  const moved = plan.changes.filter(
    (c) =>
      c.address !== bootstrapped &&
      (observations.get(c.address)?.digest ?? null) !== c.observedDigest,
  );
  if (moved.length > 0) {
    const lines = moved.map((c) => {
      const now = observations.get(c.address)?.digest ?? null;
      const was = c.observedDigest === null ? "absent" : "present";
      const is =
        now === null ? "absent" : now === c.observedDigest ? "unchanged" : "present, changed";
      return `  ${c.address}: was ${was} when planned, now ${is}`;
    });
    throw new PlanMismatchError(
      `live AWS state changed since the plan was made (plan ${plan.planHash.slice(0, 12)}); nothing was applied:\n${lines.join("\n")}\nMake a new plan and review it.`,
    );
  }
  return observations;
}

/**
 * The state record's entry for a resource the tool makes, changes or (delete) removes; a step of
 * a move on the old identity's resource (`previous:`) updates what the move has left to delete.
 */
async function recordManaged(session: Session, change: PlannedChange, node: Node): Promise<void> {
  const moved = originalAddress(change.address);
  if (moved !== undefined) {
    if (change.action !== "delete") return;
    await session.state.update((record) => {
      if (!record.moveFrom) return;
      const { [moved]: _deleted, ...left } = record.moveFrom.resources;
      record.moveFrom.resources = left;
    });
    return;
  }
  await session.state.update((record) => {
    const { [change.address]: _previous, ...others } = record.resources;
    record.resources = others;
    if (change.action !== "delete")
      record.resources[change.address] = {
        kind: node.kind,
        name: node.name,
        spec: node.spec,
        dependsOn: node.dependsOn,
      };
  });
}

/**
 * Before a move's first step: the old identity's resources still to delete, so an interrupted
 * move is finished by the next apply (a move already in progress keeps its record).
 */
async function recordMoveStart(session: Session, plan: Plan): Promise<void> {
  const move = plan.move;
  if (!move) return;
  const resources = Object.fromEntries(
    plan.changes.flatMap((c) => {
      const address = originalAddress(c.address);
      const node = plan.nodes[c.address];
      if (address === undefined || !node) return [];
      return [
        [
          address,
          {
            kind: node.kind,
            name: node.name,
            spec: node.spec,
            dependsOn: node.dependsOn.map((d) => originalAddress(d) ?? d),
          },
        ],
      ];
    }),
  );
  await session.state.update((record) => {
    record.moveFrom ??= { from: move.from, state: move.fromState, resources };
  });
}

/**
 * After a successful apply (or one with nothing to change): the record lists every resource the
 * graph has that exists, whether or not this plan changed it, remembers the identity it was
 * applied with, and a finished move is no longer in progress (`whole`: the plan was of the whole
 * graph, not of the data alone).
 */
async function recordApplied(
  session: Session,
  plan: Plan,
  steps: readonly Step[],
  whole: boolean,
): Promise<void> {
  const done = new Map(steps.map((s) => [s.address, s.status]));
  const existing = plan.changes.filter(
    (c) =>
      originalAddress(c.address) === undefined &&
      c.action !== "delete" &&
      (c.action === "noop" ? c.observedDigest !== null : done.get(c.address) === "done"),
  );
  await session.state.update((record) => {
    for (const change of existing) {
      const node = plan.nodes[change.address];
      if (!node) continue;
      record.resources[change.address] = {
        kind: node.kind,
        name: node.name,
        spec: node.spec,
        dependsOn: node.dependsOn,
      };
    }
    if (!whole) return;
    record.identity = currentIdentity(session);
    delete record.moveFrom;
  });
}

/** Whether deleting this node deletes the state record (and lock) with it. */
function deletesState(session: Session, node: Node | undefined): boolean {
  return node?.kind === "s3.bucket" && node.name === session.lock.bucket;
}

/** The plan of the config as it is now (narrowed and rewritten as the command asks). */
async function freshPlan(
  session: Session,
  options: ApplyOptions,
  state: StateRecord,
): Promise<{ plan: Plan; observations: Observations }> {
  const graph = options.selectNodes
    ? { ...session.graph, nodes: options.selectNodes(session.graph.nodes) }
    : session.graph;
  const planned = await computePlan({
    graph,
    state: options.selectNodes ? { ...state, resources: {} } : state,
    // A narrowed graph (the data alone) is no place to move the whole project.
    move: options.selectNodes ? undefined : await findMove(session, state),
    handlers: session.handlers,
    ctx: session.ctx,
    configFile: session.config.file,
    // Destroy deletes what the config served before environments too, whoever still waits.
    ...(options.operation === "destroy"
      ? session.stage && { stage: session.stage }
      : stageInput(session)),
  });
  if (!options.transform) return planned;
  const plan = options.transform(planned.plan);
  plan.planHash = planHashOf(plan);
  return { plan, observations: planned.observations };
}

/** The lock lives in the state bucket, so the very first apply creates that bucket first. */
async function bootstrapStateBucket(
  session: Session,
  options: ApplyOptions,
): Promise<string | undefined> {
  const { ctx } = session;
  const node = session.graph.nodes.find(
    (n) => n.kind === "s3.bucket" && n.name === session.lock.bucket,
  );
  if (!node) return undefined;
  const handler = handlerFor(session.handlers, node.kind);
  if ((await handler.read(node, ctx)) !== undefined) return undefined;
  // A plan apply would refuse changes nothing, this bucket included. No bucket, no record yet.
  if (options.adopt !== true)
    refuseAdoptions(options.plan ?? (await freshPlan(session, options, emptyState())).plan);
  ctx.logger.info(`creating the state bucket ${node.name} first: the lock lives there`);
  await handler.create(node, ctx);
  return node.address;
}

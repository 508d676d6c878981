// One apply: take the lock, compute (or verify) the plan against live AWS, ask, execute,
// record the result in the state record, release the lock — whatever happens in between.
import type { Node } from "../graph/graph.js";
import { computePlan, observe, planHashOf, type Observations } from "../plan/compute.js";
import { hasChanges, type Plan } from "../plan/types.js";
import { handlerFor } from "../resources/registry.js";
import type { Session } from "../session.js";
import { executePlan, type ExecuteOptions, type StepResult } from "./execute.js";
import { acquireLock } from "./lock.js";
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
  const bootstrapped = await bootstrapStateBucket(session);
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
      const graph = options.selectNodes
        ? { ...session.graph, nodes: options.selectNodes(session.graph.nodes) }
        : session.graph;
      ({ plan, observations } = await computePlan({
        graph,
        state: options.selectNodes ? { ...state, resources: {} } : state,
        handlers: session.handlers,
        ctx,
        configFile: config.file,
        ...(session.stage && { stage: session.stage }),
      }));
      if (options.transform) {
        plan = options.transform(plan);
        plan.planHash = planHashOf(plan);
      }
    }
    if (!hasChanges(plan)) {
      await options.afterApply?.();
      return { plan, applied: false, steps: [], ok: true };
    }
    if (!(await options.confirm(plan))) return { plan, applied: false, steps: [], ok: true };

    const steps = await executePlan(plan, observations, session.handlers, ctx, {
      ...DEFAULT_EXECUTE,
      pollIntervalMs: pollInterval(EXECUTOR_POLL_MS),
      ...options.execute,
      onStepDone: async (change, node) => {
        if (change.action === "delete" && deletesState(session, node)) return;
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
      },
    });
    const ok = steps.every((s) => s.status === "done");
    if (ok) await options.afterApply?.();
    const stateGone = plan.changes.some(
      (c) => c.action === "delete" && deletesState(session, plan.nodes[c.address]),
    );
    if (ok && !stateGone)
      await session.state.update((record) => (record.lastAppliedPlanHash = plan.planHash));
    const deployed = plan.stage?.deploys;
    if (ok && deployed) await recordServed(session.state, deployed, new Date(ctx.clock.now()));
    return { plan, applied: true, steps, ok };
  } finally {
    await lock.release();
  }
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

/** Whether deleting this node deletes the state record (and lock) with it. */
function deletesState(session: Session, node: Node | undefined): boolean {
  return node?.kind === "s3.bucket" && node.name === session.lock.bucket;
}

/** The lock lives in the state bucket, so the very first apply creates that bucket first. */
async function bootstrapStateBucket(session: Session): Promise<string | undefined> {
  const { ctx } = session;
  const node = session.graph.nodes.find(
    (n) => n.kind === "s3.bucket" && n.name === session.lock.bucket,
  );
  if (!node) return undefined;
  const handler = handlerFor(session.handlers, node.kind);
  if ((await handler.read(node, ctx)) !== undefined) return undefined;
  ctx.logger.info(`creating the state bucket ${node.name} first: the lock lives there`);
  await handler.create(node, ctx);
  return node.address;
}

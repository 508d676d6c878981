// Executes a plan: dependency order, independent nodes concurrently (bounded), busy errors
// retried, long operations waited for. A failed node skips what depends on it and nothing
// else; an abort (SIGINT/SIGTERM) stops starting new work and lets in-flight work finish.
import { AwsOperationError } from "../aws/errors.js";
import { retryBusy } from "../aws/retry.js";
import type { Node } from "../graph/graph.js";
import type { Observations } from "../plan/compute.js";
import { reasonText, type Plan, type PlannedChange } from "../plan/types.js";
import {
  contextFor,
  type Change,
  type HandlerContext,
  type ResourceHandler,
} from "../resources/handler.js";
import { handlerFor, type HandlerRegistry } from "../resources/registry.js";
import { formatElapsed, waitIn } from "../wait.js";

export type StepStatus = "done" | "failed" | "skipped" | "not-started";

export interface StepResult {
  address: string;
  action: PlannedChange["action"];
  status: StepStatus;
  durationMs: number;
  error?: string;
  /** What the resource looks like after the step (undefined after a delete). */
  observed?: unknown;
}

export interface ExecuteOptions {
  concurrency: number;
  /** How long busy/throttled errors are retried per call. */
  retryDeadlineMs: number;
  /** How long a resource may take to become ready. */
  waitDeadlineMs: number;
  pollIntervalMs: number;
  /** Called after each successful step, e.g. to record it in the state. */
  onStepDone?: (change: PlannedChange, node: Node, observed: unknown) => Promise<void>;
  /**
   * Called before a step that makes or changes a resource: a step that fails halfway (a create
   * whose resource exists but never became ready) still leaves a resource the tool made, which
   * the next plan must not take for someone else's.
   */
  onStepStarted?: (change: PlannedChange, node: Node) => Promise<void>;
}

export async function executePlan(
  plan: Plan,
  observations: Observations,
  handlers: HandlerRegistry,
  ctx: HandlerContext,
  options: ExecuteOptions,
): Promise<StepResult[]> {
  const changes = plan.changes;
  const waitsOn = dependencyEdges(changes);
  const results = new Map<string, StepResult>();
  const pending = new Set(changes.map((c) => c.address));
  const running = new Map<string, Promise<void>>();

  const startable = (c: PlannedChange): "yes" | "no" | "skip" => {
    const deps = waitsOn.get(c.address) ?? [];
    if (
      deps.some((d) => ["failed", "skipped", "not-started"].includes(results.get(d)?.status ?? ""))
    )
      return "skip";
    return deps.every((d) => results.get(d)?.status === "done") ? "yes" : "no";
  };

  while (pending.size > 0 || running.size > 0) {
    for (const change of changes) {
      if (!pending.has(change.address) || running.size >= options.concurrency) continue;
      if (ctx.signal.aborted) {
        pending.delete(change.address);
        results.set(change.address, {
          address: change.address,
          action: change.action,
          status: "not-started",
          durationMs: 0,
        });
        continue;
      }
      const verdict = startable(change);
      if (verdict === "no") continue;
      pending.delete(change.address);
      if (verdict === "skip") {
        ctx.logger.warn(
          `${change.address}: skipped because something it depends on did not complete`,
        );
        results.set(change.address, {
          address: change.address,
          action: change.action,
          status: "skipped",
          durationMs: 0,
        });
        continue;
      }
      const task = runStep(change, plan, observations, handlers, ctx, options).then((r) => {
        results.set(change.address, r);
        running.delete(change.address);
      });
      running.set(change.address, task);
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (
      pending.size > 0 &&
      ![...pending].some(
        (a) => startable(changes.find((c) => c.address === a) as PlannedChange) !== "no",
      )
    ) {
      // Internal invariant: plans come from computePlan, and a saved plan is applied only if its hash matches.
      throw new Error(`plan has unsatisfiable dependencies: ${[...pending].join(", ")}`);
    }
  }
  return changes.map((c) => results.get(c.address) as StepResult);
}

/**
 * What each step waits for: creates and updates wait for their dependencies; deletes wait
 * for the deletion of whatever depended on them (reverse order); any step waits for its `after`.
 */
function dependencyEdges(changes: readonly PlannedChange[]): Map<string, string[]> {
  const inPlan = new Map(changes.map((c) => [c.address, c]));
  const edges = new Map<string, string[]>();
  for (const c of changes) {
    const after = (c.after ?? []).filter((a) => inPlan.has(a));
    if (c.action === "delete") {
      const dependents = changes
        .filter((o) => o.action === "delete" && o.dependsOn.includes(c.address))
        .map((o) => o.address);
      edges.set(c.address, [...dependents, ...after]);
    } else {
      edges.set(c.address, [
        ...c.dependsOn.filter((d) => inPlan.has(d) && inPlan.get(d)?.action !== "delete"),
        ...after,
      ]);
    }
  }
  return edges;
}

async function runStep(
  change: PlannedChange,
  plan: Plan,
  observations: Observations,
  handlers: HandlerRegistry,
  runCtx: HandlerContext,
  options: ExecuteOptions,
): Promise<StepResult> {
  const started = runCtx.clock.now();
  const node = plan.nodes[change.address];
  const ctx = node ? contextFor(runCtx, node) : runCtx;
  const base = { address: change.address, action: change.action };
  if (!node)
    return {
      ...base,
      status: "failed",
      durationMs: 0,
      error: "the plan has no node for this address",
    };
  const handler = handlerFor(handlers, change.kind);
  const observed = observations.get(change.address)?.observed;
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retryBusy(what, fn, {
      deadlineMs: options.retryDeadlineMs,
      clock: ctx.clock,
      signal: ctx.signal,
      onRetry: (attempt, error, delay) => {
        ctx.logger.info(
          `${change.address}: busy (${(error as Error).name}: ${(error as Error).message}); retry ${attempt} in ${formatElapsed(delay)}`,
        );
      },
    });

  try {
    let after: unknown;
    if (change.action !== "noop" && change.action !== "delete")
      await options.onStepStarted?.(change, node);
    // An adoption (allowed: run-apply refuses it otherwise) is the update or replace it needs.
    switch (change.action === "adopt" ? (change.adoptWith ?? "update") : change.action) {
      case "noop":
        return { ...base, status: "done", durationMs: 0, observed };
      case "create":
        ctx.logger.info(`+ ${change.address}: creating ${node.name}`);
        after = await retry(`creating ${change.address}`, resumableCreate(handler, node, ctx));
        break;
      case "replace":
        // Immutable properties changed: the old resource goes, then the new one is created.
        ctx.logger.info(`-/+ ${change.address}: replacing ${node.name} (${change.reason})`);
        await retry(`deleting ${change.address} to replace it`, () =>
          handler.delete(node, observed, ctx),
        );
        after = await retry(`re-creating ${change.address}`, resumableCreate(handler, node, ctx));
        break;
      case "update":
      case "train":
      case "wait": {
        if (observed === undefined) {
          // "train" for a run that never happened: bringing it into being is a create.
          ctx.logger.info(`* ${change.address}: ${change.action} ${node.name}`);
          after = await retry(
            `${change.action} ${change.address}`,
            resumableCreate(handler, node, ctx),
          );
          break;
        }
        ctx.logger.info(
          `~ ${change.address}: ${change.action} ${node.name} (${reasonText(change)})`,
        );
        const asChange: Change = {
          action: "update",
          actionReason: change.actionReason,
          reason: change.reason,
          changes: change.changes,
          risk: change.risk,
        };
        after = await retry(`updating ${change.address}`, () =>
          handler.update(node, observed, asChange, ctx),
        );
        break;
      }
      case "delete":
        ctx.logger.info(`- ${change.address}: deleting ${node.name}`);
        await retry(`deleting ${change.address}`, () => handler.delete(node, observed, ctx));
        after = undefined;
        break;
    }
    if (after !== undefined && handler.status)
      after = await waitUntilReady(handler, node, after, ctx, options);
    await options.onStepDone?.(change, node, after);
    const durationMs = ctx.clock.now() - started;
    ctx.logger.info(`  ${change.address}: ${change.action} done in ${formatElapsed(durationMs)}`);
    return { ...base, status: "done", durationMs, observed: after };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      error instanceof AwsOperationError && error.errorClass === "access-denied"
        ? " (check the deploy role's policy: mlops iam-policy --for deploy)"
        : "";
    ctx.logger.error(`${change.address}: ${message}${hint}`);
    return {
      ...base,
      status: "failed",
      durationMs: ctx.clock.now() - started,
      error: message + hint,
    };
  }
}

/**
 * A create is several calls (create, then configure, tag, attach...). When a later call fails
 * with a busy error, the retry must not create again (EntityAlreadyExists,
 * BucketAlreadyOwnedByYou): from the second attempt on, it reads what the first one left and
 * finishes it with an update.
 */
function resumableCreate(
  handler: ResourceHandler,
  node: Node,
  ctx: HandlerContext,
): () => Promise<unknown> {
  let attempted = false;
  return async () => {
    if (attempted) {
      const existing = await handler.read(node, ctx);
      if (existing !== undefined) {
        const change = handler.diff(node, existing);
        if (change.action === "noop") return existing;
        if (change.action === "update" || change.action === "wait")
          return handler.update(node, existing, change, ctx);
        await handler.delete(node, existing, ctx);
      }
    }
    attempted = true;
    return handler.create(node, ctx);
  };
}

async function waitUntilReady(
  handler: ResourceHandler,
  node: Node,
  current: unknown,
  ctx: HandlerContext,
  options: ExecuteOptions,
): Promise<unknown> {
  const status = handler.status?.bind(handler);
  if (!status || status(current) === "ready") return current;
  return waitIn(ctx, {
    what: node.address,
    poll: async () => handler.read(node, ctx),
    status: (o) => (o === undefined ? "failed" : status(o)),
    describe: (o) => (o === undefined ? "disappeared" : describeStatus(o)),
    intervalMs: options.pollIntervalMs,
    deadlineMs: options.waitDeadlineMs,
  });
}

function describeStatus(observed: unknown): string {
  if (observed && typeof observed === "object") {
    const o = observed as Record<string, unknown>;
    const parts = [o["status"], o["secondaryStatus"], o["failureReason"]].filter(
      (p) => typeof p === "string" && p.length > 0,
    );
    if (parts.length > 0) return parts.join(" / ");
  }
  return "in progress";
}

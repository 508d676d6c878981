// apply-critical-path: the real executor (executePlan) applying the example config's real graph
// (config/mlops.yaml, built by buildGraph: same nodes and dependencies) from nothing, with fake
// handlers whose steps take scripted durations on a virtual clock: every sleep and poll of the
// executor, of our waitFor and of the handlers is a timer on that clock, and time jumps to the
// next timer once all work is idle. So the figures are exact and independent of the machine:
//   - overlap: the sum of step durations against the wall time, and the wall time against the
//     critical path (the longest dependency chain of scripted durations): independent work
//     (data sync, IAM, the Lambda build) runs side by side;
//   - readiness: the lag between a scripted status change (training Completed, endpoint
//     InService, provisioned concurrency READY) and the executor noticing it, over several
//     phases of the status change against the poll timer (max reported).
// Polling as in the product: the executor's status() waits poll every 5 s (run-apply.ts's
// DEFAULT_EXECUTE.pollIntervalMs); a SageMaker training job is waited for inside its handler
// every TRAINING_POLL_MS (sagemaker-runner.ts).
//
// --train-s / BENCH_TRAIN_S (default 1200), --endpoint-s / BENCH_ENDPOINT_S (default 480).
import { waitFor } from "../../actions/src/wait.js";
import { executePlan, type StepResult } from "../../actions/src/apply/execute.js";
import type { Clock } from "../../actions/src/clock.js";
import { loadConfig } from "../../actions/src/config/load.js";
import { silentLogger } from "../../actions/src/logger.js";
import { buildGraph } from "../../actions/src/graph/build-graph.js";
import type { Node } from "../../actions/src/graph/graph.js";
import { PLAN_FORMAT_VERSION, type Plan } from "../../actions/src/plan/types.js";
import type { HandlerContext, ResourceHandler } from "../../actions/src/resources/handler.js";
import type { HandlerRegistry } from "../../actions/src/resources/registry.js";
import { ratio, report, setting, target } from "../lib/common.js";
// The product's own poll intervals, so the simulation follows it.
import { EXECUTOR_POLL_MS } from "../../actions/src/apply/run-apply.js";
import { TRAINING_POLL_MS } from "../../actions/src/training/sagemaker-runner.js";
import { EXAMPLE_CONFIG } from "../lib/example-config.js";

const READINESS_LIMIT_MS = 10_000;
const TRAIN_S = setting("train-s", "BENCH_TRAIN_S", 1200);
const ENDPOINT_S = setting("endpoint-s", "BENCH_ENDPOINT_S", 480);

/** Scripted seconds per kind: [work before the resource exists, time until it is ready]. */
interface Step {
  work: number;
  until?: number;
  waits?: "executor" | "handler";
}
const SCRIPT: Record<string, Step> = {
  "s3.bucket": { work: 2 },
  "s3.dataset": { work: 60 }, // hashing and uploading 8,351 images
  "iam.role": { work: 12 }, // create, put policy, wait for IAM to propagate
  "iam.instance-profile": { work: 5 },
  "logs.log-group": { work: 1 },
  "lambda.function": { work: 10 }, // bundle zip + CreateFunction + wait Active
  "lambda.alias": { work: 3 }, // PublishVersion + CreateAlias
  "lambda.reserved-concurrency": { work: 1 },
  "lambda.provisioned-concurrency": { work: 1, until: 90, waits: "executor" },
  "training.run": { work: 5, until: TRAIN_S, waits: "handler" }, // upload source, CreateTrainingJob
  "sagemaker.model": { work: 2 },
  "sagemaker.endpoint-config": { work: 1 },
  "sagemaker.endpoint": { work: 2, until: ENDPOINT_S, waits: "executor" },
  "autoscaling.variant": { work: 3 },
};
const DEFAULT_STEP: Step = { work: 2 };

/** A clock whose time only moves when every task is waiting on one of its timers. */
class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: { at: number; seq: number; fire: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), seq: this.#seq++, fire: resolve });
    });
  }

  async run<T>(work: Promise<T>): Promise<T> {
    const state = { settled: false };
    const watched = work.finally(() => {
      state.settled = true;
    });
    for (;;) {
      // Let every promise chain run until it waits on a timer (no real I/O happens here).
      await new Promise((r) => setImmediate(r));
      if (state.settled) return watched;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (next === undefined) throw new Error("virtual clock: nothing to wait for, work not done");
      this.#now = next.at;
      next.fire();
    }
  }
}

interface Observed {
  status: "pending" | "ready";
  readyAt: number;
}

interface Trace {
  readyAt: Map<string, number>;
  noticedAt: Map<string, number>;
  started: Map<string, number>;
}

function fakeHandler(
  kind: string,
  clock: VirtualClock,
  trace: Trace,
  phase: number,
): ResourceHandler {
  const script = SCRIPT[kind] ?? DEFAULT_STEP;
  // The status change lands `phase` (0..1) of a poll interval after a whole number of polls.
  const interval = script.waits === "handler" ? TRAINING_POLL_MS : EXECUTOR_POLL_MS;
  const untilMs =
    script.until === undefined
      ? 0
      : Math.floor((script.until * 1000) / interval) * interval + phase * interval;
  const look = (node: Node): Observed => {
    const readyAt = trace.readyAt.get(node.address) ?? Number.POSITIVE_INFINITY;
    const ready = clock.now() >= readyAt;
    if (ready && !trace.noticedAt.has(node.address)) trace.noticedAt.set(node.address, clock.now());
    return { status: ready ? "ready" : "pending", readyAt };
  };
  const handler: ResourceHandler = {
    kind,
    read: (node) => Promise.resolve(trace.readyAt.has(node.address) ? look(node) : undefined),
    diff: () => ({ action: "noop", reason: "", changes: [], risk: [] }),
    async create(node: Node, ctx: HandlerContext) {
      trace.started.set(node.address, clock.now());
      await clock.sleep(script.work * 1000);
      trace.readyAt.set(node.address, clock.now() + untilMs);
      if (script.waits === "handler") {
        // As sagemaker-runner.ts's waitForJob: our waitFor at TRAINING_POLL_MS.
        return waitFor({
          what: node.address,
          poll: () => Promise.resolve(look(node)),
          status: (o) => o.status,
          describe: (o) => o.status,
          intervalMs: TRAINING_POLL_MS,
          deadlineMs: 10 * 3600_000,
          clock,
          logger: ctx.logger,
        });
      }
      return look(node);
    },
    update: () => Promise.reject(new Error("not scripted")),
    delete: () => Promise.resolve(),
  };
  if (script.waits === "executor") handler.status = (o) => (o as Observed).status;
  return handler;
}

async function simulate(nodes: Node[], phase: number) {
  const clock = new VirtualClock();
  const trace: Trace = { readyAt: new Map(), noticedAt: new Map(), started: new Map() };
  const kinds = [...new Set(nodes.map((n) => n.kind))];
  const handlers: HandlerRegistry = Object.fromEntries(
    kinds.map((k) => [k, fakeHandler(k, clock, trace, phase)]),
  );
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: "bench",
    region: "us-east-1",
    account: "123456789012",
    configFile: EXAMPLE_CONFIG,
    changes: nodes.map((n) => ({
      address: n.address,
      kind: n.kind,
      name: n.name,
      action: n.kind === "training.run" ? "train" : "create",
      actionReason: "missing",
      reason: "does not exist yet",
      changes: [],
      risk: [],
      dependsOn: n.dependsOn,
      observedDigest: null,
    })),
    nodes: Object.fromEntries(nodes.map((n) => [n.address, n])),
    observedHash: "",
    planHash: "",
  };
  const ctx: HandlerContext = {
    clients: {} as HandlerContext["clients"],
    logger: silentLogger,
    clock,
    graph: { project: "bench", region: "us-east-1", account: "123456789012", partition: "aws" },
    signal: new AbortController().signal,
    cacheDir: "/nonexistent",
  };
  const steps: StepResult[] = await clock.run(
    executePlan(plan, new Map(), handlers, ctx, {
      concurrency: 8, // run-apply.ts DEFAULT_EXECUTE.concurrency
      retryDeadlineMs: 180_000,
      waitDeadlineMs: 90 * 60_000,
      pollIntervalMs: EXECUTOR_POLL_MS,
    }),
  );
  return { wallMs: clock.now(), steps, trace };
}

/** Scripted duration of a node's step: its work plus the time until it is ready. */
function scripted(node: Node, phase: number): number {
  const s = SCRIPT[node.kind] ?? DEFAULT_STEP;
  const interval = s.waits === "handler" ? TRAINING_POLL_MS : EXECUTOR_POLL_MS;
  const until =
    s.until === undefined
      ? 0
      : Math.floor((s.until * 1000) / interval) * interval + phase * interval;
  return s.work * 1000 + until;
}

function criticalPath(nodes: Node[], phase: number): { ms: number; chain: string[] } {
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  const memo = new Map<string, { ms: number; chain: string[] }>();
  const longest = (node: Node): { ms: number; chain: string[] } => {
    const known = memo.get(node.address);
    if (known) return known;
    let best = { ms: 0, chain: [] as string[] };
    for (const dep of node.dependsOn) {
      const d = byAddress.get(dep);
      if (d === undefined) continue;
      const sub = longest(d);
      if (sub.ms > best.ms) best = sub;
    }
    const result = { ms: best.ms + scripted(node, phase), chain: [...best.chain, node.address] };
    memo.set(node.address, result);
    return result;
  };
  return nodes.map(longest).reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, chain: [] });
}

async function main(): Promise<void> {
  const config = loadConfig(EXAMPLE_CONFIG);
  const nodes = buildGraph(config, { account: "123456789012" }).nodes;
  const phases = [0.05, 0.3, 0.55, 0.8, 0.999];
  const runs = [];
  for (const phase of phases) {
    const { wallMs, steps, trace } = await simulate(nodes, phase);
    const failed = steps.filter((s) => s.status !== "done");
    if (failed.length > 0) throw new Error(`steps did not complete: ${JSON.stringify(failed)}`);
    const lags = Object.fromEntries(
      [...trace.readyAt].flatMap(([address, at]) => {
        const noticed = trace.noticedAt.get(address);
        const kind = nodes.find((n) => n.address === address)?.kind ?? "";
        return SCRIPT[kind]?.until === undefined || noticed === undefined
          ? []
          : [[address, noticed - at]];
      }),
    );
    const sum = nodes.reduce((total, n) => total + scripted(n, phase), 0);
    const path = criticalPath(nodes, phase);
    runs.push({
      phase,
      wallMs,
      sumOfStepsMs: sum,
      criticalPathMs: path.ms,
      criticalPath: path.chain,
      readinessLagMs: lags,
      startedAtMs: Object.fromEntries(trace.started),
      endedAtMs: Object.fromEntries(
        steps.map((st) => [st.address, (trace.started.get(st.address) ?? 0) + st.durationMs]),
      ),
    });
  }
  const first = runs[0];
  if (first === undefined) throw new Error("no run");
  const independent = [
    "s3.dataset.data",
    "iam.role.sagemaker",
    "iam.role.lambda",
    "lambda.function.api",
  ];
  const starts = independent.map((a) => first.startedAtMs[a] ?? Number.NaN);
  // The work that needs no training (data, IAM, the Lambda chain): its wall vs its steps' sum.
  const downstream = new Set<string>(["training.run.main"]);
  for (const n of nodes) if (n.dependsOn.some((d) => downstream.has(d))) downstream.add(n.address);
  const early = nodes.filter((n) => !downstream.has(n.address));
  const earlySum = early.reduce((t, n) => t + scripted(n, phases[0] ?? 0), 0);
  const earlyWall = Math.max(...early.map((n) => first.endedAtMs[n.address] ?? 0));
  const earlyPath = criticalPath(early, phases[0] ?? 0);
  const slack = ratio(first.wallMs - first.criticalPathMs, 1000);
  const maxLag: Record<string, number> = {};
  for (const run of runs) {
    for (const [address, lag] of Object.entries(run.readinessLagMs)) {
      maxLag[address] = Math.max(maxLag[address] ?? 0, lag);
    }
  }
  const worst = Object.entries(maxLag).sort((a, b) => b[1] - a[1]);
  const overWall = ratio(first.wallMs, first.criticalPathMs);
  const lagOk = worst.every(([, lag]) => lag <= READINESS_LIMIT_MS);
  const slowPollers = worst.filter(([, lag]) => lag > READINESS_LIMIT_MS);
  const note = lagOk
    ? "met"
    : `${slowPollers.map(([a, lag]) => `${a} noticed up to ${lag / 1000} s late`).join("; ")}: a SageMaker training job is polled every TRAINING_POLL_MS = ${TRAINING_POLL_MS / 1000} s (sagemaker-runner.ts) against the executor's ${EXECUTOR_POLL_MS / 1000} s`;
  report(
    "apply-critical-path",
    `wall ${ratio(first.wallMs, first.sumOfStepsMs)}x the sum of step durations (${(first.sumOfStepsMs / 1000).toFixed(0)} s of steps in ${(first.wallMs / 1000).toFixed(0)} s), ${overWall}x the critical path; data/IAM/Lambda: ${earlySum / 1000} s of steps in ${earlyWall / 1000} s; readiness noticed within ${Math.max(...worst.map(([, l]) => l)) / 1000} s (worst: ${worst[0]?.[0] ?? "?"})`,
    {
      baseline: "the sum of scripted step durations (one step at a time), on a virtual clock",
      settings: {
        trainS: TRAIN_S,
        endpointS: ENDPOINT_S,
        executorPollMs: EXECUTOR_POLL_MS,
        trainingPollMs: TRAINING_POLL_MS,
        script: SCRIPT,
        phases,
      },
      nodes: nodes.map((n) => ({ address: n.address, dependsOn: n.dependsOn })),
      overlap: {
        wallOverSum: ratio(first.wallMs, first.sumOfStepsMs),
        wallOverCriticalPath: overWall,
        wallMinusCriticalPathS: slack,
        early: {
          steps: early.map((n) => n.address),
          sumMs: earlySum,
          wallMs: earlyWall,
          criticalPathMs: earlyPath.ms,
        },
        independentStartsMs: Object.fromEntries(independent.map((a, i) => [a, starts[i]])),
      },
      maxReadinessLagMs: maxLag,
      runs,
      note,
    },
    [
      target(
        "independent work overlaps (data sync, IAM, Lambda)",
        earlyWall <= earlyPath.ms + EXECUTOR_POLL_MS &&
          slack * 1000 <= TRAINING_POLL_MS + EXECUTOR_POLL_MS,
        `before/beside training: ${early.length} steps, ${earlySum / 1000} s of work done in ${earlyWall / 1000} s (their critical path ${earlyPath.ms / 1000} s; ${independent.map((a, i) => `${a} starts at ${(starts[i] ?? 0) / 1000} s`).join(", ")}); whole apply: wall ${(first.wallMs / 1000).toFixed(0)} s vs ${(first.sumOfStepsMs / 1000).toFixed(0)} s of steps and a ${(first.criticalPathMs / 1000).toFixed(0)} s critical path (${first.criticalPath.join(" -> ")})`,
      ),
      target(
        "readiness noticed within 10 s of the status change",
        lagOk,
        `max lag ${worst.map(([a, l]) => `${a} ${l / 1000} s`).join(", ")}${lagOk ? "" : `; ${note}`}`,
      ),
    ],
  );
}

await main();

// noop-plan: `plan` of the example config on converged state, with a fixed latency added to
// every AWS call by a proxy in front of the emulator. The config (config/mlops.yaml with a local
// data folder; see lib/example-config.ts) is applied once straight to the emulator; then the
// plan's session and reads run in this process through the proxy, with each handler's read
// timed and every SDK call attributed to the node being read (AsyncLocalStorage + middleware).
// Baseline: the very same recorded requests re-issued one at a time through the same proxy.
// Also: the bundled CLI's `plan` as a process, through the proxy, against `node -e ""`.
// The target is the wall time (<= 3x one call's latency); the call count is reported, not a
// target: every drift check a resource needs is one more read, and reads run side by side.
//
// --latency-ms / BENCH_LATENCY_MS (default 100), --runs / BENCH_RUNS (default 3, median).
import { spawn } from "node:child_process";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createClients, type AwsClients } from "../../actions/src/aws/clients.js";
import { loadConfig } from "../../actions/src/config/load.js";
import { silentLogger, type Logger } from "../../actions/src/logger.js";
import { runPlan } from "../../actions/src/plan/run-plan.js";
import type { ResourceHandler } from "../../actions/src/resources/handler.js";
import { defaultHandlers, type HandlerRegistry } from "../../actions/src/resources/registry.js";
import { openSession } from "../../actions/src/session.js";
import { BUNDLE_DIR, median, ms, ratio, report, setting, target } from "../lib/common.js";
import { startCountingEmulator } from "../lib/emulator.js";
import { runCli } from "../lib/cli.js";
import { writeExampleConfig } from "../lib/example-config.js";
import { operations, replaySequentially, startLatencyProxy } from "../lib/proxy.js";

const LATENCY = setting("latency-ms", "BENCH_LATENCY_MS", 100);
const RUNS = Math.max(1, setting("runs", "BENCH_RUNS", 3));

interface Scope {
  label: string;
}

interface NodeTiming {
  address: string;
  kind: string;
  phase: "prepare" | "read";
  start: number;
  end: number;
}

const als = new AsyncLocalStorage<Scope>();

const debugLogger: Logger = {
  info: (m) => {
    console.error(`info: ${m}`);
  },
  warn: (m) => {
    console.error(`warn: ${m}`);
  },
  error: (m) => {
    console.error(`error: ${m}`);
  },
  debug: (m) => {
    console.error(`debug: ${m}`);
  },
  progress: () => undefined,
};

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;
interface WithStack {
  middlewareStack: { add(mw: Middleware, options: { step: "deserialize"; name: string }): void };
}

/** Counts every SDK call (attempt) by the scope it was made in: a node's read, or the session. */
interface Call {
  op: string;
  start: number;
  end: number;
}

/** The longest run of calls in `calls` that did not overlap: round trips made one after another. */
function sequentialDepth(calls: readonly Call[]): number {
  let depth = 0;
  let free = Number.NEGATIVE_INFINITY;
  for (const call of [...calls].sort((a, b) => a.end - b.end)) {
    if (call.start >= free) {
      depth++;
      free = call.end;
    }
  }
  return depth;
}

function instrument(clients: AwsClients, calls: Map<string, Call[]>): void {
  for (const client of Object.values(clients) as unknown[]) {
    (client as WithStack).middlewareStack.add(
      (next, context) => async (args) => {
        const label = als.getStore()?.label ?? "session (STS, state record)";
        const list = calls.get(label) ?? [];
        const call = {
          op: context.commandName?.replace(/Command$/, "") ?? "?",
          start: performance.now(),
          end: 0,
        };
        list.push(call);
        calls.set(label, list);
        try {
          return await next(args);
        } finally {
          call.end = performance.now();
        }
      },
      { step: "deserialize", name: "benchCallAttribution" },
    );
  }
}

function timedHandlers(timings: NodeTiming[]): HandlerRegistry {
  const wrap = (handler: ResourceHandler): ResourceHandler => {
    const wrapped = Object.create(handler) as ResourceHandler;
    wrapped.read = (node, ctx) =>
      als.run({ label: `read ${node.address}` }, async () => {
        const start = performance.now();
        try {
          return await handler.read(node, ctx);
        } finally {
          timings.push({
            address: node.address,
            kind: node.kind,
            phase: "read",
            start,
            end: performance.now(),
          });
        }
      });
    const prepare = handler.prepare?.bind(handler);
    if (prepare !== undefined) {
      wrapped.prepare = (node, ctx, deps) =>
        als.run({ label: `prepare ${node.address}` }, async () => {
          const start = performance.now();
          try {
            return await prepare(node, ctx, deps);
          } finally {
            timings.push({
              address: node.address,
              kind: node.kind,
              phase: "prepare",
              start,
              end: performance.now(),
            });
          }
        });
    }
    return wrapped;
  };
  return Object.fromEntries(
    Object.entries(defaultHandlers()).map(([kind, h]) => [kind, wrap(h as ResourceHandler)]),
  );
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-noop-plan-"));
  const emulator = await startCountingEmulator({ updateDelayMs: 100 });
  try {
    const configPath = writeExampleConfig(work, 60);
    Object.assign(process.env, emulator.env, {
      MLOPS_POLL_MS: "200",
      MLOPS_CACHE_DIR: join(work, "cache"),
    });
    console.error("noop-plan: applying the example config to the emulator…");
    const applied = await runCli(["apply", "--config", configPath, "--auto-approve"]);
    if (applied.code !== 0)
      throw new Error(`apply of the example config failed:\n${applied.output}`);
    const direct = await runCli(["plan", "--config", configPath, "--detailed-exitcode"]);
    if (direct.code !== 0) throw new Error(`plan after apply is not a no-op:\n${direct.output}`);

    console.error(`noop-plan: planning through a ${LATENCY} ms proxy…`);
    const proxy = await startLatencyProxy(emulator.endpoint, LATENCY);
    process.env["AWS_ENDPOINT_URL"] = proxy.url;
    const config = loadConfig(configPath);

    const runOnce = async () => {
      if (process.env["BENCH_DEBUG"] === "1") console.error("run");
      const timings: NodeTiming[] = [];
      const calls = new Map<string, Call[]>();
      const clients = createClients(config.region);
      instrument(clients, calls);
      proxy.reset();
      const started = performance.now();
      const session = await openSession(config, {
        logger: process.env["BENCH_DEBUG"] === "1" ? debugLogger : silentLogger,
        clients,
        handlers: timedHandlers(timings),
      });
      const { plan } = await runPlan(session);
      const wall = performance.now() - started;
      const requests = [...proxy.requests];
      for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
      return { wall, plan, timings, calls, requests, started };
    };

    await runOnce(); // warm-up: the first use of each SDK client loads its code
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await runOnce());
    const walls = runs.map((r) => r.wall);
    const wall = ms(median(walls));
    const last = runs[runs.length - 1] ?? (await runOnce());
    const changes = last.plan.changes.filter((c) => c.action !== "noop");
    const resources = last.plan.changes.length;
    const calls = last.requests.length;

    const sequentialMs = ms(await replaySequentially(proxy.url, last.requests));

    // Which node kinds read in several sequential round trips.
    const perNode = last.timings
      .filter((t) => t.phase === "read")
      .map((t) => {
        const calls = last.calls.get(`read ${t.address}`) ?? [];
        return {
          address: t.address,
          kind: t.kind,
          calls: calls.length,
          operations: calls.map((c) => c.op),
          ms: ms(t.end - t.start),
          sequentialRoundTrips: sequentialDepth(calls),
        };
      })
      .sort((a, b) => b.sequentialRoundTrips - a.sequentialRoundTrips || b.ms - a.ms);
    const prepare = last.timings
      .filter((t) => t.phase === "prepare")
      .map((t) => ({
        address: t.address,
        calls: (last.calls.get(`prepare ${t.address}`) ?? []).map((c) => c.op),
        ms: ms(t.end - t.start),
        startMs: ms(t.start - last.started),
      }));
    const session = (last.calls.get("session (STS, state record)") ?? []).map((c) => c.op);
    const firstRead = Math.min(
      ...last.timings.filter((t) => t.phase === "read").map((t) => t.start),
    );
    const deepest = perNode[0];
    const roundTrips = Math.round(last.wall / LATENCY);
    const slow = perNode.filter((n) => n.sequentialRoundTrips >= 2);

    // The CLI as a process, through the same proxy, against an empty node start.
    const cliBundle = join(BUNDLE_DIR, "mlops-cli.mjs");
    // Asynchronous spawn: the proxy lives in this process's event loop.
    const spawnMs = (args: string[]): Promise<number> =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(process.execPath, args, {
          env: process.env,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        child.once("error", reject);
        child.once("exit", (code) => {
          if (code === 0) resolve(ms(performance.now() - t0));
          else reject(new Error(`node ${args.join(" ")} exited ${String(code)}: ${stderr}`));
        });
      });
    const repeat = async (args: string[]): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await spawnMs(args));
      return median(times);
    };
    const cliMs = await repeat([cliBundle, "plan", "--config", configPath]);
    const nodeMs = await repeat(["-e", ""]);
    await proxy.close();

    const wallOk = wall <= 3 * LATENCY;
    const note = wallOk
      ? "met"
      : `${roundTrips} latencies end to end: session start (STS) and the state record read come before any resource read (${ms(firstRead - last.started)} ms), then the slowest read is ${deepest?.address ?? "?"} (${deepest?.sequentialRoundTrips ?? 0} sequential round trips: ${deepest?.operations.join(", ") ?? ""})${slow.length > 1 ? `; other kinds with >= 2 sequential reads: ${[...new Set(slow.slice(1).map((n) => n.kind))].join(", ")}` : ""}`;
    report(
      "noop-plan",
      `${resources} resources, ${calls} AWS calls, ${wall} ms = ${ratio(wall, LATENCY)}x one call's ${LATENCY} ms latency; ${ratio(sequentialMs, wall)}x faster than the same calls one at a time (${sequentialMs} ms)`,
      {
        baseline: "the same recorded requests re-issued one at a time through the same proxy",
        settings: { latencyMs: LATENCY, runs: RUNS },
        resources,
        nonNoopChanges: changes.map((c) => `${c.action} ${c.address}`),
        calls,
        callsByScope: Object.fromEntries(
          [...last.calls].map(([scope, calls]) => [scope, calls.map((c) => c.op)]),
        ),
        operations: operations(last.requests).map((o) => `${o.service}:${o.operation}`),
        wallMs: wall,
        wallRuns: walls.map(ms),
        latencies: ratio(wall, LATENCY),
        sequentialMs,
        speedupVsSequential: ratio(sequentialMs, wall),
        sessionCalls: session,
        firstReadAtMs: ms(firstRead - last.started),
        prepare,
        reads: perNode,
        cli: { planProcessMs: cliMs, nodeEmptyMs: nodeMs, overEmptyNodeMs: ms(cliMs - nodeMs) },
        note,
      },
      [target("wall <= 3x one call's latency", wallOk, `${wall} ms vs ${3 * LATENCY} ms; ${note}`)],
    );
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

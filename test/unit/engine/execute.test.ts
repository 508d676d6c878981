// The DAG executor: bounded concurrency, dependency order, failures skip only dependents,
// aborts start nothing new, deletes run in reverse order, busy errors are retried.
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { executePlan, type ExecuteOptions } from "../../../actions/src/apply/execute.js";
import type { Node } from "../../../actions/src/graph/graph.js";
import type { Plan, PlannedChange } from "../../../actions/src/plan/types.js";
import type { HandlerContext, ResourceHandler } from "../../../actions/src/resources/handler.js";
import type { HandlerRegistry } from "../../../actions/src/resources/registry.js";
import {
  awsError,
  deferred,
  mockedClients,
  settle,
  testContext,
  testNode,
  testPlan,
  type TestContext,
} from "./helpers.js";

const OPTIONS: ExecuteOptions = {
  concurrency: 8,
  retryDeadlineMs: 60_000,
  waitDeadlineMs: 600_000,
  pollIntervalMs: 1000,
};

interface Recorder {
  events: string[];
  inFlight: number;
  maxInFlight: number;
}

/** A handler whose operations record start/end, optionally held open or made to fail. */
function recordingHandler(
  rec: Recorder,
  behaviour: {
    hold?: (address: string) => Promise<void> | undefined;
    fail?: (address: string, op: string) => Error | undefined;
  } = {},
): ResourceHandler {
  const op = async (name: string, node: Node): Promise<{ id: string }> => {
    rec.events.push(`start ${name} ${node.address}`);
    rec.inFlight++;
    rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
    try {
      await (behaviour.hold?.(node.address) ?? settle());
      const error = behaviour.fail?.(node.address, name);
      if (error) throw error;
      return { id: node.name };
    } finally {
      rec.inFlight--;
      rec.events.push(`end ${name} ${node.address}`);
    }
  };
  return {
    kind: "test.thing",
    read: () => Promise.resolve(undefined),
    diff: () => ({ action: "noop", reason: "", changes: [], risk: [] }),
    create: (node) => op("create", node),
    update: (node) => op("update", node),
    delete: async (node) => {
      await op("delete", node);
    },
  };
}

const registry = (handler: ResourceHandler): HandlerRegistry => ({
  [handler.kind]: handler,
});

const newRecorder = (): Recorder => ({ events: [], inFlight: 0, maxInFlight: 0 });

async function run(
  plan: { plan: Plan; observations: Map<string, { observed: unknown; digest: string | null }> },
  handler: ResourceHandler,
  ctx: HandlerContext,
  options: Partial<ExecuteOptions> = {},
) {
  const results = await executePlan(plan.plan, plan.observations, registry(handler), ctx, {
    ...OPTIONS,
    ...options,
  });
  return Object.fromEntries(results.map((r) => [r.address, r]));
}

const index = (events: string[], event: string): number => {
  const i = events.indexOf(event);
  expect(i, `${event} in ${events.join(", ")}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe("executePlan", () => {
  it("runs independent nodes concurrently, never more than the limit", async () => {
    const rec = newRecorder();
    const nodes = Array.from({ length: 7 }, (_, i) => testNode(`test.thing.n${i}`));
    const plan = testPlan(nodes.map((node) => ({ node, action: "create" as const })));
    const results = await run(plan, recordingHandler(rec), testContext(mockedClients().clients), {
      concurrency: 3,
    });
    expect(Object.values(results).map((r) => r.status)).toEqual(Array(7).fill("done"));
    expect(rec.maxInFlight).toBe(3);
  });

  it("starts a node only after everything it depends on is done", async () => {
    const rec = newRecorder();
    const a = testNode("test.thing.a");
    const b = testNode("test.thing.b");
    const c = testNode("test.thing.c", { dependsOn: ["test.thing.a", "test.thing.b"] });
    const d = testNode("test.thing.d", { dependsOn: ["test.thing.c"] });
    // Listed dependents first: the order of the plan must not matter.
    const plan = testPlan([d, c, b, a].map((node) => ({ node, action: "create" as const })));
    await run(plan, recordingHandler(rec), testContext(mockedClients().clients));
    const e = rec.events;
    expect(index(e, "start create test.thing.c")).toBeGreaterThan(
      index(e, "end create test.thing.a"),
    );
    expect(index(e, "start create test.thing.c")).toBeGreaterThan(
      index(e, "end create test.thing.b"),
    );
    expect(index(e, "start create test.thing.d")).toBeGreaterThan(
      index(e, "end create test.thing.c"),
    );
    // a and b ran side by side.
    expect(index(e, "start create test.thing.b")).toBeLessThan(index(e, "end create test.thing.a"));
  });

  it("a failed node skips its dependents (transitively) and nothing else", async () => {
    const rec = newRecorder();
    const a = testNode("test.thing.a");
    const b = testNode("test.thing.b", { dependsOn: ["test.thing.a"] });
    const c = testNode("test.thing.c", { dependsOn: ["test.thing.b"] });
    const d = testNode("test.thing.d");
    const e = testNode("test.thing.e", { dependsOn: ["test.thing.d"] });
    const plan = testPlan([a, b, c, d, e].map((node) => ({ node, action: "create" as const })));
    const ctx = testContext(mockedClients().clients);
    const results = await run(
      plan,
      recordingHandler(rec, {
        fail: (address) =>
          address === "test.thing.a" ? awsError("ValidationException", "bad spec") : undefined,
      }),
      ctx,
    );
    expect(results["test.thing.a"]?.status).toBe("failed");
    expect(results["test.thing.a"]?.error).toContain("ValidationException: bad spec");
    expect(results["test.thing.b"]?.status).toBe("skipped");
    expect(results["test.thing.c"]?.status).toBe("skipped");
    expect(results["test.thing.d"]?.status).toBe("done");
    expect(results["test.thing.e"]?.status).toBe("done");
    expect(rec.events.filter((x) => x.includes("thing.b") || x.includes("thing.c"))).toEqual([]);
    expect(ctx.logger.lines).toContain(
      "warn: test.thing.b: skipped because something it depends on did not complete",
    );
  });

  it("after an abort starts nothing new and lets in-flight steps finish", async () => {
    const rec = newRecorder();
    const controller = new AbortController();
    const gate = deferred();
    const nodes = ["a", "b", "c", "d"].map((n) => testNode(`test.thing.${n}`));
    const plan = testPlan(nodes.map((node) => ({ node, action: "create" as const })));
    const ctx = testContext(mockedClients().clients, { signal: controller.signal });
    const running = run(
      plan,
      recordingHandler(rec, {
        hold: (address) => (address === "test.thing.a" ? gate.promise : undefined),
      }),
      ctx,
      { concurrency: 1 },
    );
    await settle();
    expect(rec.events).toEqual(["start create test.thing.a"]);
    controller.abort();
    gate.resolve();
    const results = await running;
    expect(results["test.thing.a"]?.status).toBe("done");
    for (const n of ["b", "c", "d"]) expect(results[`test.thing.${n}`]?.status).toBe("not-started");
    expect(rec.events).toEqual(["start create test.thing.a", "end create test.thing.a"]);
  });

  it("deletes in reverse dependency order", async () => {
    const rec = newRecorder();
    const bucket = testNode("test.thing.bucket");
    const dataset = testNode("test.thing.dataset", { dependsOn: ["test.thing.bucket"] });
    const role = testNode("test.thing.role");
    const profile = testNode("test.thing.profile", { dependsOn: ["test.thing.role"] });
    const plan = testPlan(
      [bucket, dataset, role, profile].map((node) => ({
        node,
        action: "delete" as const,
        observed: { id: node.name },
      })),
    );
    const results = await run(plan, recordingHandler(rec), testContext(mockedClients().clients));
    expect(Object.values(results).every((r) => r.status === "done")).toBe(true);
    const e = rec.events;
    expect(index(e, "start delete test.thing.bucket")).toBeGreaterThan(
      index(e, "end delete test.thing.dataset"),
    );
    expect(index(e, "start delete test.thing.role")).toBeGreaterThan(
      index(e, "end delete test.thing.profile"),
    );
  });

  it("a failed delete keeps what its dependents' deletions wait on", async () => {
    const rec = newRecorder();
    const bucket = testNode("test.thing.bucket");
    const dataset = testNode("test.thing.dataset", { dependsOn: ["test.thing.bucket"] });
    const plan = testPlan(
      [bucket, dataset].map((node) => ({ node, action: "delete" as const, observed: {} })),
    );
    const results = await run(
      plan,
      recordingHandler(rec, {
        fail: (a) => (a === "test.thing.dataset" ? awsError("AccessDenied", "no", 403) : undefined),
      }),
      testContext(mockedClients().clients),
    );
    expect(results["test.thing.dataset"]?.status).toBe("failed");
    expect(results["test.thing.bucket"]?.status).toBe("skipped");
  });

  it("retries a throttled create until it succeeds", async () => {
    const aws = mockedClients();
    aws.lambda
      .on(CreateFunctionCommand)
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded", 429))
      .rejectsOnce(
        awsError(
          "InvalidParameterValueException",
          "The role defined for the function cannot be assumed by Lambda.",
        ),
      )
      .resolves({ FunctionName: "pets-inference", State: "Active" });
    const handler: ResourceHandler = {
      kind: "test.thing",
      read: () => Promise.resolve(undefined),
      diff: () => ({ action: "noop", reason: "", changes: [], risk: [] }),
      create: async (node, ctx) => {
        const out = await ctx.clients.lambda.send(
          new CreateFunctionCommand({ FunctionName: node.name, Role: "arn", Code: {} }),
        );
        return { name: out.FunctionName };
      },
      update: () => Promise.reject(new Error("not used")),
      delete: () => Promise.reject(new Error("not used")),
    };
    const ctx = testContext(aws.clients);
    const node = testNode("test.thing.fn", { name: "pets-inference" });
    const results = await run(testPlan([{ node, action: "create" }]), handler, ctx);
    expect(results["test.thing.fn"]).toMatchObject({
      status: "done",
      observed: { name: "pets-inference" },
    });
    expect(aws.lambda.commandCalls(CreateFunctionCommand)).toHaveLength(3);
    expect(ctx.logger.lines.filter((l) => l.includes("busy (")).length).toBe(2);
  });

  it("gives up on a busy resource at the retry deadline and reports it", async () => {
    const rec = newRecorder();
    const ctx: TestContext = testContext(mockedClients().clients);
    const node = testNode("test.thing.scaling");
    const results = await run(
      testPlan([{ node, action: "update", observed: {} }]),
      recordingHandler(rec, {
        fail: () => awsError("ConcurrentUpdateException", "You already have a pending update"),
      }),
      ctx,
      { retryDeadlineMs: 45_000 },
    );
    expect(results["test.thing.scaling"]?.status).toBe("failed");
    expect(results["test.thing.scaling"]?.error).toContain("ConcurrentUpdateException");
    expect(rec.events.filter((e) => e.startsWith("start")).length).toBeGreaterThan(3);
    expect(results["test.thing.scaling"]?.durationMs).toBe(45_000);
  });

  it("records each successful step through onStepDone, not failed ones", async () => {
    const done: string[] = [];
    const a = testNode("test.thing.a");
    const b = testNode("test.thing.b");
    const rec = newRecorder();
    await run(
      testPlan([
        { node: a, action: "create" },
        { node: b, action: "create" },
      ]),
      recordingHandler(rec, {
        fail: (x) => (x === "test.thing.b" ? new Error("boom") : undefined),
      }),
      testContext(mockedClients().clients),
      {
        onStepDone: (change: PlannedChange) => {
          done.push(change.address);
          return Promise.resolve();
        },
      },
    );
    expect(done).toEqual(["test.thing.a"]);
  });
});

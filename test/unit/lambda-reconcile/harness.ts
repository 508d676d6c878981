// Plan -> apply cycles of the Lambda nodes alone, the way `mlops apply` runs them (computePlan,
// then executePlan with the busy retry and the status poller), on a fake clock against the
// in-memory AWS of fake-aws.ts. The state record is kept between cycles so that removing a
// setting from the config plans its deletion.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyState, type StateRecord } from "../../../actions/src/apply/state-store.js";
import { executePlan, type StepResult } from "../../../actions/src/apply/execute.js";
import { fakeClock } from "../../../actions/src/clock.js";
import type { Config, LambdaConfig } from "../../../actions/src/config/types.js";
import type { GraphBuilder } from "../../../actions/src/graph/graph-builder.js";
import {
  resourceTags,
  type DesiredGraph,
  type GraphContext,
  type Node,
} from "../../../actions/src/graph/graph.js";
import type { StorageLayout } from "../../../actions/src/graph/iam-policies.js";
import { addLambdaNodes } from "../../../actions/src/graph/lambda-nodes.js";
import { computePlan } from "../../../actions/src/plan/compute.js";
import type { Plan } from "../../../actions/src/plan/types.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import { lambdaHandlers } from "../../../actions/src/resources/lambda/index.js";
import type { HandlerContext } from "../../../actions/src/resources/handler.js";
import type { HandlerRegistry } from "../../../actions/src/resources/registry.js";
import type { FakeAws } from "./fake-aws.js";

export const CONTEXT: GraphContext = {
  project: "pets",
  region: "us-east-1",
  account: "123456789012",
  partition: "aws",
};

export const handlers: HandlerRegistry = Object.fromEntries(lambdaHandlers.map((h) => [h.kind, h]));

/** A folder holding an index.mjs with the given body. */
export function codeDir(
  body = "export const handler = async () => ({ statusCode: 200 });\n",
): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-lambda-code-"));
  writeFileSync(join(dir, "index.mjs"), body);
  return dir;
}

/** A Lambda config; `reservedConcurrency: undefined` leaves it unset. */
export function lambdaConfig(
  overrides: { [K in keyof LambdaConfig]?: LambdaConfig[K] | undefined } = {},
): LambdaConfig {
  const { reservedConcurrency, ...rest } = {
    name: "pets-inference",
    code: overrides.code ?? codeDir(),
    handler: "index.handler",
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory: 512,
    timeoutSeconds: 30,
    alias: "live",
    provisionedConcurrency: 2,
    reservedConcurrency: 5,
    topK: 3,
    corsOrigin: "*",
    logRetentionDays: 30,
    environment: { LOG_LEVEL: "info" },
    ...overrides,
  } as LambdaConfig;
  return { ...rest, ...(reservedConcurrency !== undefined && { reservedConcurrency }) };
}

/** The graph of the Lambda capability alone (the IAM role it names is not in it). */
export function lambdaGraph(lambda: LambdaConfig, endpointName = "pets"): DesiredGraph {
  const config = {
    project: CONTEXT.project,
    region: CONTEXT.region,
    tags: { team: "ml" },
    endpoint: { name: endpointName },
    lambda,
    iam: { path: "/mlops/", roleNames: {} },
  } as unknown as Config;
  const nodes: Node[] = [];
  // Asserted, not annotated: the builder may carry fields other capabilities use.
  const builder = {
    config,
    context: CONTEXT,
    layout: {} as StorageLayout,
    forceTraining: false,
    add: (address, kind, name, spec, dependsOn = []) => {
      const node = {
        address,
        kind,
        name,
        spec,
        dependsOn,
        tags: resourceTags(CONTEXT, address, config.tags),
      };
      nodes.push(node);
      return node;
    },
  } as GraphBuilder;
  addLambdaNodes(builder);
  return { context: CONTEXT, nodes };
}

export interface Cycle {
  plan: Plan;
  steps: StepResult[];
  /** Mutating calls the apply made. */
  mutations: string[];
  log: string[];
}

export interface Harness {
  fake: FakeAws;
  ctx: HandlerContext & { logger: ReturnType<typeof memoryLogger> };
  state: StateRecord;
  plan(graph: DesiredGraph): Promise<Plan>;
  apply(graph: DesiredGraph): Promise<Cycle>;
}

export function harness(fake: FakeAws): Harness {
  const ctx = {
    clients: fake.clients,
    logger: memoryLogger(),
    clock: fakeClock(Date.parse("2025-01-01T00:00:00Z")),
    graph: CONTEXT,
    signal: new AbortController().signal,
    cacheDir: "/nonexistent-cache",
  };
  const h: Harness = {
    fake,
    ctx,
    state: emptyState(),
    async plan(graph) {
      return (await computePlan({ graph, state: h.state, handlers, ctx, configFile: "mlops.yaml" }))
        .plan;
    },
    async apply(graph) {
      const { plan, observations } = await computePlan({
        graph,
        state: h.state,
        handlers,
        ctx,
        configFile: "mlops.yaml",
      });
      const before = fake.mutating().length;
      const logStart = ctx.logger.lines.length;
      const steps = await executePlan(plan, observations, handlers, ctx, {
        concurrency: 8,
        retryDeadlineMs: 2 * 60_000,
        waitDeadlineMs: 30 * 60_000,
        pollIntervalMs: 5_000,
        // As run-apply records it: before a step that makes something, and after each one.
        onStepStarted: (change, node) => {
          h.state.resources[change.address] = {
            kind: node.kind,
            name: node.name,
            spec: node.spec,
            dependsOn: node.dependsOn,
          };
          return Promise.resolve();
        },
        onStepDone: (change, node) => {
          const { [change.address]: _gone, ...rest } = h.state.resources;
          h.state.resources = rest;
          if (change.action !== "delete") {
            h.state.resources[change.address] = {
              kind: node.kind,
              name: node.name,
              spec: node.spec,
              dependsOn: node.dependsOn,
            };
          }
          return Promise.resolve();
        },
      });
      return {
        plan,
        steps,
        mutations: fake.mutating().slice(before),
        log: ctx.logger.lines.slice(logStart),
      };
    },
  };
  return h;
}

/** address -> action of a plan, for compact assertions. */
export const actions = (plan: Plan): Record<string, string> =>
  Object.fromEntries(plan.changes.map((c) => [c.address, c.action]));

/** address -> status (and error) of an apply. */
export const outcomes = (steps: StepResult[]): Record<string, string> =>
  Object.fromEntries(
    steps.map((s) => [s.address, s.error === undefined ? s.status : `${s.status}: ${s.error}`]),
  );

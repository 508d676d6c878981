// The handler contract (actions/src/resources/README.md), checked the same way for every
// registered kind against the shared emulator: a read of a resource that does not exist says
// so, create then re-plan is a no-op, an update of one field is planned as an update and
// converges, delete removes it, and a second delete is no error. The handlers are called
// directly (not through the CLI), in dependency order, on the nodes of one config that uses
// every kind (the EC2 runner's role and instance profile come from the same config with the
// ec2 backend).
import { DeleteEndpointConfigCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { waitIn } from "../../actions/src/wait.js";
import { loadConfig } from "../../actions/src/config/load.js";
import { silentLogger } from "../../actions/src/logger.js";
import { buildGraph } from "../../actions/src/graph/build-graph.js";
import { topologicalOrder, type Node } from "../../actions/src/graph/graph.js";
import type { AlarmSpec } from "../../actions/src/graph/alarm-nodes.js";
import type {
  AliasSpec,
  FunctionSpec,
  FunctionUrlCorsSpec,
  FunctionUrlSpec,
  PermissionSpec,
} from "../../actions/src/graph/lambda-nodes.js";
import type {
  AutoscalingSpec,
  EndpointConfigSpec,
  EndpointSpec,
  TrainingSpec,
} from "../../actions/src/graph/sagemaker-nodes.js";
import { startPreparing } from "../../actions/src/plan/compute.js";
import type { HandlerContext, ResourceHandler } from "../../actions/src/resources/handler.js";
import { defaultHandlers, handlerFor } from "../../actions/src/resources/registry.js";
import { openSession } from "../../actions/src/session.js";
import { useEmulator } from "../support/emulator.js";

const TEST_TIMEOUT_MS = 180_000;

const id = randomBytes(3).toString("hex");
const project = `hc${id}`;
let dir: string;
let ctx: HandlerContext;
/** The graph's nodes as built (prepare() runs on these again when a row edits local files). */
let unprepared: Map<string, Node>;
/** Prepared nodes, in dependency order; an update row replaces its node with the edited one. */
let nodes: Node[];
const current = new Map<string, Node>();
/** What read() last returned, by address. */
const observed = new Map<string, unknown>();
const extraEndpointConfigs: string[] = [];

function configText(): string {
  return `version: 1
project: ${project}
region: us-east-1
data:
  source: data
  bucket: ${project}-\${account}-\${region}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
endpoint:
  name: ${project}-ep
  instanceType: ml.m5.large
  initialInstanceCount: 1
  autoscaling:
    minCapacity: 1
    maxCapacity: 2
    targetInvocationsPerInstance: 20
lambda:
  name: ${project}-fn
  code: code
  provisionedConcurrency: 2
  reservedConcurrency: 5
  logRetentionDays: 14
  url:
    auth: NONE
    cors: { allowOrigins: ["https://app.example.com"] }
`;
}

/** One registry for the whole run, as a session has. */
const handlers = defaultHandlers();
const handler = (node: Node): ResourceHandler => handlerFor(handlers, node.kind);

/** Like the executor: a kind with long operations is polled until ready. */
async function settled(node: Node, seen: unknown): Promise<unknown> {
  const h = handler(node);
  const status = h.status?.bind(h);
  if (!status || status(seen) === "ready") return seen;
  return waitIn(ctx, {
    what: node.address,
    poll: () => h.read(node, ctx),
    status: (o) => (o === undefined ? "failed" : status(o)),
    describe: (o) => (o === undefined ? "gone" : JSON.stringify(o)),
    intervalMs: 100,
    deadlineMs: 120_000,
  });
}

/** The prepared dependencies of `node`, by address (what prepare() receives). */
const depsOf = (node: Node): Map<string, Node> =>
  new Map(node.dependsOn.flatMap((a) => (current.has(a) ? [[a, current.get(a) as Node]] : [])));

type Edit =
  | { edit: (node: Node) => Promise<Node> | Node; converged?: (edited: Node) => Node }
  | { immutable: string };

/**
 * One field changed per kind. Content-addressed kinds change nothing but their tags in place: a
 * changed input is a different name, i.e. a create.
 */
const updates: Record<string, Edit> = {
  "s3.bucket": { edit: (n) => ({ ...n, tags: { ...n.tags, contract: "updated" } }) },
  "s3.dataset": {
    async edit(n) {
      writeFileSync(join(dir, "data/train/dog/c.jpg"), "one more file\n");
      const base = unprepared.get(n.address) as Node;
      return (await handler(n).prepare?.(base, ctx, depsOf(n))) ?? n;
    },
  },
  "iam.role": { edit: (n) => ({ ...n, tags: { ...n.tags, contract: "updated" } }) },
  "iam.instance-profile": {
    // Another role of the same config: an instance profile holds exactly one.
    edit: (n) => ({ ...n, spec: { ...(n.spec as object), role: roleName("sagemaker") } }),
  },
  "logs.log-group": { edit: (n) => ({ ...n, spec: { retentionDays: 30 } }) },
  "lambda.function": {
    edit: (n) => ({ ...n, spec: { ...(n.spec as FunctionSpec), memory: 256 } }),
  },
  "lambda.alias": {
    // The alias publishes a version when the function's versioned fields moved (the memory above).
    edit: (n) => {
      const fn = current.get("lambda.function.api") as Node<FunctionSpec>;
      const { code: _code, ...version } = fn.spec;
      return { ...n, spec: { ...(n.spec as AliasSpec), version } };
    },
  },
  "lambda.reserved-concurrency": {
    edit: (n) => ({ ...n, spec: { ...(n.spec as object), concurrency: 6 } }),
  },
  "lambda.provisioned-concurrency": {
    edit: (n) => ({ ...n, spec: { ...(n.spec as object), concurrency: 1 } }),
  },
  "lambda.function-url": {
    // A CORS change, in place: the URL (AWS's address) stays.
    edit: (n) => {
      const spec = n.spec as FunctionUrlSpec;
      const cors = {
        ...(spec.cors as FunctionUrlCorsSpec),
        allowOrigins: ["https://b.example.com"],
      };
      return { ...n, spec: { ...spec, cors } };
    },
  },
  "lambda.permission": {
    // A changed statement is removed and added again under its Sid.
    edit: (n) => {
      const spec = n.spec as PermissionSpec;
      const statements = spec.statements.map((s, i) =>
        i === 1 ? { ...s, principal: "123456789012" } : s,
      );
      return { ...n, spec: { ...spec, statements } };
    },
  },
  "training.run": {
    // A forced retrain is training's update: the same fingerprint, the next attempt.
    edit: (n) => ({ ...n, spec: { ...(n.spec as TrainingSpec), force: true } }),
    converged: (n) => ({ ...n, spec: { ...(n.spec as TrainingSpec), force: false } }),
  },
  // Named from their content: only the tags change in place (an adoption, a renamed project).
  "sagemaker.model": { edit: (n) => ({ ...n, tags: { ...n.tags, contract: "updated" } }) },
  "sagemaker.endpoint-config": {
    edit: (n) => ({ ...n, tags: { ...n.tags, contract: "updated" } }),
  },
  "sagemaker.endpoint": {
    // A deployment to another config (one more instance), created here first.
    async edit(n) {
      const configNode = current.get("sagemaker.endpoint-config.main") as Node<EndpointConfigSpec>;
      const base = unprepared.get(configNode.address) as Node<EndpointConfigSpec>;
      const handlerOfConfig = handler(configNode);
      const other = (await handlerOfConfig.prepare?.(
        { ...base, spec: { ...base.spec, initialInstanceCount: 2 } },
        ctx,
        depsOf(configNode),
      )) as Node<EndpointConfigSpec>;
      expect(other.name).not.toBe(configNode.name);
      await handlerOfConfig.create(other, ctx);
      extraEndpointConfigs.push(other.name);
      const spec = n.spec as EndpointSpec;
      return { ...n, spec: { ...spec, endpointConfigName: other.name } };
    },
  },
  "autoscaling.variant": {
    edit: (n) => ({ ...n, spec: { ...(n.spec as AutoscalingSpec), maxCapacity: 3 } }),
  },
  "cloudwatch.alarm": {
    edit: (n) => ({ ...n, spec: { ...(n.spec as AlarmSpec), threshold: 5 } }),
  },
  "sagemaker.model-package-group": { immutable: "a name and a description that says what it is" },
  "sagemaker.model-package": {
    immutable: "a registered version is history (promote moves its approval)",
  },
};

/** Kinds whose delete() leaves the thing in place on purpose (read still finds it). */
const KEPT_ON_DELETE: Record<string, string> = {
  "s3.dataset": "the objects stay; only `mlops destroy --include-data` removes them",
  "training.run": "runs are history, not resources",
  "sagemaker.model-package": "versions are history: they go with their group",
};

const roleName = (use: string): string =>
  nodes.find((n) => n.address === `iam.role.${use}`)?.name ?? "";

beforeAll(async () => {
  const aws = useEmulator();
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  dir = mkdtempSync(join(tmpdir(), "mlops-contract-"));
  for (const sub of ["data/train/dog", "data/valid/dog", "training", "code"])
    mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "data/train/dog/a.jpg"), "not really a jpeg\n");
  writeFileSync(join(dir, "data/valid/dog/b.jpg"), "not really a jpeg either\n");
  writeFileSync(join(dir, "training/train.py"), "print('test_accuracy=0.9')\n");
  writeFileSync(join(dir, "code/index.mjs"), "export const handler = async () => 1;\n");
  writeFileSync(join(dir, "mlops.yaml"), configText());
  const config = loadConfig(join(dir, "mlops.yaml"));
  const session = await openSession(config, { logger: silentLogger, cacheDir: dir });
  // No state record: every handler must work from what AWS says.
  const { state: _state, ...rest } = session.ctx;
  ctx = rest;
  const ec2 = buildGraph(
    { ...config, training: { ...config.training, backend: "ec2" } },
    { account: session.graph.context.account, forceTraining: false },
  );
  const runnerNodes = ec2.nodes.filter(
    (n) => n.address === "iam.role.ec2" || n.kind === "iam.instance-profile",
  );
  // The model registry comes with environments: the build stage's graph of the same config.
  const staged = buildGraph(
    {
      ...config,
      environments: { staging: { approval: false, tags: {}, endpoint: {}, lambda: {} } },
    },
    { account: session.graph.context.account, stage: { kind: "build" } },
  );
  const registryNodes = staged.nodes.filter((n) => n.kind.startsWith("sagemaker.model-package"));
  const all = [...session.graph.nodes, ...runnerNodes, ...registryNodes];
  unprepared = new Map(all.map((n) => [n.address, n]));
  const preparing = startPreparing(all, handlers, ctx);
  nodes = topologicalOrder(
    await Promise.all(all.map((n) => preparing.get(n.address) as Promise<Node>)),
  );
  for (const n of nodes) current.set(n.address, n);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  const sagemaker = new SageMakerClient({});
  for (const EndpointConfigName of extraEndpointConfigs)
    await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName })).catch(() => 0);
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("the handler contract, every kind (shared emulator)", { timeout: TEST_TIMEOUT_MS }, () => {
  it("the config uses every registered kind, and the table covers each", () => {
    const registered = Object.keys(handlers).sort();
    for (const [kind, h] of Object.entries(handlers)) expect(h.kind).toBe(kind);
    expect([...new Set(nodes.map((n) => n.kind))].sort()).toEqual(registered);
    expect(Object.keys(updates).sort()).toEqual(registered);
    expect(nodes.length).toBeLessThanOrEqual(rows.length);
  });

  // it.each needs its rows before beforeAll has built the graph: rows are indices.
  const rows = Array.from({ length: 28 }, (_, i) => i);
  const at = (i: number, order: "forward" | "reverse"): Node | undefined =>
    (order === "forward" ? nodes : [...nodes].reverse())[i];

  describe("read of a missing resource, create, no-op re-plan", () => {
    it.each(rows)("node %i", async (i) => {
      const node = at(i, "forward");
      if (!node) return;
      const h = handler(node);
      expect(await h.read(node, ctx), `${node.address} before create`).toBeUndefined();
      await settled(node, await h.create(node, ctx));
      const seen = await h.read(node, ctx);
      expect(seen, `${node.address} after create`).toBeDefined();
      const change = h.diff(node, seen);
      expect(change.action, `${node.address}: ${change.reason}`).toBe("noop");
      observed.set(node.address, seen);
    });
  });

  describe("update of one field, then a no-op re-plan", () => {
    it.each(rows)("node %i", async (i) => {
      const node = current.get(at(i, "forward")?.address ?? "");
      if (!node) return;
      const row = updates[node.kind] as Edit;
      if ("immutable" in row) return;
      const h = handler(node);
      const edited = await row.edit(node);
      const before = await h.read(edited, ctx);
      const change = h.diff(edited, before);
      expect(change.action, `${node.address}: ${change.reason}`).toBe("update");
      await settled(edited, await h.update(edited, before, change, ctx));
      const converged = row.converged?.(edited) ?? edited;
      const after = await h.read(converged, ctx);
      const again = h.diff(converged, after);
      expect(again.action, `${node.address} after update: ${again.reason}`).toBe("noop");
      current.set(node.address, converged);
      observed.set(node.address, after);
    });
  });

  describe("delete, read finds nothing, delete again", () => {
    it.each(rows)("node %i", async (i) => {
      const node = current.get(at(i, "reverse")?.address ?? "");
      if (!node) return;
      const h = handler(node);
      const seen = (await h.read(node, ctx)) ?? observed.get(node.address);
      await h.delete(node, seen, ctx);
      if (KEPT_ON_DELETE[node.kind] === undefined) {
        expect(await h.read(node, ctx), `${node.address} after delete`).toBeUndefined();
      }
      await expect(h.delete(node, seen as never, ctx)).resolves.toBeUndefined();
    });
  });
});

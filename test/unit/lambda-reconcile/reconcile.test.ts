// Whole plan -> apply cycles of the Lambda nodes against an in-memory Lambda: what is created,
// what a second apply does (nothing), and that code, configuration and tag changes each make
// exactly the calls they need (and a new version only when a versioned field changed).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALIAS,
  FUNCTION,
  LOG_GROUP,
  PROVISIONED_CONCURRENCY,
  RESERVED_CONCURRENCY,
} from "../../../actions/src/graph/lambda-nodes.js";
import { fakeAws } from "./fake-aws.js";
import { actions, codeDir, harness, lambdaConfig, lambdaGraph, outcomes } from "./harness.js";

const NAME = "pets-inference";

async function deployed(config = lambdaConfig()) {
  const h = harness(fakeAws());
  const first = await h.apply(lambdaGraph(config));
  expect(first.steps.every((s) => s.status === "done")).toBe(true);
  return { h, config, first };
}

describe("Lambda reconcile", () => {
  it("creates log group, function, version, alias and concurrency in dependency order", async () => {
    const { h, first } = await deployed();
    expect(actions(first.plan)).toEqual({
      [LOG_GROUP]: "create",
      [FUNCTION]: "create",
      [ALIAS]: "create",
      [RESERVED_CONCURRENCY]: "create",
      [PROVISIONED_CONCURRENCY]: "create",
    });
    const order = (op: string): number => first.mutations.indexOf(op);
    expect(order("logs:CreateLogGroup")).toBeLessThan(order("lambda:CreateFunction"));
    expect(order("lambda:CreateFunction")).toBeLessThan(order("lambda:PublishVersion"));
    expect(order("lambda:PublishVersion")).toBeLessThan(order("lambda:CreateAlias"));
    expect(order("lambda:CreateAlias")).toBeLessThan(
      order("lambda:PutProvisionedConcurrencyConfig"),
    );
    expect(order("lambda:PutFunctionConcurrency")).toBeLessThan(
      order("lambda:PutProvisionedConcurrencyConfig"),
    );
    expect(first.mutations.filter((m) => m === "lambda:PublishVersion")).toHaveLength(1);

    const fn = h.fake.functions.get(NAME);
    expect(fn?.latest.Environment?.Variables).toEqual({
      LOG_LEVEL: "info",
      MLOPS_ENDPOINT_NAME: "pets",
      MLOPS_TOP_K: "3",
      MLOPS_CORS_ORIGIN: "*",
    });
    expect(fn?.latest.Architectures).toEqual(["arm64"]);
    expect(fn?.tags["mlops:address"]).toBe(FUNCTION);
    expect(fn?.aliases.get("live")).toBe("1");
    expect(fn?.reserved).toBe(5);
    expect(fn?.provisioned.get("live")).toMatchObject({ requested: 2, status: "READY" });
    expect(h.fake.inputs("lambda:PutProvisionedConcurrencyConfig")).toEqual([
      { FunctionName: NAME, Qualifier: "live", ProvisionedConcurrentExecutions: 2 },
    ]);
    expect(h.fake.inputs("lambda:CreateFunction")[0]).toMatchObject({ Publish: false });
    expect(h.fake.inputs("lambda:PublishVersion")).toEqual([
      { FunctionName: NAME, CodeSha256: fn?.latest.CodeSha256 },
    ]);
    expect(h.fake.logGroups.get(`/aws/lambda/${NAME}`)).toMatchObject({ retention: 30 });
  });

  it("records the code hash in the plan, not the code", async () => {
    const h = harness(fakeAws());
    const plan = await h.plan(lambdaGraph(lambdaConfig()));
    const fn = plan.nodes[FUNCTION]?.spec as { codeSha256: string };
    expect(fn.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(plan)).not.toContain("ZipFile");
  });

  it("plans no change and makes no mutating call on a second apply", async () => {
    const { h, config } = await deployed();
    const second = await h.apply(lambdaGraph(config));
    expect(new Set(Object.values(actions(second.plan)))).toEqual(new Set(["noop"]));
    expect(second.mutations).toEqual([]);
    expect(h.fake.functions.get(NAME)?.versions).toHaveLength(1);
  });

  it("updates only the code on a code change, publishes one version and moves the alias", async () => {
    const { h, config } = await deployed();
    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 2;\n");
    const cycle = await h.apply(lambdaGraph(config));
    expect(actions(cycle.plan)).toMatchObject({
      [FUNCTION]: "update",
      [ALIAS]: "update",
      [PROVISIONED_CONCURRENCY]: "noop",
      [RESERVED_CONCURRENCY]: "noop",
      [LOG_GROUP]: "noop",
    });
    const fnChange = cycle.plan.changes.find((c) => c.address === FUNCTION);
    expect(fnChange?.changes.map((c) => c.path)).toEqual(["codeSha256"]);
    expect(fnChange?.reason).toBe("code differ");
    expect(cycle.mutations).toEqual([
      "lambda:UpdateFunctionCode",
      "lambda:PublishVersion",
      "lambda:UpdateAlias",
    ]);
    const fn = h.fake.functions.get(NAME);
    expect(fn?.aliases.get("live")).toBe("2");
    expect(fn?.provisioned.get("live")).toMatchObject({ requested: 2, status: "READY" });

    const again = await h.apply(lambdaGraph(config));
    expect(again.mutations).toEqual([]);
  });

  it("updates only the configuration on a config change, and still publishes", async () => {
    const { h, config } = await deployed();
    const cycle = await h.apply(lambdaGraph({ ...config, memory: 1024, topK: 5 }));
    expect(cycle.mutations).toEqual([
      "lambda:UpdateFunctionConfiguration",
      "lambda:PublishVersion",
      "lambda:UpdateAlias",
    ]);
    expect(h.fake.inputs("lambda:UpdateFunctionConfiguration")[0]).toMatchObject({
      MemorySize: 1024,
      Environment: { Variables: expect.objectContaining({ MLOPS_TOP_K: "5" }) as unknown },
    });
  });

  it("sends the architecture with the code (UpdateFunctionConfiguration cannot change it)", async () => {
    const { h, config } = await deployed();
    const cycle = await h.apply(lambdaGraph({ ...config, architecture: "x86_64" }));
    expect(cycle.mutations).toEqual([
      "lambda:UpdateFunctionCode",
      "lambda:PublishVersion",
      "lambda:UpdateAlias",
    ]);
    expect(h.fake.inputs("lambda:UpdateFunctionCode")[0]).toMatchObject({
      Architectures: ["x86_64"],
    });
  });

  it("retags without publishing a version (tags are not versioned)", async () => {
    const { h, config } = await deployed();
    const graph = lambdaGraph(config);
    for (const node of graph.nodes) node.tags = { ...node.tags, team: "vision" };
    const cycle = await h.apply(graph);
    expect(actions(cycle.plan)[ALIAS]).toBe("noop");
    expect(cycle.mutations.sort()).toEqual(["lambda:TagResource", "logs:TagResource"]);
  });

  it("changes retention, reservation and provisioned concurrency in place", async () => {
    const { h, config } = await deployed();
    const cycle = await h.apply(
      lambdaGraph({
        ...config,
        logRetentionDays: 7,
        reservedConcurrency: 10,
        provisionedConcurrency: 4,
      }),
    );
    expect(cycle.mutations).toEqual([
      "logs:PutRetentionPolicy",
      "lambda:PutFunctionConcurrency",
      "lambda:PutProvisionedConcurrencyConfig",
    ]);
    const risk = cycle.plan.changes.find((c) => c.address === PROVISIONED_CONCURRENCY)?.risk;
    expect(risk).toEqual(["cost-up"]);
  });

  it("lowers reservation and provisioned concurrency together, the reservation never below it", async () => {
    const { h, config } = await deployed(
      lambdaConfig({ reservedConcurrency: 10, provisionedConcurrency: 8 }),
    );
    const cycle = await h.apply(
      lambdaGraph({ ...config, reservedConcurrency: 5, provisionedConcurrency: 4 }),
    );
    expect(cycle.steps.every((s) => s.status === "done")).toBe(true);
    expect(cycle.mutations).toEqual([
      "lambda:PutProvisionedConcurrencyConfig", // 8 -> 5, to fit under the new reservation
      "lambda:PutFunctionConcurrency",
      "lambda:PutProvisionedConcurrencyConfig", // 5 -> 4, the configured value
    ]);
    const fn = h.fake.functions.get(NAME);
    expect(fn?.reserved).toBe(5);
    expect(fn?.provisioned.get("live")).toMatchObject({ requested: 4, status: "READY" });
  });

  it("deletes provisioned and reserved concurrency removed from the config", async () => {
    const { h, config } = await deployed();
    const cycle = await h.apply(
      lambdaGraph(
        lambdaConfig({ ...config, provisionedConcurrency: 0, reservedConcurrency: undefined }),
      ),
    );
    expect(actions(cycle.plan)).toMatchObject({
      [PROVISIONED_CONCURRENCY]: "delete",
      [RESERVED_CONCURRENCY]: "delete",
    });
    expect(cycle.mutations.sort()).toEqual([
      "lambda:DeleteFunctionConcurrency",
      "lambda:DeleteProvisionedConcurrencyConfig",
    ]);
    expect(h.fake.inputs("lambda:DeleteProvisionedConcurrencyConfig")).toEqual([
      { FunctionName: NAME, Qualifier: "live" },
    ]);
    const fn = h.fake.functions.get(NAME);
    expect(fn?.provisioned.size).toBe(0);
    expect(fn?.reserved).toBeUndefined();
    expect(Object.keys(h.state.resources)).not.toContain(PROVISIONED_CONCURRENCY);
  });

  it("publishes when the alias points at $LATEST", async () => {
    const { h, config } = await deployed();
    h.fake.functions.get(NAME)?.aliases.set("live", "$LATEST");
    const plan = await h.plan(lambdaGraph(config));
    const change = plan.changes.find((c) => c.address === ALIAS);
    expect(change?.action).toBe("update");
    expect(change?.changes[0]).toEqual({
      path: "functionVersion",
      before: "$LATEST",
      after: "a published version",
    });
  });

  it("refuses to upload code that changed after the plan was made", async () => {
    const h = harness(fakeAws());
    const config = lambdaConfig({ code: codeDir() });
    const graph = lambdaGraph(config);
    const plan = await h.plan(graph);
    writeFileSync(join(config.code, "index.mjs"), "export const handler = 'changed';\n");
    const node = plan.nodes[FUNCTION];
    if (!node) throw new Error("no function node");
    const { functionHandler } = await import("../../../actions/src/resources/lambda/function.js");
    await expect(functionHandler.create(node as never, h.ctx)).rejects.toThrow(
      /changed since the plan was made/,
    );
    expect(h.fake.calls).not.toContain("lambda:CreateFunction");
  });

  it("deletes everything in reverse dependency order", async () => {
    const { h } = await deployed();
    const cycle = await h.apply({ context: lambdaGraph(lambdaConfig()).context, nodes: [] });
    expect(outcomes(cycle.steps)).toEqual({
      [PROVISIONED_CONCURRENCY]: "done",
      [RESERVED_CONCURRENCY]: "done",
      [ALIAS]: "done",
      [FUNCTION]: "done",
      [LOG_GROUP]: "done",
    });
    const order = (op: string): number => cycle.mutations.indexOf(op);
    expect(order("lambda:DeleteProvisionedConcurrencyConfig")).toBeLessThan(
      order("lambda:DeleteAlias"),
    );
    expect(order("lambda:DeleteAlias")).toBeLessThan(order("lambda:DeleteFunction"));
    expect(order("lambda:DeleteFunction")).toBeLessThan(order("logs:DeleteLogGroup"));
    expect(h.fake.functions.size).toBe(0);
  });
});

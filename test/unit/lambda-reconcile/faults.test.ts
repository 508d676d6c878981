// Fault paths, each through the executor as `mlops apply` runs it: Lambda busy mid-update, a
// role IAM has not propagated yet, an update that stays InProgress or fails, provisioned
// concurrency that FAILS to allocate, and a reservation the account cannot afford.
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
import { awsError, fakeAws } from "./fake-aws.js";
import { harness, lambdaConfig, lambdaGraph, outcomes } from "./harness.js";

const NAME = "pets-inference";
const BUSY = awsError(
  "ResourceConflictException",
  `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:${NAME}`,
  409,
);
const ROLE_NOT_YET = awsError(
  "InvalidParameterValueException",
  "The role defined for the function cannot be assumed by Lambda.",
);

async function deployed() {
  const config = lambdaConfig();
  const h = harness(fakeAws());
  const first = await h.apply(lambdaGraph(config));
  expect(first.steps.every((s) => s.status === "done")).toBe(true);
  return { h, config };
}

describe("Lambda reconcile faults", () => {
  it("retries a ResourceConflictException mid-update without repeating the finished step", async () => {
    const { h, config } = await deployed();
    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 3;\n");
    h.fake.failNext("lambda:UpdateFunctionConfiguration", BUSY, 2);
    const cycle = await h.apply(lambdaGraph({ ...config, memory: 2048 }));
    expect(outcomes(cycle.steps)[FUNCTION]).toBe("done");
    expect(cycle.mutations.filter((m) => m === "lambda:UpdateFunctionCode")).toHaveLength(1);
    expect(cycle.mutations.filter((m) => m === "lambda:UpdateFunctionConfiguration")).toHaveLength(
      3,
    );
    expect(cycle.mutations.filter((m) => m === "lambda:PublishVersion")).toHaveLength(1);
    const busy = cycle.log.filter((l) => l.includes(": busy (") && l.includes("An update is in"));
    expect(busy).toHaveLength(2);
    expect(h.fake.functions.get(NAME)?.latest.MemorySize).toBe(2048);
    expect(h.fake.functions.get(NAME)?.aliases.get("live")).toBe("2");
  });

  it("retries a role Lambda cannot assume yet (IAM propagation), then creates", async () => {
    const h = harness(fakeAws());
    h.fake.failNext("lambda:CreateFunction", ROLE_NOT_YET, 4);
    const cycle = await h.apply(lambdaGraph(lambdaConfig()));
    expect(outcomes(cycle.steps)).toMatchObject({ [FUNCTION]: "done", [ALIAS]: "done" });
    expect(cycle.mutations.filter((m) => m === "lambda:CreateFunction")).toHaveLength(5);
    expect(cycle.log.filter((l) => l.includes("cannot be assumed by Lambda"))).toHaveLength(4);
  });

  it("gives up on a role that never becomes assumable, and skips what depends on it", async () => {
    const h = harness(fakeAws());
    h.fake.failNext("lambda:CreateFunction", ROLE_NOT_YET, 1000);
    const started = h.ctx.clock.now();
    const cycle = await h.apply(lambdaGraph(lambdaConfig()));
    const result = outcomes(cycle.steps);
    expect(result[FUNCTION]).toMatch(
      /^failed: .*creating Lambda function pets-inference: InvalidParameterValueException: The role defined/,
    );
    expect(result).toMatchObject({
      [LOG_GROUP]: "done",
      [ALIAS]: "skipped",
      [RESERVED_CONCURRENCY]: "skipped",
      [PROVISIONED_CONCURRENCY]: "skipped",
    });
    const waited = h.ctx.clock.now() - started;
    expect(waited).toBeGreaterThanOrEqual(2 * 60_000);
    expect(waited).toBeLessThan(3 * 60_000);
  });

  it("waits for LastUpdateStatus Successful between the code and the configuration update", async () => {
    const { h, config } = await deployed();
    h.fake.scriptUpdate(NAME, [
      { LastUpdateStatus: "InProgress" },
      { LastUpdateStatus: "InProgress" },
      { LastUpdateStatus: "Successful" },
    ]);
    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 4;\n");
    const cycle = await h.apply(lambdaGraph({ ...config, timeoutSeconds: 60 }));
    expect(outcomes(cycle.steps)[FUNCTION]).toBe("done");
    // The fake refuses any update while InProgress, so success means we waited.
    expect(cycle.mutations.slice(0, 2)).toEqual([
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
    ]);
    expect(cycle.log.some((l) => l.includes("LastUpdateStatus InProgress"))).toBe(true);
  });

  it("fails with the reason when an update ends Failed, and publishes nothing", async () => {
    const { h, config } = await deployed();
    h.fake.scriptUpdate(NAME, [
      { LastUpdateStatus: "Failed", LastUpdateStatusReason: "Unzipped size must be smaller" },
    ]);
    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 5;\n");
    const cycle = await h.apply(lambdaGraph(config));
    expect(outcomes(cycle.steps)[FUNCTION]).toMatch(
      /^failed: .*LastUpdateStatus Failed \/ Unzipped size must be smaller/,
    );
    expect(outcomes(cycle.steps)[ALIAS]).toBe("skipped");
    expect(cycle.mutations).not.toContain("lambda:PublishVersion");
  });

  it("reports a FAILED provisioned concurrency allocation with its StatusReason", async () => {
    const h = harness(fakeAws());
    const config = lambdaConfig();
    h.fake.failProvisioned(NAME);
    const cycle = await h.apply(lambdaGraph(config));
    expect(outcomes(cycle.steps)).toMatchObject({
      [FUNCTION]: "done",
      [ALIAS]: "done",
      [RESERVED_CONCURRENCY]: "done",
    });
    expect(outcomes(cycle.steps)[PROVISIONED_CONCURRENCY]).toMatch(
      /^failed: .*lambda\.provisioned-concurrency\.api: FAILED \/ FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize$/,
    );
    // The next plan says why it will put it again.
    const plan = await h.plan(lambdaGraph(config));
    const change = plan.changes.find((c) => c.address === PROVISIONED_CONCURRENCY);
    expect(change?.action).toBe("update");
    expect(change?.reason).toContain("FUNCTION_ERROR_INIT_FAILURE");
  });

  it("waits for provisioned concurrency on the moved alias, and fails the alias step if it FAILS", async () => {
    const { h, config } = await deployed();
    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 6;\n");
    h.fake.failProvisioned(NAME);
    const cycle = await h.apply(lambdaGraph(config));
    expect(outcomes(cycle.steps)[ALIAS]).toMatch(
      /^failed: .*provisioned concurrency on pets-inference:live: FAILED \/ FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize$/,
    );
    expect(h.fake.functions.get(NAME)?.aliases.get("live")).toBe("2");
    expect(cycle.mutations).not.toContain("lambda:PutProvisionedConcurrencyConfig");

    writeFileSync(join(config.code, "index.mjs"), "export const handler = async () => 7;\n");
    const fixed = await h.apply(lambdaGraph(config));
    expect(outcomes(fixed.steps)[ALIAS]).toBe("done");
    expect(
      fixed.log.some((l) => l.includes("provisioned concurrency on pets-inference:live: READY")),
    ).toBe(true);
  });

  it("refuses a reservation above what the account can spare, before PutFunctionConcurrency", async () => {
    const h = harness(fakeAws());
    h.fake.account.limit = 150;
    const cycle = await h.apply(lambdaGraph(lambdaConfig({ reservedConcurrency: 60 })));
    const result = outcomes(cycle.steps);
    expect(result[RESERVED_CONCURRENCY]).toContain(
      "cannot reserve 60 concurrent executions for Lambda function pets-inference: the account's limit is 150, 150 are unreserved now, and at least 100 must stay unreserved, so at most 50 fit",
    );
    expect(result[PROVISIONED_CONCURRENCY]).toBe("skipped");
    expect(result[ALIAS]).toBe("done");
    expect(h.fake.calls).toContain("lambda:GetAccountSettings");
    expect(h.fake.calls).not.toContain("lambda:PutFunctionConcurrency");
  });

  it("counts the function's own reservation as available when raising it", async () => {
    const h = harness(fakeAws());
    h.fake.account.limit = 200;
    const config = lambdaConfig({ reservedConcurrency: 60 });
    const first = await h.apply(lambdaGraph(config));
    expect(outcomes(first.steps)[RESERVED_CONCURRENCY]).toBe("done");
    // 140 unreserved + 60 of its own - 100 = 100 may be reserved: 100 fits, 101 does not.
    const fits = await h.apply(lambdaGraph({ ...config, reservedConcurrency: 100 }));
    expect(outcomes(fits.steps)[RESERVED_CONCURRENCY]).toBe("done");
    const tooMuch = await h.apply(lambdaGraph({ ...config, reservedConcurrency: 101 }));
    expect(outcomes(tooMuch.steps)[RESERVED_CONCURRENCY]).toMatch(/at most 100 fit/);
    expect(h.fake.inputs("lambda:PutFunctionConcurrency")).toHaveLength(2);
  });
});

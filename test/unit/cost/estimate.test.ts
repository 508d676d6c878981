// The cost estimate of the shipped configs, by hand from a price table, and the refresh script's
// parsing of Price List API pages (test/fixtures/pricing: the documented shape, fixture prices).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../actions/src/config/load.js";
import type { Config } from "../../../actions/src/config/types.js";
import {
  estimateCost,
  monthlyDelta,
  renderCostMarkdown,
  renderCostText,
} from "../../../actions/src/cost/estimate.js";
import { estimateLive } from "../../../actions/src/cost/live.js";
import type { Observations } from "../../../actions/src/plan/compute.js";
import { regionsCovered, type PriceTable } from "../../../actions/src/cost/price-table.js";
import { PRICE_TABLE } from "../../../actions/src/cost/prices.generated.js";
import { makeWorkspace, REPO, type Workspace } from "../config/helpers.js";

let tmp: string;
let table: PriceTable;
let ws: Workspace;
let dogBreeds: Config;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "mlops-prices-"));
  const out = join(tmp, "prices.generated.ts");
  execFileSync(process.env["MLOPS_PYTHON"] ?? "python3", [
    join(REPO, "scripts/refresh-prices.py"),
    "--from-files",
    join(REPO, "test/fixtures/pricing/sagemaker-page.json"),
    join(REPO, "test/fixtures/pricing/lambda-page.json"),
    "--taken-at",
    "2026-11-27",
    "--out",
    out,
  ]);
  const text = readFileSync(out, "utf8");
  table = JSON.parse(/= (\{[\s\S]*\});\n$/.exec(text)?.[1] ?? "") as PriceTable;
  ws = makeWorkspace();
  mkdirSync(join(ws.dir, "config"));
  dogBreeds = loadConfig(
    ws.write("config/mlops.yaml", readFileSync(join(REPO, "config/mlops.yaml"), "utf8")),
  );
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  ws.remove();
});

describe("scripts/refresh-prices.py", () => {
  it("keeps on-demand hosting, training and provisioned-concurrency prices, by region", () => {
    expect(table).toEqual({
      takenAt: "2026-11-27",
      source: "AWS Price List API (pricing:GetProducts), services AmazonSageMaker and AWSLambda",
      sagemakerHosting: { "us-east-1": { "ml.m5.large": 1 } },
      // The notebook price of ml.m5.xlarge is not its training price.
      sagemakerTraining: { "us-east-1": { "ml.m5.xlarge": 2 } },
      lambdaProvisionedConcurrency: { "us-east-1": { x86_64: 0.000001, arm64: 0.0000008 } },
    });
    expect(regionsCovered(table)).toEqual(["us-east-1"]);
  });
});

describe("the cost of config/mlops.yaml", () => {
  it("matches a hand calculation from a price table (us-east-1)", () => {
    const e = estimateCost(dogBreeds, table);
    // Endpoint: 1-3 x ml.m5.large at $1/h for 730 h.
    expect(e.lines[0]).toMatchObject({
      address: "sagemaker.endpoint.main",
      what: "1-3 x ml.m5.large",
      usd: { low: 730, high: 2190 },
    });
    // Provisioned concurrency: 2 x 0.5 GB x 730 x 3600 s x $0.0000008 (arm64, the default).
    expect(dogBreeds.lambda?.architecture).toBe("arm64");
    expect(e.lines[1]?.usd?.high).toBeCloseTo(2.1024, 6);
    // Training: 1 x ml.m5.xlarge x 2 h at $2/h, on demand (no spot range).
    expect(e.lines[2]).toMatchObject({ per: "run", usd: { low: 4, high: 4 } });
    expect(e.monthly?.low).toBeCloseTo(730 + 2.1024, 6);
    expect(e.monthly?.high).toBeCloseTo(2190 + 2.1024, 6);
    expect(e.incomplete).toBe(false);
  });

  it("with the shipped table (us-east-1): the plan's numbers are the hand calculation", () => {
    const hosting = PRICE_TABLE.sagemakerHosting["us-east-1"]?.["ml.m5.large"] ?? NaN;
    const provisioned = PRICE_TABLE.lambdaProvisionedConcurrency["us-east-1"]?.arm64 ?? NaN;
    // Endpoint: 1-3 x ml.m5.large for 730 h; provisioned concurrency: 2 x 0.5 GB for 730 h.
    const endpointLow = 1 * hosting * 730;
    const endpointHigh = 3 * hosting * 730;
    const concurrency = 2 * 0.5 * 730 * 3600 * provisioned;
    expect([endpointLow, endpointHigh, concurrency]).toEqual([
      expect.closeTo(83.95, 9),
      expect.closeTo(251.85, 9),
      expect.closeTo(8.7601752, 9),
    ]);
    const e = estimateCost(dogBreeds, PRICE_TABLE);
    expect(e.lines[0]?.usd).toEqual({ low: endpointLow, high: endpointHigh });
    expect(e.lines[1]?.usd).toEqual({ low: concurrency, high: concurrency });
    // The training run's upper bound: the shipped table has no verified ml.m5.xlarge training
    // price, so it says so instead of guessing.
    expect(e.lines[2]?.noPrice).toBe("no price for ml.m5.xlarge training in us-east-1");
    const text = renderCostText(e);
    expect(text).toContain("us-east-1, list prices of 2026-06-27; an estimate, not a bill");
    expect(text).toContain("$83.95-$251.85 per month  (1-3 x ml.m5.large)");
    expect(text).toContain("$8.76 per month  (2 x 512 MB provisioned (arm64))");
    expect(text).toContain("no price for ml.m5.xlarge training in us-east-1");
    expect(text.split("\n").at(-1)).toBe("  $92.71-$260.61 per month");
    // A scaling change (max 3 -> 10) in the pull request's comment: the column and the delta.
    const scaled: Config = {
      ...dogBreeds,
      endpoint: {
        ...dogBreeds.endpoint,
        autoscaling: {
          ...(dogBreeds.endpoint.autoscaling as NonNullable<Config["endpoint"]["autoscaling"]>),
          maxCapacity: 10,
        },
      },
    };
    const markdown = renderCostMarkdown(e, estimateCost(scaled, PRICE_TABLE));
    expect(markdown).toContain(
      "| `sagemaker.endpoint.main` | 1-10 x ml.m5.large | $83.95-$839.50 per month |",
    );
    expect(markdown).toContain(
      "| `lambda.provisioned-concurrency.api` | 2 x 512 MB provisioned (arm64) | $8.76 per month |",
    );
    expect(markdown.split("\n").at(-1)).toBe(
      `monthly estimate: $92.71-$260.61 -> $92.71-$${(10 * hosting * 730 + concurrency).toFixed(2)}`,
    );
    expect(markdown.split("\n").at(-1)).toBe("monthly estimate: $92.71-$260.61 -> $92.71-$848.26");
  });

  it("config/full.example.yaml's instance types, priced in us-east-1: GPUs, spot as a range", () => {
    const full = loadConfig(
      ws.write(
        "config/full.yaml",
        readFileSync(join(REPO, "config/full.example.yaml"), "utf8").replaceAll(
          "eu-west-1",
          "us-east-1",
        ),
      ),
    );
    const e = estimateCost(full, PRICE_TABLE);
    // 2-8 x ml.g5.xlarge at $1.4084 for 730 h; 4 x 1 GB arm64 provisioned; its search of 12
    // spot trials, each 5 x ml.g5.2xlarge x 3 h at $1.515, from 10% of on-demand.
    expect(e.lines.map((l) => [l.address, l.usd])).toEqual([
      ["sagemaker.endpoint.main", { low: 2 * 1.4084 * 730, high: 8 * 1.4084 * 730 }],
      [
        "lambda.provisioned-concurrency.api",
        { low: 4 * 730 * 3600 * 0.0000033334, high: 4 * 730 * 3600 * 0.0000033334 },
      ],
      ["training.run.main", { low: 12 * 5 * 3 * 1.515 * 0.1, high: 12 * 5 * 3 * 1.515 }],
    ]);
    expect(renderCostText(e)).toContain("$2056.26-$8225.06 per month  (2-8 x ml.g5.xlarge)");
  });

  it("the shipped table prices nothing outside the regions it covers", () => {
    expect(regionsCovered(PRICE_TABLE)).toEqual(["us-east-1"]);
    const e = estimateCost({ ...dogBreeds, region: "eu-west-1" }, PRICE_TABLE);
    expect(e.lines.map((l) => l.usd)).toEqual([undefined, undefined, undefined]);
    expect(e.monthly).toBeUndefined();
  });

  it("an unknown region or instance type is no price; spot is a range", () => {
    const elsewhere = estimateCost({ ...dogBreeds, region: "eu-west-1" }, table);
    expect(elsewhere.lines[0]?.noPrice).toBe("no price for ml.m5.large hosting in eu-west-1");
    const spot = estimateCost(
      { ...dogBreeds, training: { ...dogBreeds.training, spot: { enabled: true } } },
      table,
    );
    expect(spot.lines[2]?.usd).toEqual({ low: 0.4, high: 4 });
  });

  it("a search's upper bound is its whole budget of trials", () => {
    const tuning = {
      enabled: true,
      objective: { metric: "valid:loss", goal: "minimize" as const },
      strategy: "random" as const,
      maxJobs: 12,
      maxParallelJobs: 3,
      earlyStopping: false,
      warmStart: true,
      seed: 1,
      parameters: {
        lr: { type: "continuous" as const, min: 0.001, max: 0.1, scaling: "log" as const },
      },
    };
    const single = estimateCost(dogBreeds, table).lines[2];
    const tuned = estimateCost({ ...dogBreeds, training: { ...dogBreeds.training, tuning } }, table)
      .lines[2];
    expect(tuned?.what).toMatch(/^12 trials x /);
    expect(tuned?.usd?.high).toBeCloseTo(12 * (single?.usd?.high ?? NaN));
    // Declared but off (only `mlops train --tune` runs it): the plan prices one run.
    const off = { ...tuning, enabled: false };
    expect(
      estimateCost({ ...dogBreeds, training: { ...dogBreeds.training, tuning: off } }, table)
        .lines[2]?.usd,
    ).toEqual(single?.usd);
  });

  it("the pull request's delta runs from what the plan read live to the config", () => {
    const live = (entries: Record<string, unknown>): Observations =>
      new Map(Object.entries(entries).map(([a, observed]) => [a, { observed, digest: "x" }]));
    // Live: max 3 instances; the config raises it to 10.
    const scaled: Config = {
      ...dogBreeds,
      endpoint: {
        ...dogBreeds.endpoint,
        autoscaling: {
          ...(dogBreeds.endpoint.autoscaling as NonNullable<Config["endpoint"]["autoscaling"]>),
          maxCapacity: 10,
        },
      },
    };
    const observations = live({
      "sagemaker.endpoint.main": { instanceType: "ml.m5.large" },
      "autoscaling.variant.main": { min: 1, max: 3 },
      "lambda.function.api": { memory: 512 },
      "lambda.provisioned-concurrency.api": { concurrency: 2, status: "READY" },
    });
    const markdown = renderCostMarkdown(
      estimateLive(scaled, observations, table),
      estimateCost(scaled, table),
    );
    expect(markdown).toContain(
      "| `sagemaker.endpoint.main` | 1-10 x ml.m5.large | $730.00-$7300.00 per month |",
    );
    expect(markdown).toContain("an estimate, not a bill");
    expect(markdown.split("\n").at(-1)).toBe(
      "monthly estimate: $732.10-$2192.10 -> $732.10-$7302.10",
    );
    // Nothing deployed yet: from $0.
    expect(monthlyDelta(estimateLive(scaled, live({}), table), estimateCost(scaled, table))).toBe(
      "monthly estimate: $0.00 -> $732.10-$7302.10",
    );
  });

  it("a scaling change shows as the monthly delta", () => {
    const before = estimateCost(dogBreeds, table);
    const scaled = estimateCost(
      {
        ...dogBreeds,
        endpoint: {
          ...dogBreeds.endpoint,
          autoscaling: {
            ...(dogBreeds.endpoint.autoscaling as NonNullable<Config["endpoint"]["autoscaling"]>),
            maxCapacity: 10,
          },
        },
      },
      table,
    );
    expect(monthlyDelta(before, scaled)).toBe(
      "monthly estimate: $732.10-$2192.10 -> $732.10-$7302.10",
    );
  });
});

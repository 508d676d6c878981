// The trials the tool chooses itself (seeded random within the ranges, every grid combination),
// the best of them, and the report: sorted best first, the best marked, a chart per trial.
import { describe, expect, it } from "vitest";
import type { TuningConfig } from "../../../actions/src/config/types.js";
import type { TuningResult } from "../../../actions/src/resources/state-records.js";
import {
  sortedTrials,
  tuningReportJson,
  tuningReportMarkdown,
  tuningReportText,
} from "../../../actions/src/training/tuning-report.js";
import { bestTrial } from "../../../actions/src/training/tuning-result.js";
import { chooseTrials, gridSize } from "../../../actions/src/training/tuning-search.js";

const search: Omit<TuningConfig, "enabled"> = {
  objective: { metric: "test:accuracy", goal: "maximize" },
  strategy: "random",
  maxJobs: 40,
  maxParallelJobs: 2,
  earlyStopping: false,
  warmStart: true,
  seed: 7,
  parameters: {
    "learning-rate": { type: "continuous", min: 0.001, max: 0.1, scaling: "log" },
    "batch-size": { type: "integer", min: 32, max: 512, scaling: "linear" },
    optimizer: { type: "categorical", values: ["sgd", "adam"] },
  },
};

describe("choosing trials", () => {
  it("draws maxJobs trials within the ranges, the same for the same seed", () => {
    const trials = chooseTrials(search);
    expect(trials).toHaveLength(40);
    for (const t of trials) {
      expect(t["learning-rate"]).toBeGreaterThanOrEqual(0.001);
      expect(t["learning-rate"]).toBeLessThanOrEqual(0.1);
      expect(Number.isInteger(t["batch-size"])).toBe(true);
      expect(t["batch-size"]).toBeGreaterThanOrEqual(32);
      expect(t["batch-size"]).toBeLessThanOrEqual(512);
      expect(["sgd", "adam"]).toContain(t["optimizer"]);
    }
    expect(chooseTrials(search)).toEqual(trials);
    expect(chooseTrials({ ...search, seed: 8 })).not.toEqual(trials);
    // Log scaling spreads over the decades: some trials below 0.01, as many as linear would not.
    const below = trials.filter((t) => (t["learning-rate"] as number) < 0.01).length;
    expect(below).toBeGreaterThan(10);
  });

  it("runs every combination of a grid", () => {
    const grid = {
      ...search,
      strategy: "grid" as const,
      parameters: {
        "batch-size": { type: "categorical" as const, values: [32, 64, 128] },
        optimizer: { type: "categorical" as const, values: ["sgd", "adam"] },
      },
    };
    expect(gridSize(grid.parameters)).toBe(6);
    expect(chooseTrials(grid)).toEqual([
      { "batch-size": 32, optimizer: "sgd" },
      { "batch-size": 32, optimizer: "adam" },
      { "batch-size": 64, optimizer: "sgd" },
      { "batch-size": 64, optimizer: "adam" },
      { "batch-size": 128, optimizer: "sgd" },
      { "batch-size": 128, optimizer: "adam" },
    ]);
  });
});

const result: TuningResult = {
  job: "pets-1234abcd-1",
  objective: { metric: "test:loss", goal: "minimize" },
  baseFingerprint: "b",
  parameterTypes: { "learning-rate": "continuous" },
  trials: [
    {
      job: "t-001",
      status: "Completed",
      hyperparameters: { "learning-rate": "0.01" },
      objective: 0.4,
    },
    {
      job: "t-002",
      status: "Failed",
      hyperparameters: { "learning-rate": "0.1" },
      failureReason: "OOM",
    },
    {
      job: "t-003",
      status: "Completed",
      hyperparameters: { "learning-rate": "0.001" },
      objective: 0.2,
    },
    {
      job: "t-004",
      status: "Completed",
      hyperparameters: { "learning-rate": "0.05" },
      objective: 0.9,
    },
  ],
};

describe("the best trial and the report", () => {
  it("picks the highest objective to maximize and the lowest to minimize", () => {
    expect(bestTrial(result.trials, "minimize")?.job).toBe("t-003");
    expect(bestTrial(result.trials, "maximize")?.job).toBe("t-004");
    expect(bestTrial([result.trials[1] ?? {}], "maximize")).toBeUndefined();
  });

  it("sorts best first, failed trials last, and marks the best", () => {
    const rows = sortedTrials(result, "t-003");
    expect(rows.map((r) => r.job)).toEqual(["t-003", "t-001", "t-004", "t-002"]);
    expect(rows.filter((r) => r.best).map((r) => r.job)).toEqual(["t-003"]);
    expect(rows.map((r) => r.number)).toEqual([3, 1, 4, 2]);
  });

  it("says it in text, markdown with a chart of the objective per trial, and JSON", () => {
    const text = tuningReportText(result, "t-003");
    expect(text).toContain("4 trials (1 not completed), objective test:loss (minimize)");
    expect(text).toMatch(/\* t-003 +Completed +0\.2 +learning-rate=0\.001/);
    expect(text).toContain("(OOM)");

    const md = tuningReportMarkdown(result, "t-003");
    expect(md).toContain("| **best** | t-003 | Completed | 0.2 | 0.001 |");
    expect(md).toContain("|  | t-002 | Failed: OOM | - | 0.1 |");
    expect(md).toContain("xychart-beta");
    expect(md).toContain('x-axis ["1", "3", "4"]');
    expect(md).toContain("bar [0.4, 0.2, 0.9]");

    const json = tuningReportJson(result, "t-003");
    expect(json.best).toBe("t-003");
    expect(json.trials[0]).toMatchObject({ job: "t-003", best: true, objective: 0.2 });
  });
});

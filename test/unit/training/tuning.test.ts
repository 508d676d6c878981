// The trials the tool chooses itself (seeded random within the ranges, every grid combination),
// the best of them, and the report: sorted best first, the best marked, a chart per trial.
import { describe, expect, it } from "vitest";
import type { TuningConfig } from "../../../actions/src/config/types.js";
import type { TrainingSpec } from "../../../actions/src/graph/sagemaker-nodes.js";
import type { TrainingRecord, TuningResult } from "../../../actions/src/resources/state-records.js";
import { createTrainingJobRequest } from "../../../actions/src/training/sagemaker-job.js";
import { createTuningJobRequest } from "../../../actions/src/training/sagemaker-tuning.js";
import {
  sortedTrials,
  tuningReportJson,
  tuningReportMarkdown,
  tuningReportText,
} from "../../../actions/src/training/tuning-report.js";
import { bestTrial, warmStartParent } from "../../../actions/src/training/tuning-result.js";
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

const single: TrainingSpec = {
  backend: "sagemaker",
  project: "pets",
  entryPoint: "train.py",
  sourceDir: "/src",
  hyperparameters: { epochs: 10, arch: "resnet50" },
  metrics: [
    { name: "valid:loss", regex: "val_loss=([0-9.]+)" },
    { name: "test:accuracy", regex: "test_accuracy=([0-9.]+)" },
  ],
  image: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu-py311",
  instance: { type: "ml.g5.xlarge", count: 2, volumeSizeGB: 50 },
  spot: { enabled: true, maxWaitSeconds: 14400 },
  maxRuntimeSeconds: 7200,
  vpc: { subnets: ["subnet-0a1b"], securityGroups: ["sg-0c1d"] },
  roleArn: "arn:aws:iam::123456789012:role/mlops/pets-sagemaker",
  input: { bucket: "data", prefix: "images/" },
  output: {
    bucket: "data",
    artifactPrefix: "pets/training-output/",
    checkpointPrefix: "pets/checkpoints/",
    codePrefix: "pets/code/",
  },
  python: "python3",
  fingerprint: "f".repeat(64),
};

describe("the CreateHyperParameterTuningJob request", () => {
  const tuned = { ...single, tuning: { ...search, maxJobs: 12, maxParallelJobs: 3 } };
  const source = "s3://data/pets/code/abc/sourcedir.tar.gz";

  it("uses the single job's definition, with the searched values as ranges", () => {
    const one = createTrainingJobRequest(single, "pets-ffffffff-1", source, "us-east-1", {});
    const req = createTuningJobRequest(
      tuned,
      "pets-ffffffff-1",
      source,
      "us-east-1",
      { team: "ml" },
      undefined,
    );
    const d = req.TrainingJobDefinition;
    expect(d?.StaticHyperParameters).toEqual(one.HyperParameters);
    expect(d?.StaticHyperParameters?.["sagemaker_torch_distributed_enabled"]).toBe("true");
    expect(d?.AlgorithmSpecification).toEqual({ ...one.AlgorithmSpecification });
    for (const key of ["RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig"] as const)
      expect(d?.[key]).toEqual(one[key]);
    expect(d?.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: 7200,
      MaxWaitTimeInSeconds: 14400,
    });
    expect(d?.EnableManagedSpotTraining).toBe(true);
    expect(d?.CheckpointConfig).toEqual(one.CheckpointConfig);
    expect(d?.VpcConfig).toEqual(one.VpcConfig);
    expect(req.HyperParameterTuningJobConfig).toEqual({
      Strategy: "Random",
      HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "test:accuracy" },
      ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 3 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          { Name: "learning-rate", MinValue: "0.001", MaxValue: "0.1", ScalingType: "Logarithmic" },
        ],
        IntegerParameterRanges: [
          { Name: "batch-size", MinValue: "32", MaxValue: "512", ScalingType: "Linear" },
        ],
        CategoricalParameterRanges: [{ Name: "optimizer", Values: ["sgd", "adam"] }],
      },
      TrainingJobEarlyStoppingType: "Off",
      RandomSeed: 7,
    });
    expect(req.Tags).toEqual([{ Key: "team", Value: "ml" }]);
    expect(req.WarmStartConfig).toBeUndefined();
  });

  it("leaves MaxNumberOfTrainingJobs to a grid, and warm-starts from a parent", () => {
    const grid = {
      ...tuned,
      tuning: {
        ...tuned.tuning,
        strategy: "grid" as const,
        maxJobs: undefined,
        parameters: { optimizer: { type: "categorical" as const, values: ["sgd", "adam"] } },
      },
    };
    const { maxJobs: _none, ...gridTuning } = grid.tuning;
    const req = createTuningJobRequest(
      { ...grid, tuning: gridTuning },
      "n",
      source,
      "us-east-1",
      {},
      undefined,
    );
    expect(req.HyperParameterTuningJobConfig?.ResourceLimits).toEqual({
      MaxParallelTrainingJobs: 3,
    });
    const warm = createTuningJobRequest(tuned, "n", source, "us-east-1", {}, "pets-eeeeeeee-1");
    expect(warm.WarmStartConfig).toEqual({
      ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "pets-eeeeeeee-1" }],
      WarmStartType: "IdenticalDataAndAlgorithm",
    });
  });

  it("warm-starts only from a completed search of the same training, objective and parameters", () => {
    const spec = { ...tuned, baseFingerprint: "base", fingerprint: "new" };
    const record = (
      over: Partial<TrainingRecord>,
      tuning: Partial<TuningResult> = {},
    ): TrainingRecord => ({
      fingerprint: "old",
      job: "pets-old-003-x",
      backend: "sagemaker",
      status: "Completed",
      finishedAt: "2026-01-01T00:00:00Z",
      ...over,
      tuning: {
        job: `search-${over.finishedAt ?? "1"}`,
        objective: search.objective,
        baseFingerprint: "base",
        parameterTypes: {
          "learning-rate": "continuous",
          "batch-size": "integer",
          optimizer: "categorical",
        },
        trials: [],
        ...tuning,
      },
    });
    const later = record({ finishedAt: "2026-02-01T00:00:00Z" });
    expect(warmStartParent(spec, [record({}), later])).toBe(later.tuning?.job);
    expect(warmStartParent(spec, [record({ status: "Failed" })])).toBeUndefined();
    expect(warmStartParent(spec, [record({}, { baseFingerprint: "other data" })])).toBeUndefined();
    expect(
      warmStartParent(spec, [record({}, { parameterTypes: { "learning-rate": "continuous" } })]),
    ).toBeUndefined();
    expect(
      warmStartParent({ ...spec, tuning: { ...spec.tuning, warmStart: false } }, [later]),
    ).toBeUndefined();
    expect(warmStartParent({ ...spec, backend: "local" }, [later])).toBeUndefined();
  });
});

import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Node } from "../../../actions/src/graph/graph.js";
import type { TrainingSpec } from "../../../actions/src/graph/sagemaker-nodes.js";
import {
  hyperparameterArgs,
  trainingFingerprint,
} from "../../../actions/src/training/fingerprint.js";
import { checkGate, metricsFromLog } from "../../../actions/src/training/metrics.js";
import { createTrainingJobRequest } from "../../../actions/src/training/sagemaker-job.js";
import { packSourceDir } from "../../../actions/src/training/source-archive.js";
import { trainingHandler } from "../../../actions/src/resources/training/run.js";

const spec = (overrides: Partial<TrainingSpec> = {}): TrainingSpec => ({
  backend: "sagemaker",
  project: "dog-breeds",
  entryPoint: "train.py",
  sourceDir: "/src",
  hyperparameters: { epochs: 10, "batch-size": 64, "learning-rate": 0.001, pretrained: true },
  metrics: [{ name: "test:accuracy", regex: "test_accuracy=([0-9.]+)" }],
  image:
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311-ubuntu20.04-sagemaker",
  instance: { type: "ml.m5.xlarge", count: 1, volumeSizeGB: 30 },
  spot: { enabled: false },
  maxRuntimeSeconds: 7200,
  roleArn: "arn:aws:iam::123456789012:role/mlops/dog-breeds-sagemaker",
  input: { bucket: "data-bucket", prefix: "dogImages/" },
  output: {
    bucket: "data-bucket",
    artifactPrefix: "dog-breeds/training-output/",
    checkpointPrefix: "dog-breeds/checkpoints/",
    codePrefix: "dog-breeds/code/",
  },
  python: "python3",
  fingerprint: "f".repeat(64),
  ...overrides,
});

describe("CreateTrainingJob request (PyTorch script mode)", () => {
  it("JSON-encodes every hyperparameter and names the entry point and code archive", () => {
    const req = createTrainingJobRequest(
      spec(),
      "dog-breeds-ffffffff-1",
      "s3://data-bucket/dog-breeds/code/abc/sourcedir.tar.gz",
      "us-east-1",
      { a: "b" },
    );
    expect(req.HyperParameters).toEqual({
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: '"s3://data-bucket/dog-breeds/code/abc/sourcedir.tar.gz"',
      sagemaker_region: '"us-east-1"',
      sagemaker_container_log_level: "20",
      epochs: "10",
      "batch-size": "64",
      "learning-rate": "0.001",
      pretrained: "true",
    });
    expect(req.InputDataConfig?.[0]?.ChannelName).toBe("training");
    expect(req.InputDataConfig?.[0]?.DataSource?.S3DataSource?.S3DataDistributionType).toBe(
      "FullyReplicated",
    );
    expect(req.AlgorithmSpecification?.MetricDefinitions).toEqual([
      { Name: "test:accuracy", Regex: "test_accuracy=([0-9.]+)" },
    ]);
    expect(req.EnableManagedSpotTraining).toBeUndefined();
  });

  it("copies the whole data set to every instance and enables torchrun when several share the work", () => {
    // train.py deals the images out by rank; a per-host shard would be sharded a second time.
    const req = createTrainingJobRequest(
      spec({ instance: { type: "ml.g5.2xlarge", count: 5, volumeSizeGB: 50 } }),
      "j",
      "s3://x/y",
      "us-east-1",
      {},
    );
    expect(req.HyperParameters?.["sagemaker_torch_distributed_enabled"]).toBe("true");
    expect(req.InputDataConfig?.[0]?.DataSource?.S3DataSource?.S3DataDistributionType).toBe(
      "FullyReplicated",
    );
    expect(req.ResourceConfig?.InstanceCount).toBe(5);
  });

  it("says in the plan how several instances get the data", () => {
    const node = (count: number): Node<TrainingSpec> => ({
      address: "training.run.main",
      kind: "training.run",
      name: "dog-breeds-ffffffff",
      tags: {},
      dependsOn: [],
      spec: spec({ instance: { type: "ml.g5.xlarge", count, volumeSizeGB: 50 } }),
    });
    expect(trainingHandler.createSummary?.(node(2))).toMatch(
      /^train on SageMaker, 2 x ml\.g5\.xlarge, data replicated: /,
    );
    expect(trainingHandler.createSummary?.(node(1))).toMatch(
      /^train on SageMaker, 1 x ml\.g5\.xlarge: /,
    );
  });

  it("uses managed spot with checkpoints and a max wait", () => {
    const req = createTrainingJobRequest(
      spec({ spot: { enabled: true, maxWaitSeconds: 14_400 } }),
      "j",
      "s3://x/y",
      "us-east-1",
      {},
    );
    expect(req.EnableManagedSpotTraining).toBe(true);
    expect(req.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: 7200,
      MaxWaitTimeInSeconds: 14_400,
    });
    expect(req.CheckpointConfig?.LocalPath).toBe("/opt/ml/checkpoints");
    expect(req.CheckpointConfig?.S3Uri).toBe(
      `s3://data-bucket/dog-breeds/checkpoints/${"f".repeat(64)}/`,
    );
  });
});

describe("training fingerprint", () => {
  it("changes with data, code and hyperparameters, and not with hyperparameter order", () => {
    const base = trainingFingerprint(spec(), "data1", "code1");
    expect(trainingFingerprint(spec(), "data2", "code1")).not.toBe(base);
    expect(trainingFingerprint(spec(), "data1", "code2")).not.toBe(base);
    expect(
      trainingFingerprint(spec({ hyperparameters: { epochs: 11 } }), "data1", "code1"),
    ).not.toBe(base);
    const reordered = spec({
      hyperparameters: { pretrained: true, "learning-rate": 0.001, "batch-size": 64, epochs: 10 },
    });
    expect(trainingFingerprint(reordered, "data1", "code1")).toBe(base);
  });

  it("ignores the SageMaker image and instances for the local and ec2 backends (same model either way)", () => {
    const local = trainingFingerprint(spec({ backend: "local" }), "d", "c");
    expect(
      trainingFingerprint(
        spec({ backend: "ec2", instance: { type: "ml.p4d.24xlarge", count: 1, volumeSizeGB: 1 } }),
        "d",
        "c",
      ),
    ).toBe(local);
    expect(trainingFingerprint(spec({ backend: "sagemaker" }), "d", "c")).not.toBe(local);
  });

  it("passes hyperparameters as sorted --key value pairs", () => {
    expect(hyperparameterArgs({ b: 2, a: "x", c: false })).toEqual([
      "--a",
      "x",
      "--b",
      "2",
      "--c",
      "false",
    ]);
  });
});

describe("sourcedir.tar.gz", () => {
  it("is byte-identical for the same code whatever the file times, and skips caches and tests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "src-"));
    writeFileSync(join(dir, "train.py"), "print('hi')\n");
    mkdirSync(join(dir, "__pycache__"));
    writeFileSync(join(dir, "__pycache__", "train.cpython-311.pyc"), "junk");
    mkdirSync(join(dir, "tests"));
    writeFileSync(join(dir, "tests", "test_x.py"), "");
    const first = await packSourceDir(dir);
    utimesSync(join(dir, "train.py"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await packSourceDir(dir);
    expect(second.sha256).toBe(first.sha256);
    expect(first.files).toEqual(["train.py"]);
    writeFileSync(join(dir, "train.py"), "print('hi!')\n");
    expect((await packSourceDir(dir)).sha256).not.toBe(first.sha256);
  });
});

describe("metrics and the quality gate", () => {
  it("reads the last match of each metric regex, as SageMaker does", () => {
    const lines = ["epoch=1 test_accuracy=0.5", "noise", "test_loss=0.2 test_accuracy=0.93"];
    expect(
      metricsFromLog(lines, [{ name: "test:accuracy", regex: "test_accuracy=([0-9.]+)" }]),
    ).toEqual({ "test:accuracy": 0.93 });
  });

  it("passes, fails with the value and the bound, or says it cannot tell", () => {
    expect(checkGate({ metric: "acc", min: 0.7 }, { acc: 0.93 })?.passed).toBe(true);
    expect(checkGate({ metric: "acc", min: 0.7 }, { acc: 0.62 })).toEqual({
      passed: false,
      message: "quality gate failed: acc = 0.62 is below the minimum 0.7",
    });
    expect(checkGate({ metric: "loss", max: 0.5 }, { loss: 0.9 })?.passed).toBe(false);
    expect(checkGate({ metric: "acc", min: 0.7 }, {})).toBeUndefined();
  });
});

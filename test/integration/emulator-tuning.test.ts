// The emulator's tuning jobs (emulator/tuning_ext.py) against AWS's documented behaviour:
// trials are training jobs named <job>-NNN-xxxxxxxx with the static and the searched values,
// BestTrainingJob follows the objective's type, a grid runs every combination,
// ListTrainingJobsForHyperParameterTuningJob filters, sorts and pages, an unknown job is
// ResourceNotFound, and the strict front refuses what AWS's model refuses.
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
  type CreateHyperParameterTuningJobCommandInput,
} from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.js";

const aws = useEmulator();
const sagemaker = new SageMakerClient({ ...aws.clientConfig, maxAttempts: 1 });
const prefix = `et${Date.now().toString(36)}`;

function request(
  name: string,
  config: Partial<
    NonNullable<CreateHyperParameterTuningJobCommandInput["HyperParameterTuningJobConfig"]>
  >,
): CreateHyperParameterTuningJobCommandInput {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: "Random",
      HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "test:accuracy" },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          { Name: "lr", MinValue: "0.001", MaxValue: "0.1", ScalingType: "Logarithmic" },
        ],
        IntegerParameterRanges: [{ Name: "bs", MinValue: "32", MaxValue: "512" }],
      },
      ...config,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { epochs: "3" },
      AlgorithmSpecification: {
        TrainingImage:
          "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311",
        TrainingInputMode: "File",
        MetricDefinitions: [{ Name: "test:accuracy", Regex: "test_accuracy=([0-9.]+)" }],
      },
      RoleArn: "arn:aws:iam::123456789012:role/x",
      OutputDataConfig: { S3OutputPath: "s3://bucket/out/" },
      ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  };
}

describe("emulated tuning jobs", () => {
  it("runs trials as training jobs and names the best by the objective's type", async () => {
    const name = `${prefix}-min`;
    await aws.control.setTuningOutcome(name, {
      trials: [
        { Objective: 0.3 },
        { Objective: 0.1 },
        { Status: "Failed", FailureReason: "AlgorithmError: OOM" },
        { Objective: 0.2 },
      ],
    });
    await sagemaker.send(
      new CreateHyperParameterTuningJobCommand(
        request(name, {
          HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "test:accuracy" },
        }),
      ),
    );
    const job = await sagemaker.send(
      new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }),
    );
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    expect(job.TrainingJobStatusCounters).toMatchObject({ Completed: 3, NonRetryableError: 1 });
    expect(job.ObjectiveStatusCounters).toMatchObject({ Succeeded: 3, Failed: 1 });
    const best = job.BestTrainingJob;
    expect(best?.TrainingJobName).toMatch(new RegExp(`^${name}-002-[0-9a-f]{8}$`));
    expect(best?.FinalHyperParameterTuningJobObjectiveMetric).toEqual({
      Type: "Minimize",
      MetricName: "test:accuracy",
      Value: 0.1,
    });
    const lr = Number(best?.TunedHyperParameters?.["lr"]);
    expect(lr).toBeGreaterThanOrEqual(0.001);
    expect(lr).toBeLessThanOrEqual(0.1);
    expect(Number.isInteger(Number(best?.TunedHyperParameters?.["bs"]))).toBe(true);

    const training = await sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: best?.TrainingJobName }),
    );
    expect(training.TuningJobArn).toBe(job.HyperParameterTuningJobArn);
    expect(training.HyperParameters).toMatchObject({
      epochs: "3",
      lr: best?.TunedHyperParameters?.["lr"],
    });
    expect(training.FinalMetricDataList?.find((m) => m.MetricName === "test:accuracy")?.Value).toBe(
      0.1,
    );
    expect(training.AlgorithmSpecification?.MetricDefinitions).toEqual([
      { Name: "test:accuracy", Regex: "test_accuracy=([0-9.]+)" },
    ]);

    // Filtered, sorted by the objective, paged.
    const failed = await sagemaker.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        StatusEquals: "Failed",
      }),
    );
    expect(failed.TrainingJobSummaries?.map((t) => t.FailureReason)).toEqual([
      "AlgorithmError: OOM",
    ]);
    const first = await sagemaker.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        SortBy: "FinalObjectiveMetricValue",
        SortOrder: "Descending",
        MaxResults: 2,
      }),
    );
    expect(
      first.TrainingJobSummaries?.map((t) => t.FinalHyperParameterTuningJobObjectiveMetric?.Value),
    ).toEqual([0.3, 0.2]);
    const rest = await sagemaker.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        SortBy: "FinalObjectiveMetricValue",
        SortOrder: "Descending",
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(rest.TrainingJobSummaries).toHaveLength(2);
    expect(rest.NextToken).toBeUndefined();
  });

  it("runs every combination of a grid, without MaxNumberOfTrainingJobs", async () => {
    const name = `${prefix}-grid`;
    await sagemaker.send(
      new CreateHyperParameterTuningJobCommand(
        request(name, {
          Strategy: "Grid",
          ResourceLimits: { MaxParallelTrainingJobs: 2 },
          ParameterRanges: {
            CategoricalParameterRanges: [
              { Name: "bs", Values: ["32", "64", "128"] },
              { Name: "opt", Values: ["sgd", "adam"] },
            ],
          },
        }),
      ),
    );
    const trials = await sagemaker.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        MaxResults: 100,
      }),
    );
    const combos = (trials.TrainingJobSummaries ?? []).map(
      (t) => `${t.TunedHyperParameters?.["bs"] ?? ""}/${t.TunedHyperParameters?.["opt"] ?? ""}`,
    );
    expect(combos.sort()).toEqual(
      ["128/adam", "128/sgd", "32/adam", "32/sgd", "64/adam", "64/sgd"].sort(),
    );
  });

  it("fails a search whose trials all failed, with a reason and no best trial", async () => {
    const name = `${prefix}-fail`;
    await aws.control.setTuningOutcome(name, {
      trials: [{ Status: "Failed" }, { Status: "Failed" }],
    });
    await sagemaker.send(
      new CreateHyperParameterTuningJobCommand(
        request(name, {
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
        }),
      ),
    );
    const job = await sagemaker.send(
      new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }),
    );
    expect(job.HyperParameterTuningJobStatus).toBe("Failed");
    expect(job.FailureReason).toContain("All training jobs failed");
    expect(job.BestTrainingJob).toBeUndefined();
  });

  it("answers an unknown job with ResourceNotFound, and refuses what AWS's model refuses", async () => {
    await expect(
      sagemaker.send(
        new ListTrainingJobsForHyperParameterTuningJobCommand({
          HyperParameterTuningJobName: `${prefix}-none`,
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFound" });
    // 33 characters: HyperParameterTuningJobName allows 32.
    await expect(
      sagemaker.send(new CreateHyperParameterTuningJobCommand(request("a".repeat(33), {}))),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });
});

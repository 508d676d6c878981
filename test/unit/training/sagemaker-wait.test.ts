// Waiting for a SageMaker training job: spot interruptions are waited out, Stopped is not
// success (the SDK waiter counts it as one), Failed carries its reason.
import { DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { AwsClients } from "../../../actions/src/aws/clients.js";
import { fakeClock } from "../../../actions/src/clock.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import type { TrainingSpec } from "../../../actions/src/graph/sagemaker-nodes.js";
import type { HandlerContext } from "../../../actions/src/resources/handler.js";
import { waitForJob } from "../../../actions/src/training/sagemaker-runner.js";

const spec = {
  maxRuntimeSeconds: 3600,
  spot: { enabled: true, maxWaitSeconds: 7200 },
  fingerprint: "f".repeat(64),
} as TrainingSpec;

function context(statuses: Record<string, unknown>[]): { ctx: HandlerContext; lines: string[] } {
  const sagemaker = new SageMakerClient({ region: "us-east-1" });
  const mock = mockClient(sagemaker);
  let call = mock.on(DescribeTrainingJobCommand);
  for (const s of statuses) call = call.resolvesOnce({ TrainingJobName: "job-1", ...s });
  const logger = memoryLogger();
  const ctx = {
    clients: { sagemaker } as unknown as AwsClients,
    logger,
    clock: fakeClock(),
    graph: { project: "p", region: "us-east-1", account: "123456789012", partition: "aws" },
    signal: new AbortController().signal,
    cacheDir: "/tmp",
  } satisfies HandlerContext;
  return { ctx, lines: logger.lines };
}

describe("waiting for a SageMaker training job", () => {
  it("waits out a spot interruption and reports the final metrics", async () => {
    const { ctx, lines } = context([
      { TrainingJobStatus: "InProgress", SecondaryStatus: "Training" },
      { TrainingJobStatus: "InProgress", SecondaryStatus: "Interrupted" },
      { TrainingJobStatus: "InProgress", SecondaryStatus: "Training" },
      {
        TrainingJobStatus: "Completed",
        SecondaryStatus: "Completed",
        ModelArtifacts: { S3ModelArtifacts: "s3://b/p/job-1/output/model.tar.gz" },
        FinalMetricDataList: [{ MetricName: "test:accuracy", Value: 0.91 }],
      },
    ]);
    const done = await waitForJob(spec, "job-1", 1, ctx);
    expect(done.status).toBe("Completed");
    expect(done.artifact).toBe("s3://b/p/job-1/output/model.tar.gz");
    expect(done.metrics).toEqual({ "test:accuracy": 0.91 });
    expect(lines.some((l) => l.includes("InProgress / Interrupted"))).toBe(true);
  });

  it("treats Stopped as not completed", async () => {
    const { ctx } = context([
      { TrainingJobStatus: "InProgress" },
      { TrainingJobStatus: "Stopped", SecondaryStatus: "Stopped" },
    ]);
    await expect(waitForJob(spec, "job-1", 1, ctx)).rejects.toThrow(/Stopped/);
  });

  it("fails with the job's FailureReason", async () => {
    const { ctx } = context([
      { TrainingJobStatus: "Failed", FailureReason: "AlgorithmError: CUDA out of memory" },
    ]);
    await expect(waitForJob(spec, "job-1", 1, ctx)).rejects.toThrow(
      /AlgorithmError: CUDA out of memory/,
    );
  });
});

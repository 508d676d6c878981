// training.run's read finds the newest attempt of a fingerprint even when the state record
// lags behind it: a forced retrain after a completed job whose run was cancelled before it
// recorded anything is still found and joined.
import { DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import type { TrainingSpec } from "../../../actions/src/graph/sagemaker-nodes.js";
import { trainingHandler } from "../../../actions/src/resources/training/run.js";
import { awsError, mockedClients, testContext, testNode } from "../engine/helpers.js";

const FINGERPRINT = "abcdef0123456789";

function trainingNode() {
  const spec = {
    backend: "sagemaker",
    project: "pets",
    fingerprint: FINGERPRINT,
  } as unknown as TrainingSpec;
  return testNode<TrainingSpec>("training.run.main", { kind: "training.run", spec });
}

/** SageMaker with these jobs, by attempt number; every other name is not found. */
function sagemakerWith(statuses: Record<number, string>) {
  const aws = mockedClients();
  aws.sagemaker.on(DescribeTrainingJobCommand).callsFake((input: { TrainingJobName: string }) => {
    const attempt = Number(/-(\d+)$/.exec(input.TrainingJobName)?.[1]);
    const status = statuses[attempt];
    if (status === undefined)
      throw awsError("ValidationException", "Requested resource not found.");
    return { TrainingJobName: input.TrainingJobName, TrainingJobStatus: status };
  });
  return aws;
}

describe("training.run read", () => {
  it("finds a forced retrain that started after a completed attempt", async () => {
    const aws = sagemakerWith({ 1: "Completed", 2: "InProgress" });
    const observed = await trainingHandler.read(trainingNode(), testContext(aws.clients));
    expect(observed).toMatchObject({ attempt: 2, status: "InProgress" });
  });

  it("reads a single completed attempt in one round trip of two parallel calls", async () => {
    const aws = sagemakerWith({ 1: "Completed" });
    const observed = await trainingHandler.read(trainingNode(), testContext(aws.clients));
    expect(observed).toMatchObject({ attempt: 1, status: "Completed" });
    expect(aws.sagemaker.commandCalls(DescribeTrainingJobCommand)).toHaveLength(2);
  });

  it("probes on past several attempts until one is absent", async () => {
    const aws = sagemakerWith({ 1: "Failed", 2: "Stopped", 3: "Completed" });
    const observed = await trainingHandler.read(trainingNode(), testContext(aws.clients));
    expect(observed).toMatchObject({ attempt: 3, status: "Completed" });
  });
});

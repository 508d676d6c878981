// The local AWS emulator over real HTTP with the real AWS SDK v3 clients: the operations it adds
// to moto (UpdateEndpoint, provisioned concurrency), its faults, S3 conditional writes, the
// request recorder, and a clean stop.

import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateLogGroupCommand, CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateRoleCommand, GetPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointsCommand,
  CreateTrainingJobCommand,
  ListModelsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { zipSync } from "fflate";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findLauncher,
  setupEmulatorPython,
  startEmulator,
  type Emulator,
} from "../../actions/src/emulator/index.js";
import {
  emulatorHandle,
  hasEmulator,
  useEmulator,
  type EmulatorHandle,
} from "../support/emulator.js";

const DELAY_MS = 300;
const ROLE_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: ["sagemaker.amazonaws.com", "lambda.amazonaws.com"] },
      Action: "sts:AssumeRole",
    },
  ],
});

let emulator: Emulator;
let aws: EmulatorHandle;
let sagemaker: SageMakerClient;
let lambda: LambdaClient;
let s3: S3Client;
let roleArn: string;

beforeAll(async () => {
  emulator = await startEmulator({ updateDelayMs: DELAY_MS });
  aws = emulatorHandle(emulator.endpoint);
  sagemaker = new SageMakerClient(aws.clientConfig);
  lambda = new LambdaClient(aws.clientConfig);
  s3 = new S3Client(aws.s3ClientConfig);
  const iam = new IAMClient(aws.clientConfig);
  const role = await iam.send(
    new CreateRoleCommand({ RoleName: "emulator-test", AssumeRolePolicyDocument: ROLE_TRUST }),
  );
  roleArn = role.Role?.Arn ?? "";
});

afterAll(async () => {
  await emulator.stop();
});

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

// --- SageMaker -----------------------------------------------------------------------------

async function createConfig(name: string, count: number): Promise<void> {
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "emu-model",
          InstanceType: "ml.m5.large",
          InitialInstanceCount: count,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
}

async function createEndpoint(name: string, config: string): Promise<void> {
  await sagemaker.send(
    new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: config }),
  );
}

function describeEndpoint(name: string): Promise<DescribeEndpointCommandOutput> {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

function settled(name: string): Promise<DescribeEndpointCommandOutput> {
  return waitFor(
    () => describeEndpoint(name),
    (d) => d.EndpointStatus !== "Updating" && d.EndpointStatus !== "Creating",
  );
}

describe("SageMaker UpdateEndpoint", () => {
  beforeAll(async () => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: "emu-model",
        ExecutionRoleArn: roleArn,
        PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1" },
      }),
    );
    await createConfig("cfg-one", 1);
    await createConfig("cfg-three", 3);
    await createConfig("cfg-four", 4);
  });

  it("goes Updating, then InService on the new config with its instance count", async () => {
    await createEndpoint("ep-happy", "cfg-one");
    const before = await describeEndpoint("ep-happy");
    expect(before.ProductionVariants?.[0]).toMatchObject({
      VariantName: "AllTraffic",
      CurrentInstanceCount: 1,
      DesiredInstanceCount: 1,
    });

    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "ep-happy", EndpointConfigName: "cfg-three" }),
    );
    const during = await describeEndpoint("ep-happy");
    expect(during.EndpointStatus).toBe("Updating");
    expect(during.EndpointConfigName).toBe("cfg-one");
    expect(during.PendingDeploymentSummary?.EndpointConfigName).toBe("cfg-three");

    const busy = await errorOf(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: "ep-happy", EndpointConfigName: "cfg-one" }),
      ),
    );
    expect(busy.name).toBe("ValidationException");
    expect(busy.message).toContain("Cannot update in-progress endpoint");

    const after = await settled("ep-happy");
    expect(after.EndpointStatus).toBe("InService");
    expect(after.EndpointConfigName).toBe("cfg-three");
    expect(after.FailureReason ?? "").toBe("");
    expect(after.PendingDeploymentSummary).toBeUndefined();
    expect(after.ProductionVariants?.[0]).toMatchObject({
      CurrentInstanceCount: 3,
      DesiredInstanceCount: 3,
    });
  });

  it("keeps the scaled count with RetainAllVariantProperties and resets it without", async () => {
    await createEndpoint("ep-retain", "cfg-one");
    // What auto scaling does: change the live variant's desired count.
    await sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: "ep-retain",
        DesiredWeightsAndCapacities: [
          { VariantName: "AllTraffic", DesiredInstanceCount: 2, DesiredWeight: 1 },
        ],
      }),
    );

    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: "ep-retain",
        EndpointConfigName: "cfg-three",
        RetainAllVariantProperties: true,
      }),
    );
    const retained = await settled("ep-retain");
    expect(retained.EndpointConfigName).toBe("cfg-three");
    expect(retained.ProductionVariants?.[0]?.DesiredInstanceCount).toBe(2);

    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: "ep-retain",
        EndpointConfigName: "cfg-four",
        RetainAllVariantProperties: false,
      }),
    );
    const reset = await settled("ep-retain");
    expect(reset.EndpointConfigName).toBe("cfg-four");
    expect(reset.ProductionVariants?.[0]?.DesiredInstanceCount).toBe(4);
  });

  it("ListModels honours NameContains, as AWS does (moto lists every model)", async () => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: "other-model",
        ExecutionRoleArn: roleArn,
        PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1" },
      }),
    );
    const listed = await sagemaker.send(new ListModelsCommand({ NameContains: "emu-mod" }));
    expect((listed.Models ?? []).map((m) => m.ModelName)).toEqual(["emu-model"]);
  });

  it("ListTrainingJobs filters and sorts before it pages, as AWS does (moto pages first)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "emu-training-data" }));
    const start = (name: string) =>
      sagemaker.send(
        new CreateTrainingJobCommand({
          TrainingJobName: name,
          RoleArn: roleArn,
          AlgorithmSpecification: {
            TrainingImage:
              "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311",
            TrainingInputMode: "File",
          },
          InputDataConfig: [
            {
              ChannelName: "train",
              DataSource: {
                S3DataSource: {
                  S3DataType: "S3Prefix",
                  S3Uri: "s3://emu-training-data/train/",
                },
              },
            },
          ],
          OutputDataConfig: { S3OutputPath: "s3://emu-training-data/out/" },
          ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        }),
      );
    // Ours first, then enough of another project's to fill a page in creation order.
    for (const name of ["mine-1", "mine-2", "theirs-1", "theirs-2", "theirs-3"]) await start(name);
    const newest = await sagemaker.send(
      new ListTrainingJobsCommand({
        NameContains: "mine-",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 1,
      }),
    );
    expect(newest.TrainingJobSummaries?.map((j) => j.TrainingJobName)).toEqual(["mine-2"]);
    const next = await sagemaker.send(
      new ListTrainingJobsCommand({
        NameContains: "mine-",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 1,
        NextToken: newest.NextToken,
      }),
    );
    expect(next.TrainingJobSummaries?.map((j) => j.TrainingJobName)).toEqual(["mine-1"]);
    expect(next.NextToken).toBeUndefined();
  });

  it("rejects unknown endpoints and configs with the real messages", async () => {
    const noEndpoint = await errorOf(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: "nope", EndpointConfigName: "cfg-one" }),
      ),
    );
    expect(noEndpoint).toMatchObject({ name: "ValidationException", status: 400 });
    expect(noEndpoint.message).toContain("Could not find endpoint");

    await createEndpoint("ep-noconfig", "cfg-one");
    const noConfig = await errorOf(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: "ep-noconfig", EndpointConfigName: "missing" }),
      ),
    );
    expect(noConfig.message).toContain("Could not find endpoint configuration");
  });

  it("fault failed: Failed with a FailureReason", async () => {
    await createEndpoint("ep-failed", "cfg-one");
    await emulator.injectFault("sagemaker:UpdateEndpoint", "failed", { resource: "ep-failed" });
    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "ep-failed", EndpointConfigName: "cfg-three" }),
    );
    const result = await settled("ep-failed");
    expect(result.EndpointStatus).toBe("Failed");
    expect(result.FailureReason).toMatch(/ping health check/);
  });

  it("fault silent-rollback: back to InService on the OLD config with no FailureReason", async () => {
    await createEndpoint("ep-rollback", "cfg-one");
    await emulator.injectFault("sagemaker:UpdateEndpoint", "silent-rollback");
    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "ep-rollback", EndpointConfigName: "cfg-three" }),
    );
    expect((await describeEndpoint("ep-rollback")).EndpointStatus).toBe("Updating");
    const result = await settled("ep-rollback");
    expect(result.EndpointStatus).toBe("InService");
    expect(result.EndpointConfigName).toBe("cfg-one");
    expect(result.FailureReason ?? "").toBe("");
    expect(result.ProductionVariants?.[0]?.DesiredInstanceCount).toBe(1);
  });

  it("rolls an update back when an AutoRollbackConfiguration alarm is in ALARM as its baking ends", async () => {
    const cloudwatch = new CloudWatchClient(aws.clientConfig);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "emu-5xx",
        Namespace: "AWS/SageMaker",
        MetricName: "Invocation5XXErrors",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
    await createEndpoint("ep-alarm", "cfg-one");
    const deploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: "CANARY" as const,
          CanarySize: { Type: "CAPACITY_PERCENT" as const, Value: 10 },
          WaitIntervalInSeconds: 0,
        },
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: "emu-5xx" }] },
    };
    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: "ep-alarm",
        EndpointConfigName: "cfg-three",
        DeploymentConfig: deploymentConfig,
      }),
    );
    // The alarm fires during the bake.
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: "emu-5xx", StateValue: "ALARM", StateReason: "5XX" }),
    );
    const rollingBack = await waitFor(
      () => describeEndpoint("ep-alarm"),
      (e) => e.EndpointStatus !== "Updating",
    );
    expect(rollingBack.EndpointStatus).toBe("RollingBack");
    const result = await waitFor(
      () => describeEndpoint("ep-alarm"),
      (e) => e.EndpointStatus !== "RollingBack",
    );
    expect(result.EndpointStatus).toBe("InService");
    expect(result.EndpointConfigName).toBe("cfg-one");

    // With the alarm quiet, the same update goes through.
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: "emu-5xx", StateValue: "OK", StateReason: "quiet" }),
    );
    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: "ep-alarm",
        EndpointConfigName: "cfg-three",
        DeploymentConfig: deploymentConfig,
      }),
    );
    expect((await settled("ep-alarm")).EndpointConfigName).toBe("cfg-three");
  });

  it("fault rollback-failed: UpdateRollbackFailed", async () => {
    await createEndpoint("ep-rbfailed", "cfg-one");
    await emulator.injectFault("sagemaker:UpdateEndpoint", "rollback-failed", {
      resource: "ep-rbfailed",
    });
    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "ep-rbfailed", EndpointConfigName: "cfg-three" }),
    );
    const result = await settled("ep-rbfailed");
    expect(result.EndpointStatus).toBe("UpdateRollbackFailed");
    expect(result.FailureReason).not.toBe("");
  });

  it("can hold an endpoint in SystemUpdating, and create one slowly", async () => {
    await createEndpoint("ep-system", "cfg-one");
    await emulator.setEndpointStatus("ep-system", "SystemUpdating", DELAY_MS);
    const busy = await errorOf(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: "ep-system", EndpointConfigName: "cfg-three" }),
      ),
    );
    expect(busy.message).toContain("Cannot update in-progress endpoint");
    const back = await waitFor(
      () => describeEndpoint("ep-system"),
      (d) => d.EndpointStatus === "InService",
    );
    expect(back.EndpointStatus).toBe("InService");

    await emulator.injectFault("sagemaker:CreateEndpoint", "creating", { resource: "ep-slow" });
    await createEndpoint("ep-slow", "cfg-one");
    expect((await describeEndpoint("ep-slow")).EndpointStatus).toBe("Creating");
    expect((await settled("ep-slow")).EndpointStatus).toBe("InService");
  });
});

// --- CloudWatch alarms -------------------------------------------------------------------------

describe("CloudWatch alarms", () => {
  it("start INSUFFICIENT_DATA; an update keeps their state and tags (AWS's PutMetricAlarm)", async () => {
    const cloudwatch = new CloudWatchClient(aws.clientConfig);
    const put = (threshold: number, tags?: { Key: string; Value: string }[]) =>
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: "emu-latency",
          Namespace: "AWS/SageMaker",
          MetricName: "ModelLatency",
          ExtendedStatistic: "p99",
          Period: 60,
          EvaluationPeriods: 3,
          Threshold: threshold,
          ComparisonOperator: "GreaterThanThreshold",
          ...(tags && { Tags: tags }),
        }),
      );
    const describe = async () =>
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["emu-latency"] })))
        .MetricAlarms?.[0];
    await put(1000, [{ Key: "team", Value: "ml" }]);
    expect((await describe())?.StateValue).toBe("INSUFFICIENT_DATA");
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: "emu-latency", StateValue: "ALARM", StateReason: "x" }),
    );
    await put(2000, [{ Key: "team", Value: "other" }]);
    const updated = await describe();
    expect(updated).toMatchObject({ StateValue: "ALARM", Threshold: 2000 });
    const tags = await cloudwatch.send(
      new ListTagsForResourceCommand({ ResourceARN: updated?.AlarmArn }),
    );
    expect(tags.Tags).toEqual([{ Key: "team", Value: "ml" }]);
  });

  it("the strict front refuses what CloudWatch's model refuses", async () => {
    const cloudwatch = new CloudWatchClient(aws.clientConfig);
    const error = await errorOf(
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: "",
          Period: 60,
          EvaluationPeriods: 0,
          Threshold: 1,
          ComparisonOperator: "GreaterThanThreshold",
        }),
      ),
    );
    expect(error.message).toMatch(/validation errors? detected/);
  });
});

// --- Lambda provisioned concurrency ------------------------------------------------------------

describe("Lambda provisioned concurrency", () => {
  const fn = "emu-fn";

  beforeAll(async () => {
    const zip = zipSync({
      "index.py": new TextEncoder().encode("def handler(e, c):\n  return 1\n"),
    });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: "python3.12",
        Role: roleArn,
        Handler: "index.handler",
        Code: { ZipFile: zip },
      }),
    );
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    await lambda.send(
      new CreateAliasCommand({ FunctionName: fn, Name: "live", FunctionVersion: version.Version }),
    );
  });

  function getConfig(qualifier: string): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
    return lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }),
    );
  }

  it("goes IN_PROGRESS then READY on an alias, and is listed", async () => {
    const put = await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: fn,
        Qualifier: "live",
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    expect(put).toMatchObject({
      RequestedProvisionedConcurrentExecutions: 2,
      AllocatedProvisionedConcurrentExecutions: 0,
      Status: "IN_PROGRESS",
    });
    expect(put.LastModified).toMatch(/^\d{4}-\d\d-\d\dT/);
    const ready = await waitFor(
      () => getConfig("live"),
      (c) => c.Status !== "IN_PROGRESS",
    );
    expect(ready).toMatchObject({
      Status: "READY",
      RequestedProvisionedConcurrentExecutions: 2,
      AvailableProvisionedConcurrentExecutions: 2,
      AllocatedProvisionedConcurrentExecutions: 2,
    });

    const list = await lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn }),
    );
    expect(list.ProvisionedConcurrencyConfigs).toHaveLength(1);
    expect(list.ProvisionedConcurrencyConfigs?.[0]?.FunctionArn).toMatch(/:function:emu-fn:live$/);
  });

  it("is rejected on $LATEST with the real error", async () => {
    const error = await errorOf(
      lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: fn,
          Qualifier: "$LATEST",
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
    );
    expect(error).toMatchObject({ name: "InvalidParameterValueException", status: 400 });
    expect(error.message).toBe(
      "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    );
  });

  it("fault failed: FAILED with a StatusReason", async () => {
    await emulator.injectFault("lambda:PutProvisionedConcurrencyConfig", "failed");
    await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: fn,
        Qualifier: "1",
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    const failed = await waitFor(
      () => getConfig("1"),
      (c) => c.Status !== "IN_PROGRESS",
    );
    expect(failed.Status).toBe("FAILED");
    expect(failed.StatusReason).toBeTruthy();
  });

  it("delete, then Get is ProvisionedConcurrencyConfigNotFoundException", async () => {
    await lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: "live" }),
    );
    const error = await errorOf(getConfig("live"));
    expect(error).toMatchObject({
      name: "ProvisionedConcurrencyConfigNotFoundException",
      status: 404,
    });
  });

  it("GetAccountSettings reports the concurrency limit", async () => {
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit?.ConcurrentExecutions).toBe(1000);
    expect(settings.AccountLimit?.UnreservedConcurrentExecutions).toBe(1000);
  });
});

// --- S3 conditional writes -------------------------------------------------------------------

describe("S3 conditional writes", () => {
  it("If-None-Match: * and a stale If-Match both get 412", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "emu-state" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "emu-state", Key: "lock", Body: "a", IfNoneMatch: "*" }),
    );
    const taken = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: "emu-state", Key: "lock", Body: "b", IfNoneMatch: "*" }),
      ),
    );
    expect(taken).toMatchObject({ name: "PreconditionFailed", status: 412 });

    const head = await s3.send(new HeadObjectCommand({ Bucket: "emu-state", Key: "lock" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "emu-state", Key: "lock", Body: "c", IfMatch: head.ETag }),
    );
    const stale = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: "emu-state", Key: "lock", Body: "d", IfMatch: head.ETag }),
      ),
    );
    expect(stale).toMatchObject({ name: "PreconditionFailed", status: 412 });
  });
});

// --- Strict requests -----------------------------------------------------------------------------
// moto accepts these; AWS refuses them before any service logic runs, so the emulator does too.

const VALID_NAME = `ep-${"a".repeat(60)}`; // 63 characters: SageMaker's maximum

describe("strict requests: botocore's model rules, answered in each protocol's error shape", () => {
  it("pattern (json): SageMaker ValidationException naming the member and the pattern", async () => {
    const error = await errorOf(describeEndpoint("bad name"));
    expect(error).toEqual({
      name: "ValidationException",
      status: 400,
      message:
        "1 validation error detected: Value 'bad name' at 'endpointName' failed to satisfy " +
        "constraint: Member must satisfy regular expression pattern: " +
        "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    });
  });

  it("length (query): IAM ValidationError; at the limit it is accepted", async () => {
    const iam = new IAMClient(aws.clientConfig);
    const create = (name: string): Promise<unknown> =>
      iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ROLE_TRUST }));
    const error = await errorOf(create("r".repeat(65)));
    expect(error).toMatchObject({ name: "ValidationError", status: 400 });
    expect(error.message).toBe(
      `1 validation error detected: Value '${"r".repeat(65)}' at 'roleName' failed to satisfy ` +
        "constraint: Member must have length less than or equal to 64",
    );
    await expect(create("r".repeat(64))).resolves.toBeDefined();
  });

  it("enum (rest-json): Lambda ValidationException for an unknown runtime", async () => {
    const error = await errorOf(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: "emu-enum",
          Runtime: "python2.0" as never,
          Role: roleArn,
          Handler: "index.handler",
          Code: { ZipFile: new Uint8Array([1]) },
        }),
      ),
    );
    expect(error).toMatchObject({ name: "ValidationException", status: 400 });
    expect(error.message).toMatch(
      /^1 validation error detected: Value 'python2\.0' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*python3\.12.*\]$/,
    );
  });

  it("required, and several violations in one message (json)", async () => {
    const name = "e".repeat(64);
    const error = await errorOf(
      sagemaker.send(new CreateEndpointCommand({ EndpointName: name } as never)),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toBe(
      "3 validation errors detected: " +
        "Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null; " +
        `Value '${name}' at 'endpointName' failed to satisfy constraint: ` +
        "Member must have length less than or equal to 63; " +
        `Value '${name}' at 'endpointName' failed to satisfy constraint: ` +
        "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    );
  });

  it("tag values outside AWS's tag pattern, per service (json, query, map in rest-json)", async () => {
    const tags = [{ Key: "team", Value: "ML team (platform)" }];
    const sm = await errorOf(
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "emu-tags",
          ProductionVariants: [
            { VariantName: "AllTraffic", ModelName: "emu-model", InstanceType: "ml.m5.large" },
          ],
          Tags: tags,
        }),
      ),
    );
    expect(sm.message).toContain(
      "Value 'ML team (platform)' at 'tags.1.member.value' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern:",
    );
    const logs = new CloudWatchLogsClient(aws.clientConfig);
    const logError = await errorOf(
      logs.send(new CreateLogGroupCommand({ logGroupName: "/emu/tags", tags: { team: "a,b" } })),
    );
    // CloudWatch Logs words model violations as InvalidParameterException.
    expect(logError).toMatchObject({ name: "InvalidParameterException", status: 400 });
    expect(logError.message).toContain("Map value must satisfy constraint");
    // Lambda's model has no tag pattern; its documentation does.
    const fnError = await errorOf(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: "emu-tagged",
          Runtime: "python3.12",
          Role: roleArn,
          Handler: "index.handler",
          Code: { ZipFile: new Uint8Array([1]) },
          Tags: { team: "a,b" },
        }),
      ),
    );
    expect(fnError.message).toBe(
      "1 validation error detected: Value '{team=a,b}' at 'tags' failed to satisfy constraint: " +
        "Map value must satisfy constraint: [Member must satisfy regular expression pattern: " +
        "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*]",
    );
  });

  it("EC2 and S3 answer in their own shapes", async () => {
    const ec2 = new EC2Client(aws.clientConfig);
    const run = (extra: object): Promise<unknown> =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-12345678",
          MinCount: 1,
          MaxCount: 1,
          InstanceType: "t3.micro",
          ...extra,
        }),
      );
    const type = await errorOf(run({ InstanceType: "t3.enormous" }));
    expect(type).toEqual({
      name: "InvalidParameterValue",
      status: 400,
      message: "Invalid value 't3.enormous' for InstanceType.",
    });
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${String(i)}`, Value: "v" }));
    const tooMany = await errorOf(
      run({ TagSpecifications: [{ ResourceType: "instance", Tags: tags }] }),
    );
    expect(tooMany.name).toBe("TagLimitExceeded");
    const userData = Buffer.from("x".repeat(16 * 1024 + 1)).toString("base64");
    const big = await errorOf(run({ UserData: userData }));
    expect(big).toMatchObject({
      name: "InvalidParameterValue",
      message: "User data is limited to 16384 bytes",
    });

    const bucket = await errorOf(s3.send(new CreateBucketCommand({ Bucket: "Emu_Bucket" })));
    expect(bucket).toMatchObject({ name: "InvalidBucketName", status: 400 });
    await s3.send(new CreateBucketCommand({ Bucket: "emu-tagging" }));
    const tag = await errorOf(
      s3.send(
        new PutBucketTaggingCommand({
          Bucket: "emu-tagging",
          Tagging: { TagSet: [{ Key: "team", Value: "a,b" }] },
        }),
      ),
    );
    expect(tag).toMatchObject({
      name: "InvalidTag",
      message: "The TagValue you have provided is invalid",
    });
  });

  it("a bucket policy (a streamed string payload) and AWS's managed policies, as an account has them", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "emu-policy" }));
    const Policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::emu-policy/*",
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: "emu-policy", Policy }));
    const read = await s3.send(new GetBucketPolicyCommand({ Bucket: "emu-policy" }));
    expect(JSON.parse(read.Policy ?? "{}")).toMatchObject({
      Statement: [{ Action: "s3:GetObject" }],
    });
    const iam = new IAMClient(aws.clientConfig);
    const managed = await iam.send(
      new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess" }),
    );
    expect(managed.Policy?.DefaultVersionId).toMatch(/^v\d+$/);
  });

  it("Lambda's 4 KB environment limit, which the model does not carry", async () => {
    const create = (value: string): Promise<unknown> =>
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: "emu-env",
          Runtime: "python3.12",
          Role: roleArn,
          Handler: "index.handler",
          Code: { ZipFile: new Uint8Array([1]) },
          Environment: { Variables: { BIG: value } },
        }),
      );
    // {"BIG":"..."} is 10 bytes plus the value.
    const error = await errorOf(create("v".repeat(4087)));
    expect(error).toMatchObject({ name: "InvalidParameterValueException", status: 400 });
    expect(error.message).toContain("exceeded the 4KB limit");
    await expect(create("v".repeat(4086))).resolves.toBeDefined();
  });

  it("accepts names at their limit and current instance types moto's own list lacks", async () => {
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: VALID_NAME,
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: "emu-model",
            InstanceType: "ml.g5.xlarge",
            InitialInstanceCount: 1,
          },
        ],
      }),
    );
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: VALID_NAME }),
    );
    expect(config.ProductionVariants?.[0]?.InstanceType).toBe("ml.g5.xlarge");
  });
});

describe("Lambda UpdateFunctionCode", () => {
  it("applies a new architecture with the new code (moto ignores it)", async () => {
    const zip = zipSync({
      "index.py": new TextEncoder().encode("def handler(e, c):\n  return 2\n"),
    });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "emu-arch",
        Runtime: "python3.12",
        Role: roleArn,
        Handler: "index.handler",
        Code: { ZipFile: zip },
        Architectures: ["x86_64"],
      }),
    );
    const updated = await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: "emu-arch",
        ZipFile: zip,
        Architectures: ["arm64"],
      }),
    );
    expect(updated.Architectures).toEqual(["arm64"]);
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: "emu-arch" }));
    expect(published.Architectures).toEqual(["arm64"]);
    // Only one architecture, as on AWS.
    const error = await errorOf(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: "emu-arch",
          ZipFile: zip,
          Architectures: ["arm64", "x86_64"],
        }),
      ),
    );
    expect(error).toMatchObject({ name: "ValidationException", status: 400 });
    expect(error.message).toContain("Member must have length less than or equal to 1");
    const unchanged = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "emu-arch" }),
    );
    expect(unchanged.Architectures).toEqual(["arm64"]);
  });
});

// --- Recorder and stop -------------------------------------------------------------------------

describe("recorder", () => {
  it("tells mutating calls from reads, including the emulator's own operations", async () => {
    await emulator.clearRecording();
    await emulator.startRecording();
    await sagemaker.send(new ListEndpointsCommand({}));
    await describeEndpoint("ep-happy");
    await s3.send(new HeadObjectCommand({ Bucket: "emu-state", Key: "lock" }));
    await lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: "emu-fn", Qualifier: "1" }),
    );
    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "ep-happy", EndpointConfigName: "cfg-one" }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "emu-state", Key: "other", Body: "x" }));
    await emulator.stopRecording();
    await sagemaker.send(new ListEndpointsCommand({})); // not recorded

    const all = await emulator.recordedRequests();
    expect(all.map((r) => `${r.service}:${r.operation}`)).toEqual([
      "sagemaker:ListEndpoints",
      "sagemaker:DescribeEndpoint",
      "s3:HeadObject",
      "lambda:GetProvisionedConcurrencyConfig",
      "sagemaker:UpdateEndpoint",
      "s3:PutObject",
    ]);
    const mutating = await emulator.mutatingRequests();
    expect(mutating.map((r) => r.operation)).toEqual(["UpdateEndpoint", "PutObject"]);
    expect(mutating[1]).toMatchObject({ method: "PUT", path: "/emu-state/other" });
    await settled("ep-happy");
  });
});

// Runs when test/support/emulator.ts is the globalSetup (vitest.config.ts or --globalSetup).
describe.runIf(hasEmulator())("shared emulator from globalSetup", () => {
  it("serves the SDK through useEmulator()", async () => {
    const shared = useEmulator();
    expect(shared.endpoint).not.toBe(emulator.endpoint);
    const client = new S3Client(shared.s3ClientConfig);
    const bucket = `emu-shared-${String(process.pid)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(head.ContentLength).toBe(1);
    expect(shared.env["AWS_ENDPOINT_URL"]).toBe(shared.endpoint);
    await shared.control.injectFault("sagemaker:UpdateEndpoint", "failed", { resource: bucket });
    await shared.control.reset();
  });
});

describe("startEmulator set-up", () => {
  it("finds emulator/launcher.py from a bundled file in actions/dist", () => {
    const bundled = new URL("../../actions/dist/cli.js", import.meta.url).href;
    expect(findLauncher(bundled)).toBe(
      fileURLToPath(new URL("../../emulator/launcher.py", import.meta.url)),
    );
  });

  it("says how to install moto when the interpreter lacks it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-emu-"));
    const fakePython = join(dir, "python3");
    // What launcher.py does when `import moto` fails: exit 3.
    writeFileSync(fakePython, "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    try {
      await expect(startEmulator({ python: fakePython })).rejects.toThrow(
        "npm run setup installs it; elsewhere: pip install 'moto[server]==5.2.1'",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the Python scripts/setup.sh recorded for the checkout", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-emu-"));
    try {
      mkdirSync(join(dir, "emulator"));
      mkdirSync(join(dir, ".venv"));
      writeFileSync(join(dir, ".venv/mlops-python.env"), "MLOPS_PYTHON=/opt/py/bin/python\n");
      expect(setupEmulatorPython(join(dir, "emulator/launcher.py"))).toBe("/opt/py/bin/python");
      rmSync(join(dir, ".venv"), { recursive: true });
      expect(setupEmulatorPython(join(dir, "emulator/launcher.py"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names MLOPS_PYTHON when the interpreter does not exist", async () => {
    await expect(startEmulator({ python: "/nonexistent/python3" })).rejects.toThrow(/MLOPS_PYTHON/);
  });
});

describe("stop", () => {
  it("leaves no process behind", async () => {
    const pid = emulator.pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await emulator.stop();
    expect(emulator.running).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(() => process.kill(-pid, 0)).toThrow(/ESRCH/);
  });
});

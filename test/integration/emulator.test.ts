// The local AWS emulator over real HTTP with the real AWS SDK v3 clients: the operations it adds
// to moto (UpdateEndpoint, provisioned concurrency), its faults, S3 conditional writes, the
// request recorder, and a clean stop.

import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
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
  type GetProvisionedConcurrencyConfigCommandOutput,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { zipSync } from "fflate";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLauncher, startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
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
        "install with: pip install 'moto[server]==5.2.1'",
      );
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

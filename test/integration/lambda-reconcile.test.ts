// The Lambda function, version, alias and concurrency reconciled by the real CLI (`main()`) with
// the real SDK over HTTP against the local emulator: a first apply creates everything, a second
// one publishes nothing and makes no mutating Lambda or Logs call, and a code change publishes
// exactly one version, moves the alias and keeps provisioned concurrency on it.
import {
  GetAliasCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
} from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../actions/src/cli/main.js";
import { startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
import { emulatorHandle, useEmulator, type EmulatorHandle } from "../support/emulator.js";

// Each apply waits one executor poll (5 s) for provisioned concurrency to become READY, and the
// machine may be busy: give each test room beyond the default 30 s.
const TEST_TIMEOUT_MS = 120_000;

interface Fixture {
  dir: string;
  config: string;
  code: string;
  functionName: string;
}

const dirs: string[] = [];

/** A config in a temp dir with a lambda block (provisioned 2, reserved 5) and unique names. */
function fixture(): Fixture {
  const id = randomBytes(4).toString("hex");
  const dir = mkdtempSync(join(tmpdir(), "mlops-lambda-it-"));
  dirs.push(dir);
  const code = join(dir, "code");
  for (const sub of ["data", "training", "code"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "data", "sample.txt"), "a dog\n");
  writeFileSync(join(dir, "training", "train.py"), "print('train')\n");
  writeFileSync(join(code, "index.mjs"), "export const handler = async () => 1;\n");
  const functionName = `lam-${id}-inference`;
  writeFileSync(
    join(dir, "mlops.yaml"),
    `version: 1
project: lam-${id}
region: us-east-1
data:
  source: data
  bucket: lam-${id}-\${account}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
endpoint:
  name: lam-${id}-ep
  instanceType: ml.m5.large
lambda:
  name: ${functionName}
  code: code
  provisionedConcurrency: 2
  reservedConcurrency: 5
  logRetentionDays: 14
`,
  );
  return { dir, config: join(dir, "mlops.yaml"), code, functionName };
}

async function apply(aws: EmulatorHandle, f: Fixture): Promise<{ code: number; out: string }> {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
  const code = await main(["apply", "--config", f.config, "--auto-approve"], io);
  return { code, out: lines.join("\n") };
}

async function lambdaState(aws: EmulatorHandle, functionName: string) {
  const lambda = new LambdaClient(aws.clientConfig);
  const [versions, alias, reserved, provisioned] = await Promise.all([
    lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName })),
    lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: "live" })),
    lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
    lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: "live" }),
    ),
  ]);
  const published = (versions.Versions ?? []).map((v) => v.Version).filter((v) => v !== "$LATEST");
  return { published, alias, reserved, provisioned, lambda };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("Lambda reconcile on the shared emulator", { timeout: TEST_TIMEOUT_MS }, () => {
  it("creates function, version, alias live, provisioned 2 on the alias and reserved 5", async () => {
    const aws = useEmulator();
    const f = fixture();
    const result = await apply(aws, f);
    expect(result.out).toContain("Apply complete");
    expect(result.code).toBe(0);

    const { published, alias, reserved, provisioned, lambda } = await lambdaState(
      aws,
      f.functionName,
    );
    expect(published).toEqual(["1"]);
    expect(alias.FunctionVersion).toBe("1");
    expect(reserved.ReservedConcurrentExecutions).toBe(5);
    expect(provisioned).toMatchObject({
      RequestedProvisionedConcurrentExecutions: 2,
      Status: "READY",
    });
    const fn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: f.functionName }),
    );
    expect(fn.Environment?.Variables).toMatchObject({
      MLOPS_ENDPOINT_NAME: f.functionName.replace("-inference", "-ep"),
      MLOPS_TOP_K: "3",
      MLOPS_CORS_ORIGIN: "",
    });
    expect(fn.Role).toMatch(/:role\/mlops\/.+-lambda$/);
    const groups = await new CloudWatchLogsClient(aws.clientConfig).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${f.functionName}` }),
    );
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([
      [`/aws/lambda/${f.functionName}`, 14],
    ]);
  });

  it("publishes exactly one version on a code change, moves the alias, keeps provisioned concurrency", async () => {
    const aws = useEmulator();
    const f = fixture();
    expect((await apply(aws, f)).code).toBe(0);
    writeFileSync(join(f.code, "index.mjs"), "export const handler = async () => 2;\n");
    const result = await apply(aws, f);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/update\s+lambda\.function\.api/);
    expect(result.out).toMatch(/update\s+lambda\.alias\.api/);

    const { published, alias, provisioned } = await lambdaState(aws, f.functionName);
    expect(published).toEqual(["1", "2"]);
    expect(alias.FunctionVersion).toBe("2");
    expect(provisioned).toMatchObject({
      RequestedProvisionedConcurrentExecutions: 2,
      Status: "READY",
    });
  });
});

describe(
  "Lambda reconcile idempotency (own emulator: the recorder is global)",
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let emulator: Emulator;
    let aws: EmulatorHandle;

    beforeAll(async () => {
      emulator = await startEmulator({ updateDelayMs: 200 });
      aws = emulatorHandle(emulator.endpoint);
    });

    afterAll(async () => {
      await emulator.stop();
    });

    it("publishes no version and makes no mutating Lambda or Logs call on a second apply", async () => {
      const f = fixture();
      expect((await apply(aws, f)).code).toBe(0);
      await emulator.clearRecording();
      await emulator.startRecording();
      const second = await apply(aws, f);
      await emulator.stopRecording();
      expect(second.code).toBe(0);
      expect(second.out).toContain("No changes");

      const recorded = await emulator.recordedRequests();
      expect(recorded.some((r) => r.service === "lambda")).toBe(true); // it did read
      const mutating = (await emulator.mutatingRequests())
        .filter((r) => r.service === "lambda" || r.service === "logs")
        .map((r) => r.operation);
      expect(mutating).toEqual([]);
      const { published, alias } = await lambdaState(aws, f.functionName);
      expect(published).toEqual(["1"]);
      expect(alias.FunctionVersion).toBe("1");
    });
  },
);

// The trained model served by the endpoint with auto-scaling, reconciled by the real CLI
// (`main()`) with the real SDK over HTTP against a private emulator (its request recorder is
// global, so this file does not share the run's emulator). One workspace goes through the
// lifecycle in order: create, a no-op re-apply, a retrain, a scaling change, an instance-type
// change, and a deployment that SageMaker rolls back silently. The plan for each change is
// compared with a golden rendering (UPDATE_GOLDEN=1 rewrites them).
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  startEmulator,
  type Emulator,
  type RecordedRequest,
} from "../../../actions/src/emulator/index.js";
import { emulatorHandle, type EmulatorHandle } from "../../support/emulator.js";
import { cli, type CliRun } from "../../support/cli.js";

const GOLDEN = new URL("../../fixtures/golden/sagemaker/", import.meta.url).pathname;
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

const id = randomBytes(3).toString("hex");
const project = `smi${id}`;
const endpointName = `${project}-ep`;
const resourceId = `endpoint/${endpointName}/variant/AllTraffic`;

function configText(o: { lr: number; maxCapacity: number; instanceType: string }): string {
  return `version: 1
project: ${project}
region: us-east-1
state:
  lockTimeout: 1s
data:
  source: data
  bucket: ${project}-\${account}-\${region}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
  hyperparameters: { epochs: 1, lr: ${o.lr} }
model:
  keep: 1
endpoint:
  name: ${endpointName}
  instanceType: ${o.instanceType}
  initialInstanceCount: 1
  deployment:
    strategy: blue-green
    traffic: all-at-once
  autoscaling:
    minCapacity: 1
    maxCapacity: ${o.maxCapacity}
    targetInvocationsPerInstance: 20
`;
}

let emulator: Emulator;
let aws: EmulatorHandle;
let dir: string;
let config: string;
let sagemaker: SageMakerClient;
let autoscaling: ApplicationAutoScalingClient;

/** `mlops ARGV --config <the test's config>`. */
const run = (argv: string[]): Promise<CliRun> => cli([...argv, "--config", config]);

/** Runs `apply` with the recorder on; returns its exit code, output and recorded requests. */
async function recordedApply(): Promise<{
  code: number;
  out: string;
  requests: RecordedRequest[];
}> {
  await emulator.clearRecording();
  await emulator.startRecording();
  const result = await run(["apply", "--auto-approve"]);
  await emulator.stopRecording();
  return { ...result, requests: await emulator.recordedRequests() };
}

const mutations = (requests: RecordedRequest[], ...services: string[]): string[] =>
  requests
    .filter((r) => !r.readOnly && services.includes(r.service))
    .map((r) => `${r.service === "sagemaker" ? "sagemaker" : "aas"}:${r.operation}`);

/** The plan as text, with what changes between runs (ids, hashes, paths, account) replaced. */
async function planText(): Promise<string> {
  const { code, out } = await run(["plan"]);
  expect(code).toBe(0);
  const start = out.indexOf("Plan for ");
  const hashes = new Map<string, string>();
  return out
    .slice(start)
    .replace(/\([^()]*mlops\.yaml\)/, "(<config>)")
    .replaceAll(project, "<project>")
    .replace(/\b\d{12}\b/g, "<account>")
    .replace(/\b[0-9a-f]{64}\b/g, "<hash>")
    .replace(/\b[0-9a-f]{8}\b/g, (h) => {
      // Distinct hashes keep distinct labels, so "old -> new" stays readable.
      if (!hashes.has(h)) hashes.set(h, `<h${hashes.size + 1}>`);
      return hashes.get(h) ?? h;
    })
    .trimEnd();
}

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, `${name}.txt`);
  if (UPDATE) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${actual}\n`);
  }
  if (!existsSync(file)) throw new Error(`no golden file ${file}; run with UPDATE_GOLDEN=1`);
  expect(actual).toBe(readFileSync(file, "utf8").trimEnd());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function configNames(): Promise<string[]> {
  const out = await sagemaker.send(
    new ListEndpointConfigsCommand({ NameContains: `${project}-epc-` }),
  );
  return (out.EndpointConfigs ?? []).map((c) => c.EndpointConfigName ?? "");
}

async function endpoint() {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
}

async function instanceTypeOf(configName: string | undefined) {
  const c = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: configName }),
  );
  return c.ProductionVariants?.[0]?.InstanceType;
}

async function scaling() {
  const [targets, policies] = await Promise.all([
    autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: "sagemaker",
        ResourceIds: [resourceId],
      }),
    ),
    autoscaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
    ),
  ]);
  return {
    targets: (targets.ScalableTargets ?? []).map((t) => [t.MinCapacity, t.MaxCapacity]),
    policies: (policies.ScalingPolicies ?? []).map((p) => [
      p.PolicyName,
      p.TargetTrackingScalingPolicyConfiguration?.TargetValue,
    ]),
  };
}

beforeAll(async () => {
  emulator = await startEmulator({ updateDelayMs: 300 });
  aws = emulatorHandle(emulator.endpoint);
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  sagemaker = new SageMakerClient(aws.clientConfig);
  autoscaling = new ApplicationAutoScalingClient(aws.clientConfig);
  dir = mkdtempSync(join(tmpdir(), "mlops-sagemaker-it-"));
  config = join(dir, "mlops.yaml");
  for (const sub of ["data/train/dog", "data/valid/dog", "training"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, "data/train/dog/a.jpg"), "not really a jpeg\n");
  writeFileSync(join(dir, "data/valid/dog/b.jpg"), "not really a jpeg either\n");
  writeFileSync(join(dir, "training/train.py"), "print('test_accuracy=0.9')\n");
  writeFileSync(config, configText({ lr: 0.01, maxCapacity: 3, instanceType: "ml.m5.large" }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("SageMaker endpoint lifecycle through `mlops apply` (own emulator)", () => {
  it("creates everything: endpoint InService with its scalable target and policy", async () => {
    golden("create", await planText());
    const { code, out, requests } = await recordedApply();
    expect(out).toContain("Apply complete");
    expect(code).toBe(0);
    const ep = await endpoint();
    expect(ep.EndpointStatus).toBe("InService");
    expect(ep.EndpointConfigName).toMatch(new RegExp(`^${project}-epc-[0-9a-f]{8}$`));
    expect(await scaling()).toEqual({
      targets: [[1, 3]],
      policies: [[`${project}-invocations-per-instance`, 20]],
    });
    // The scaling is registered after the endpoint exists.
    const ops = mutations(requests, "sagemaker", "application-autoscaling");
    expect(ops.indexOf("aas:RegisterScalableTarget")).toBeGreaterThan(
      ops.indexOf("sagemaker:CreateEndpoint"),
    );
  });

  it("a second apply changes nothing and makes no mutating SageMaker or scaling call", async () => {
    const { code, out, requests } = await recordedApply();
    expect(code).toBe(0);
    expect(out).toContain("No changes");
    expect(requests.some((r) => r.service === "sagemaker")).toBe(true);
    expect(mutations(requests, "sagemaker", "application-autoscaling")).toEqual([]);
  });

  it("a hyperparameter change retrains and updates the same endpoint in place", async () => {
    const before = await endpoint();
    writeFileSync(config, configText({ lr: 0.02, maxCapacity: 3, instanceType: "ml.m5.large" }));
    golden("retrain", await planText());
    // AWS patches the endpoint meanwhile: apply waits for SystemUpdating to end, then deploys.
    await emulator.setEndpointStatus(endpointName, "SystemUpdating");
    const applying = recordedApply();
    for (let i = 0; i < 300 && (await configNames()).length < 2; i++) await sleep(100);
    await sleep(500); // the endpoint step is waiting now
    await emulator.setEndpointStatus(endpointName, "InService");
    const { code, out, requests } = await applying;
    expect(out).toContain("waiting for SystemUpdating to end");
    expect(out).toContain("Apply complete");
    expect(code).toBe(0);
    const after = await endpoint();
    expect(after.EndpointArn).toBe(before.EndpointArn);
    expect(after.EndpointStatus).toBe("InService");
    expect(after.EndpointConfigName).not.toBe(before.EndpointConfigName);
    const ops = mutations(requests, "sagemaker", "application-autoscaling");
    expect(ops).toContain("sagemaker:CreateTrainingJob");
    expect(ops).not.toContain("sagemaker:CreateEndpoint");
    expect(ops.filter((o) => o === "sagemaker:UpdateEndpoint")).toHaveLength(1);
    // A model change on a scaled variant keeps the scaling registered.
    expect(ops.filter((o) => o.startsWith("aas:"))).toEqual([]);
    const jobs = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: project }));
    expect(jobs.TrainingJobSummaries).toHaveLength(2);
  });

  it("changing only autoscaling maxCapacity touches only Application Auto Scaling", async () => {
    const before = await endpoint();
    writeFileSync(config, configText({ lr: 0.02, maxCapacity: 5, instanceType: "ml.m5.large" }));
    golden("max-capacity", await planText());
    const { code, requests } = await recordedApply();
    expect(code).toBe(0);
    expect(mutations(requests, "sagemaker", "application-autoscaling")).toEqual([
      "aas:RegisterScalableTarget",
    ]);
    // Everything else that mutated is the state record and the lock in S3.
    expect(requests.filter((r) => !r.readOnly).map((r) => r.service)).toEqual(
      expect.arrayContaining(["application-autoscaling"]),
    );
    expect(
      requests.filter((r) => !r.readOnly && !["s3", "application-autoscaling"].includes(r.service)),
    ).toEqual([]);
    expect((await endpoint()).EndpointConfigName).toBe(before.EndpointConfigName);
    expect((await scaling()).targets).toEqual([[1, 5]]);
  });

  it("an instance-type change deregisters, updates, then registers scaling again, in order", async () => {
    writeFileSync(config, configText({ lr: 0.02, maxCapacity: 5, instanceType: "ml.m5.xlarge" }));
    golden("instance-type", await planText());
    const { code, out, requests } = await recordedApply();
    expect(out).toContain("Apply complete");
    expect(code).toBe(0);
    const ops = mutations(requests, "sagemaker", "application-autoscaling").filter(
      (o) => !/Delete(EndpointConfig|Model)$/.test(o),
    );
    expect(ops).toEqual([
      "sagemaker:CreateEndpointConfig",
      "aas:DeleteScalingPolicy",
      "aas:DeregisterScalableTarget",
      "sagemaker:UpdateEndpoint",
      "aas:RegisterScalableTarget",
      "aas:PutScalingPolicy",
    ]);
    const ep = await endpoint();
    expect(ep.EndpointStatus).toBe("InService");
    expect(await instanceTypeOf(ep.EndpointConfigName)).toBe("ml.m5.xlarge");
    expect(await scaling()).toEqual({
      targets: [[1, 5]],
      policies: [[`${project}-invocations-per-instance`, 20]],
    });
    // A re-plan is clean: the autoscaling node agrees with what the endpoint put back.
    const again = await run(["plan", "--detailed-exitcode"]);
    expect(again.code).toBe(0);
  });

  it("keep: 1 leaves the live config/model and one superseded one", async () => {
    const live = (await endpoint()).EndpointConfigName;
    const names = await configNames();
    expect(names).toHaveLength(2);
    expect(names).toContain(live);
    const models = await sagemaker.send(
      new ListModelsCommand({ NameContains: `${project}-model-` }),
    );
    // The live config and the superseded one serve the same model (only the type changed);
    // the first model is superseded beyond keep.
    expect(models.Models?.length).toBeLessThanOrEqual(2);
  });

  it("a silent rollback fails the apply and leaves the old config and model in place", async () => {
    const before = await endpoint();
    const liveModel = (
      await sagemaker.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: before.EndpointConfigName }),
      )
    ).ProductionVariants?.[0]?.ModelName;
    await emulator.injectFault("sagemaker:UpdateEndpoint", "silent-rollback", {
      resource: endpointName,
    });
    writeFileSync(config, configText({ lr: 0.03, maxCapacity: 5, instanceType: "ml.m5.xlarge" }));
    const { code, out, requests } = await recordedApply();
    expect(code).not.toBe(0);
    expect(out).toContain("SageMaker rolled it back");
    expect(out).toContain(`InService on ${before.EndpointConfigName ?? ""}`);
    const after = await endpoint();
    expect(after.EndpointStatus).toBe("InService");
    expect(after.EndpointConfigName).toBe(before.EndpointConfigName);
    const ops = mutations(requests, "sagemaker", "application-autoscaling");
    expect(ops.filter((o) => /Delete(EndpointConfig|Model|Endpoint)$/.test(o))).toEqual([]);
    await expect(
      sagemaker.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: before.EndpointConfigName }),
      ),
    ).resolves.toBeDefined();
    await expect(
      sagemaker.send(new DescribeModelCommand({ ModelName: liveModel })),
    ).resolves.toMatchObject({ ModelName: liveModel });
    // The next plan proposes the same deployment again (nothing pretends it happened).
    golden("after-silent-rollback", await planText());
  });
});

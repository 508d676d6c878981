// Watching what is deployed, through the real CLI against the shared emulator: the tool's alarms
// are created, updated and deleted with the service; a canary deployment whose alarm fires is
// rolled back and reported by name while the previous model keeps serving; data capture goes on
// and off through verified endpoint updates; `mlops status` shows the live service. Every step
// ends with an empty re-plan.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ServiceStatus } from "../../actions/src/status/types.js";
import { makeCheckout } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const id = randomBytes(3).toString("hex");
const project = `mon${id}`;
const endpointName = `${project}-ep`;
const alarm = (suffix: string): string => `${project}-${suffix}`;

interface Shape {
  capture?: string;
  latencyMs?: number;
  rate4xx?: number;
}

function configText(s: Shape = {}): string {
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
model:
  keep: 2
endpoint:
  name: ${endpointName}
  instanceType: ml.m5.large
  initialInstanceCount: 1
${s.capture ?? ""}  deployment:
    strategy: blue-green
    traffic: canary
    canarySize: 25
  autoscaling:
    minCapacity: 1
    maxCapacity: 4
    targetInvocationsPerInstance: 20
lambda:
  name: ${project}-fn
  code: code
  provisionedConcurrency: 1
  reservedConcurrency: 3
monitoring:
  endpoint:
    modelLatencyP99Ms: ${s.latencyMs ?? 1000}
${s.rate4xx !== undefined ? `    invocation4xxErrorRate: ${s.rate4xx}\n` : ""}`;
}

let dir: string;
let configFile: string;
let sagemaker: SageMakerClient;
let cloudwatch: CloudWatchClient;

const run = (...argv: string[]): Promise<CliRun> => cli([...argv, "--config", configFile]);

async function applied(shape: Shape): Promise<CliRun> {
  writeFileSync(configFile, configText(shape));
  return run("apply", "--auto-approve");
}

async function expectEmptyReplan(): Promise<void> {
  const plan = await run("plan", "--detailed-exitcode");
  expect(plan.code, plan.out).toBe(0);
}

async function alarms() {
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${project}-` }));
  return new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName ?? "", a]));
}

async function serving() {
  const ep = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: ep.EndpointConfigName }),
  );
  return { ep, config };
}

beforeAll(() => {
  const aws = useEmulator();
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "50");
  sagemaker = new SageMakerClient(aws.clientConfig);
  cloudwatch = new CloudWatchClient(aws.clientConfig);
  dir = makeCheckout("mlops-monitoring-", "print('test_accuracy=0.9')\n");
  mkdirSync(join(dir, "code"));
  writeFileSync(join(dir, "code/index.mjs"), "export const handler = async () => 1;\n");
  configFile = join(dir, "mlops.yaml");
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe(
  "monitoring: alarms, automatic rollback, data capture, status",
  { timeout: 180_000 },
  () => {
    it("creates the endpoint's and the Lambda's alarms with the service, tagged", async () => {
      const apply = await applied({});
      expect(apply.code, apply.out).toBe(0);
      const found = await alarms();
      expect([...found.keys()].sort()).toEqual(
        [
          "endpoint-5xx",
          "endpoint-latency-p99",
          "lambda-errors",
          "lambda-spillover",
          "lambda-throttles",
        ].map(alarm),
      );
      const latency = found.get(alarm("endpoint-latency-p99"));
      expect(latency).toMatchObject({
        Namespace: "AWS/SageMaker",
        MetricName: "ModelLatency",
        ExtendedStatistic: "p99",
        Threshold: 1_000_000,
        Dimensions: [
          { Name: "EndpointName", Value: endpointName },
          { Name: "VariantName", Value: "AllTraffic" },
        ],
      });
      expect(found.get(alarm("lambda-spillover"))).toMatchObject({
        Namespace: "AWS/Lambda",
        MetricName: "ProvisionedConcurrencySpilloverInvocations",
      });
      const tags = await cloudwatch.send(
        new ListTagsForResourceCommand({ ResourceARN: latency?.AlarmArn }),
      );
      expect(tags.Tags).toEqual(
        expect.arrayContaining([
          { Key: "mlops:address", Value: "cloudwatch.alarm.endpoint-latency-p99" },
        ]),
      );
      await expectEmptyReplan();
    });

    it("updates a changed threshold in place and adds the optional 4XX rate alarm", async () => {
      writeFileSync(configFile, configText({ latencyMs: 250, rate4xx: 5 }));
      const plan = await run("plan");
      expect(plan.out).toMatch(/cloudwatch\.alarm\.endpoint-latency-p99/);
      const apply = await run("apply", "--auto-approve");
      expect(apply.code, apply.out).toBe(0);
      const found = await alarms();
      expect(found.get(alarm("endpoint-latency-p99"))?.Threshold).toBe(250_000);
      expect(found.get(alarm("endpoint-4xx-rate"))).toMatchObject({
        MetricName: "Invocation4XXErrors",
        Statistic: "Average",
        Threshold: 0.05,
      });
      await expectEmptyReplan();
    });

    it("turns data capture on and off through verified endpoint updates", async () => {
      const before = await serving();
      const capture = "  dataCapture:\n    samplingPercentage: 50\n    capture: [request]\n";
      const on = await applied({ latencyMs: 250, rate4xx: 5, capture });
      expect(on.code, on.out).toBe(0);
      expect(on.out).toContain("cutover verified");
      const withCapture = await serving();
      expect(withCapture.ep.EndpointConfigName).not.toBe(before.ep.EndpointConfigName);
      expect(withCapture.config.DataCaptureConfig).toMatchObject({
        EnableCapture: true,
        InitialSamplingPercentage: 50,
        CaptureOptions: [{ CaptureMode: "Input" }],
      });
      expect(withCapture.config.DataCaptureConfig?.DestinationS3Uri).toMatch(
        new RegExp(`^s3://${project}-\\d{12}-us-east-1/data-capture/$`),
      );
      expect(withCapture.ep.DataCaptureConfig?.EnableCapture).toBe(true);
      await expectEmptyReplan();

      const off = await applied({ latencyMs: 250, rate4xx: 5 });
      expect(off.code, off.out).toBe(0);
      const without = await serving();
      expect(without.ep.EndpointConfigName).toBe(before.ep.EndpointConfigName);
      expect(without.config.DataCaptureConfig?.EnableCapture).toBeUndefined();
      expect(without.ep.DataCaptureConfig?.EnableCapture).not.toBe(true);
      await expectEmptyReplan();
    });

    it("rolls a canary deployment back when its alarm fires, names the alarm, keeps the old model", async () => {
      const before = await serving();
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarm("endpoint-5xx"),
          StateValue: "ALARM",
          StateReason: "Threshold Crossed: 2 out of the last 3 datapoints were greater than 0",
        }),
      );
      const capture = "  dataCapture:\n    samplingPercentage: 10\n";
      const apply = await applied({ latencyMs: 250, rate4xx: 5, capture });
      expect(apply.code).toBe(1);
      expect(apply.out).toContain("ROLLED BACK");
      expect(apply.out).toContain(`rollback alarm ${alarm("endpoint-5xx")} (Threshold Crossed`);
      const after = await serving();
      expect(after.ep.EndpointStatus).toBe("InService");
      expect(after.ep.EndpointConfigName).toBe(before.ep.EndpointConfigName);
      expect(after.config.ProductionVariants?.[0]?.ModelName).toBe(
        before.config.ProductionVariants?.[0]?.ModelName,
      );

      // Once the alarm is quiet again, the same change deploys.
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarm("endpoint-5xx"),
          StateValue: "OK",
          StateReason: "back to normal",
        }),
      );
      const again = await run("apply", "--auto-approve");
      expect(again.code, again.out).toBe(0);
      expect((await serving()).config.DataCaptureConfig?.InitialSamplingPercentage).toBe(10);
      await expectEmptyReplan();
    });

    it("`mlops status` shows the endpoint, its model, the alarms, the Lambda and training", async () => {
      const json = await run("status", "--format", "json");
      expect(json.code, json.out).toBe(0);
      const status = JSON.parse(json.stdout) as ServiceStatus;
      const { ep, config } = await serving();
      expect(status.endpoint).toMatchObject({
        name: endpointName,
        status: "InService",
        instanceType: "ml.m5.large",
        instances: { current: 1, desired: 1, min: 1, max: 4 },
        endpointConfig: ep.EndpointConfigName,
        model: config.ProductionVariants?.[0]?.ModelName,
        deployedBy: "config",
        dataCapture: { enabled: true },
      });
      expect(Date.parse(status.endpoint.servingSince ?? "")).not.toBeNaN();
      expect(status.alarms.map((a) => [a.name, a.state])).toEqual(
        expect.arrayContaining([
          [alarm("endpoint-5xx"), "OK"],
          [alarm("endpoint-latency-p99"), "INSUFFICIENT_DATA"],
          [alarm("lambda-spillover"), "INSUFFICIENT_DATA"],
        ]),
      );
      expect(status.alarms).toHaveLength(6);
      expect(status.lambda).toMatchObject({
        name: `${project}-fn`,
        alias: "live",
        provisionedConcurrency: { requested: 1 },
        reservedConcurrency: 3,
      });
      expect(status.lambda?.version).toMatch(/^\d+$/);
      expect(status.training.length).toBeGreaterThan(0);
      expect(status.training[0]).toMatchObject({ status: "Completed" });
      // The metrics are the job's final metrics as SageMaker reports them.
      const job = await sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: status.training[0]?.job }),
      );
      expect(job.FinalMetricDataList?.length).toBeGreaterThan(0);
      expect(status.training[0]?.metrics).toEqual(
        Object.fromEntries((job.FinalMetricDataList ?? []).map((m) => [m.MetricName, m.Value])),
      );

      const text = await run("status");
      expect(text.stdout).toContain(`Endpoint ${endpointName}: InService`);
      expect(text.stdout).toContain("scaling 1-4");
      expect(text.stdout).toMatch(new RegExp(`${alarm("endpoint-5xx")} +OK`));
      expect(text.stdout).toContain(`Lambda ${project}-fn:live: version`);
      expect(text.stdout).toContain("Training runs (latest first):");
      expect(text.stdout).toContain(`${status.training[0]?.job}  Completed`);
    });

    it("deletes the alarms with the service", async () => {
      const destroy = await run("destroy", "--auto-approve");
      expect(destroy.code, destroy.out).toBe(0);
      expect([...(await alarms()).keys()]).toEqual([]);
    });
  },
);

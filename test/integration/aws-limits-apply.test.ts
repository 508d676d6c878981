// Configs at AWS's limits (as mlops validate counts them) apply cleanly on the strict emulator,
// which refuses what AWS refuses: the other side of test/unit/config/aws-limits.test.ts.
import {
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeCheckout, projectSageMakerNames as namesOfProject } from "../support/checkout.js";
import { useEmulator } from "../support/emulator.js";
import { cli, type CliRun } from "../support/cli.js";

const project = `lim${randomBytes(3).toString("hex")}`;
let dir: string;
let config: string;

const edgeTags = Array.from(
  { length: 46 },
  (_, i) =>
    `  k${String(i).padStart(2, "0")}${"k".repeat(125)}: "${"ML team: a/b_c + d@e.f = -".padEnd(256, "v")}"`,
).join("\n");
const edgeHyperparameters = [
  `    long: "${"x".repeat(2498)}"`,
  ...Array.from({ length: 94 }, (_, i) => `    p${String(i)}: ${String(i)}`),
].join("\n");

function configText(lr: number): string {
  return `version: 1
project: ${project}
region: us-east-1
tags:
${edgeTags}
state:
  lockTimeout: 1s
data:
  source: data
  bucket: ${project}-\${account}-\${region}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.g5.2xlarge, count: 1 }
  hyperparameters:
    lr: ${String(lr)}
${edgeHyperparameters}
model:
  keep: 2
endpoint:
  name: ${project}-ep
  instanceType: ml.g5.xlarge
  initialInstanceCount: 1
`;
}

/** `mlops ARGV --config <the test's config>`. */
const run = (argv: string[]): Promise<CliRun> => cli([...argv, "--config", config]);

const aws = useEmulator();
const sagemaker = new SageMakerClient(aws.clientConfig);

const projectSageMakerNames = (): Promise<string[]> => namesOfProject(sagemaker, project);

beforeAll(() => {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  dir = makeCheckout("mlops-limits-it-", "print('test_accuracy=0.9')\n");
  config = join(dir, "mlops.yaml");
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("a config at AWS's limits", () => {
  it("validates, applies on the strict emulator, updates and is destroyed", async () => {
    writeFileSync(config, configText(0.01));
    const validated = await run(["validate"]);
    expect(validated.out).toContain("is valid");
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.out).toContain("Apply complete");
    expect(applied.code).toBe(0);
    const endpoint = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: `${project}-ep` }),
    );
    expect(endpoint.EndpointStatus).toBe("InService");

    writeFileSync(config, configText(0.02));
    const updated = await run(["apply", "--auto-approve"]);
    expect(updated.code).toBe(0);
    const jobs = /training job (\S+)/.exec(updated.out)?.[1] ?? "";
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobs }));
    // 96 of the config and the tool's 4: SageMaker's 100.
    expect(Object.keys(job.HyperParameters ?? {})).toHaveLength(100);

    const destroyed = await run(["destroy", "--auto-approve", "--include-data"]);
    expect(destroyed.code).toBe(0);
    expect(await projectSageMakerNames()).toEqual([]);
  });
});

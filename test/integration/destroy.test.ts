// `mlops destroy` after several deployments: the superseded models and endpoint configs the
// deployment clean-up keeps for rollback go too, and destroy names each one it removed.
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeCheckout, projectSageMakerNames as namesOfProject } from "../support/checkout.js";
import { useEmulator } from "../support/emulator.js";
import { cli, type CliRun } from "../support/cli.js";

const project = `dst${randomBytes(3).toString("hex")}`;
let dir: string;
let config: string;

function configText(lr: number): string {
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
  hyperparameters: { epochs: 1, lr: ${String(lr)} }
model:
  keep: 2
endpoint:
  name: ${project}-ep
  instanceType: ml.m5.large
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
  dir = makeCheckout("mlops-destroy-it-", "print('test_accuracy=0.9')\n");
  config = join(dir, "mlops.yaml");
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("destroy after several deployments", () => {
  it("removes the superseded models and endpoint configs and the training jobs too, and names them", async () => {
    for (const lr of [0.01, 0.02, 0.03, 0.04]) {
      writeFileSync(config, configText(lr));
      const applied = await run(["apply", "--auto-approve"]);
      expect(applied.out).toContain("Apply complete");
      expect(applied.code).toBe(0);
    }
    // The live model and config plus two superseded ones of each, kept for rollback.
    const before = await projectSageMakerNames();
    const superseded = before.filter((n) => /-(model|epc)-[0-9a-f]{8}$/.test(n));
    expect(superseded).toHaveLength(6);
    const jobs = before.filter((n) => /-[0-9a-f]{8}-\d+$/.test(n));
    expect(jobs).toHaveLength(4);

    const destroyed = await run(["destroy", "--auto-approve", "--include-data"]);
    expect(destroyed.code).toBe(0);
    expect(destroyed.out).toContain(
      "Also removes 8 superseded models and endpoint configs of earlier deployments, and finished training jobs:",
    );
    expect(destroyed.out).toContain(
      "Removed 8 superseded models, endpoint configs and finished training jobs.",
    );
    for (const name of [...superseded, ...jobs]) {
      expect(destroyed.out).toMatch(new RegExp(`delete +(\\S+ )*${name}`));
    }

    expect(await projectSageMakerNames()).toEqual([]);
    const roles = await new IAMClient(aws.clientConfig).send(new ListRolesCommand({}));
    expect((roles.Roles ?? []).filter((r) => r.RoleName?.startsWith(project))).toEqual([]);
    const buckets = await new S3Client(aws.s3ClientConfig).send(new ListBucketsCommand({}));
    expect((buckets.Buckets ?? []).filter((b) => b.Name?.startsWith(project))).toEqual([]);

    // Nothing left: a second destroy has nothing to remove.
    const again = await run(["destroy", "--auto-approve", "--include-data"]);
    expect(again.code).toBe(0);
    expect(again.out).not.toMatch(/(superseded|finished) SageMaker/);
  });
});

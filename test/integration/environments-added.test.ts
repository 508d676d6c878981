// Adding `environments:` to a config that already serves: the service never pauses. The build
// stage's plans keep the endpoint of the config before environments (and all it served with)
// until staging and production serve; the first build apply after that deletes it.
import {
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../actions/src/plan/types.js";
import { makeCheckout } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";
import { FAKE_TRAIN } from "../support/fake-train.js";

const aws = useEmulator();
const project = `envadd${Date.now().toString(36)}`;
let dir: string;
let config: string;
let sagemaker: SageMakerClient;
const savedEnv = { ...process.env };

function writeConfig(environments: boolean): void {
  writeFileSync(
    config,
    `version: 1
project: ${project}
region: us-east-1
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training: { backend: local, sourceDir: ./training, local: { python: python3 } }
model: { qualityGate: { metric: test_accuracy, min: 0.5 } }
endpoint: { name: ${project} }
${environments ? "environments:\n  staging: {}\n  production: { approval: true }\n" : ""}`,
  );
}

const ok = (run: CliRun): void => {
  expect(run.code, run.out).toBe(0);
};
const mlops = (...args: string[]): Promise<CliRun> => cli([...args, "--config", config]);
const exists = (name: string): Promise<boolean> =>
  sagemaker.send(new DescribeEndpointCommand({ EndpointName: name })).then(
    () => true,
    () => false,
  );

/** The build stage's plan, as `mlops plan --format json` prints it (first of the stages). */
async function buildPlan(): Promise<Plan> {
  const run = await mlops("plan", "--format", "json");
  ok(run);
  const plans = JSON.parse(run.stdout) as Plan[];
  const build = plans.find((p) => p.stage?.name === "build");
  expect(build).toBeDefined();
  return build as Plan;
}

beforeAll(() => {
  dir = makeCheckout("environments-added-", FAKE_TRAIN);
  config = join(dir, "mlops.yaml");
  Object.assign(process.env, aws.env, { MLOPS_CACHE_DIR: join(dir, "cache") });
  sagemaker = new SageMakerClient(aws.clientConfig);
});

afterAll(() => {
  process.env = savedEnv;
});

describe("adding environments to a config that serves", () => {
  it("keeps the old endpoint serving until every environment serves", async () => {
    writeConfig(false);
    ok(await mlops("apply", "--auto-approve"));
    expect(await exists(project)).toBe(true);

    writeConfig(true);
    const held = await buildPlan();
    expect(held.stage?.kept).toMatchObject({ endpoint: project, until: ["staging", "production"] });
    expect(held.stage?.kept?.resources).toContain("sagemaker.endpoint.main");
    expect(held.changes.filter((c) => c.action === "delete")).toEqual([]);
    const text = await mlops("plan");
    expect(text.out).toContain(`until staging, production serve`);
    ok(await mlops("apply", "--auto-approve"));
    expect(await exists(project)).toBe(true);

    ok(await mlops("apply", "--env", "staging", "--auto-approve"));
    expect((await buildPlan()).stage?.kept?.until).toEqual(["production"]);
    ok(await mlops("promote", "--to", "production", "--auto-approve"));
    expect(await exists(`${project}-production`)).toBe(true);
    expect(await exists(project)).toBe(true);

    // Every environment serves: the build stage deletes what the old config served.
    const release = await buildPlan();
    expect(release.stage?.kept).toBeUndefined();
    expect(release.changes.filter((c) => c.action === "delete").map((c) => c.address)).toContain(
      "sagemaker.endpoint.main",
    );
    ok(await mlops("apply", "--auto-approve"));
    expect(await exists(project)).toBe(false);
    expect(await exists(`${project}-staging`)).toBe(true);
    const replan = await mlops("plan", "--detailed-exitcode");
    expect(replan.code, replan.out).toBe(0);
    // Each stage's orphans are its own: a model tagged for staging that no record owns is
    // staging's to list, not the build stage's.
    const stray = `${project}-staging-model-0badcafe`;
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: stray,
        ExecutionRoleArn: "arn:aws:iam::123456789012:role/x",
        PrimaryContainer: { Image: "i", ModelDataUrl: "s3://b/model.tar.gz" },
        Tags: [
          { Key: "mlops:project", Value: `${project}-staging` },
          { Key: "mlops:managed-by", Value: "mlops-gitops" },
        ],
      }),
    );
    const staging = await mlops("janitor", "--orphans", "--env", "staging");
    expect(staging.code, staging.out).toBe(0);
    expect(staging.stdout).toContain(stray);
    expect((await mlops("janitor", "--orphans")).stdout).not.toContain(stray);
    expect((await mlops("janitor", "--env", "staging")).code).toBe(2);
  }, 240_000);
});

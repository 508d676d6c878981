// The model registry and staged promotion, end to end against the emulator (issue 18): a merge
// trains and registers v1 and staging serves it while production waits for approval; promote
// approves v1 and production serves the same artifact and image; a hyperparameter change
// registers v2, staging serves it, production keeps v1 until v2 is promoted; a run that fails
// the quality gate is registered Rejected and reaches no environment; production rolls back to
// the version before; and every re-plan is empty.
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelVersionRow } from "../../actions/src/cli/models-command.js";
import { makeCheckout } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

// train.py's contract in milliseconds; --quality sets the accuracy the run reports.
const FAKE_TRAIN = `
import json, os, sys
args = sys.argv[1:]
quality = float(args[args.index("--quality") + 1]) if "--quality" in args else 0.9
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(" ".join(args).encode())
json.dump({"test_accuracy": quality}, open(os.path.join(model, "metrics.json"), "w"))
print(f"test_accuracy={quality:.4f}")
`;

const aws = useEmulator();
let dir: string;
let project: string;
let sagemaker: SageMakerClient;
const savedEnv = { ...process.env };

function writeConfig(hyperparameters: string): string {
  const file = join(dir, "mlops.yaml");
  writeFileSync(
    file,
    `version: 1
project: ${project}
region: us-east-1
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training:
  backend: local
  sourceDir: ./training
  hyperparameters: { ${hyperparameters} }
  local: { python: python3 }
model:
  qualityGate: { metric: test_accuracy, min: 0.5 }
endpoint:
  name: ${project}
environments:
  staging: {}
  production:
    approval: true
    endpoint: { initialInstanceCount: 2 }
    tags: { tier: production }
`,
  );
  return file;
}

const mlops = async (...args: string[]): Promise<CliRun> => {
  const run = await cli(args);
  return run;
};
const ok = (run: CliRun): void => {
  expect(run.code, run.out).toBe(0);
};

/** The model an environment's endpoint serves: its name, artifact and image. */
async function served(environment: string) {
  const endpoint = await sagemaker.send(
    new DescribeEndpointCommand({ EndpointName: `${project}-${environment}` }),
  );
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const name = config.ProductionVariants?.[0]?.ModelName ?? "";
  const model = await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
  return {
    name,
    artifact: model.PrimaryContainer?.ModelDataUrl,
    image: model.PrimaryContainer?.Image,
    count: config.ProductionVariants?.[0]?.InitialInstanceCount,
  };
}

async function models(config: string): Promise<ModelVersionRow[]> {
  const run = await mlops("models", "--config", config, "--format", "json");
  ok(run);
  return JSON.parse(run.stdout) as ModelVersionRow[];
}

async function everyRePlanEmpty(config: string): Promise<void> {
  const replan = await mlops("plan", "--config", config, "--detailed-exitcode");
  expect(replan.code, replan.out).toBe(0);
}

beforeAll(() => {
  project = `env${Date.now().toString(36)}`;
  dir = makeCheckout("environments-", FAKE_TRAIN);
  Object.assign(process.env, aws.env, {
    MLOPS_CACHE_DIR: join(dir, "cache"),
    GITHUB_ACTOR: "octocat",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "acme/pets",
    GITHUB_RUN_ID: "42",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
  });
  sagemaker = new SageMakerClient(aws.clientConfig);
});

afterAll(() => {
  process.env = savedEnv;
});

describe("registry and staged promotion", () => {
  it("builds once, promotes the same model, keeps failures out and rolls production back", async () => {
    const config = writeConfig("epochs: 2, seed: 0");

    // Merge: build trains and registers v1; staging serves it; production waits for approval.
    ok(await mlops("apply", "--config", config, "--auto-approve"));
    ok(await mlops("apply", "--config", config, "--env", "staging", "--auto-approve"));
    const waiting = await mlops(
      "apply",
      "--config",
      config,
      "--env",
      "production",
      "--auto-approve",
    );
    ok(waiting);
    expect(waiting.stdout).toContain("No changes");
    await expect(
      sagemaker.send(new DescribeEndpointCommand({ EndpointName: `${project}-production` })),
    ).rejects.toThrow();
    const v1 = await served("staging");
    const [registered] = await models(config);
    expect(registered).toMatchObject({
      version: 1,
      status: "PendingManualApproval",
      metrics: { test_accuracy: 0.9 },
      deployedIn: ["staging"],
    });
    expect(registered?.metricsUri).toMatch(/^s3:\/\/.*\/metrics\.json$/);
    const packages = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: project }),
    );
    const v1Package = await sagemaker.send(
      new DescribeModelPackageCommand({
        ModelPackageName: packages.ModelPackageSummaryList?.[0]?.ModelPackageArn,
      }),
    );
    expect(v1Package.CustomerMetadataProperties).toMatchObject({
      "mlops:git-commit": "0123456789abcdef0123456789abcdef01234567",
      "mlops:workflow-run": "https://github.com/acme/pets/actions/runs/42",
      "mlops:hp:epochs": "2",
    });
    expect(v1Package.CustomerMetadataProperties?.["mlops:data-manifest-hash"]).toMatch(
      /^[0-9a-f]+$/,
    );
    expect(v1Package.InferenceSpecification?.Containers?.[0]?.ModelDataUrl).toBe(v1.artifact);

    // Promote: v1 approved by the run, production serves v1, byte for byte staging's model.
    const promoted = await mlops(
      "promote",
      "--config",
      config,
      "--to",
      "production",
      "--auto-approve",
    );
    ok(promoted);
    const approvedV1 = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: v1Package.ModelPackageArn }),
    );
    expect(approvedV1.ModelApprovalStatus).toBe("Approved");
    expect(approvedV1.ApprovalDescription).toBe(
      "approved for production by octocat in https://github.com/acme/pets/actions/runs/42",
    );
    const production = await served("production");
    expect(production.artifact).toBe(v1.artifact);
    expect(production.image).toBe(v1.image);
    expect(production.name).not.toBe(v1.name); // names carry the environment
    expect(production.count).toBe(2); // production's override
    // `mlops status --env production` says which registry version it serves.
    const status = await mlops(
      "status",
      "--config",
      config,
      "--env",
      "production",
      "--format",
      "json",
    );
    ok(status);
    expect(JSON.parse(status.out)).toMatchObject({
      endpoint: { name: `${project}-production`, status: "InService", modelVersion: "1" },
    });
    const tags = await sagemaker.send(
      new ListTagsCommand({
        ResourceArn: (
          await sagemaker.send(
            new DescribeEndpointCommand({ EndpointName: `${project}-production` }),
          )
        ).EndpointArn,
      }),
    );
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: "mlops:environment", Value: "production" },
        { Key: "tier", Value: "production" },
      ]),
    );
    await everyRePlanEmpty(config);

    // A hyperparameter change: v2 trained and registered, staging serves it, production keeps v1.
    writeConfig("epochs: 3, seed: 0");
    const planned = await mlops("plan", "--config", config);
    ok(planned);
    expect(planned.stdout).toContain("build: trains when its inputs change");
    ok(await mlops("apply", "--config", config, "--auto-approve"));
    ok(await mlops("apply", "--config", config, "--env", "staging", "--auto-approve"));
    const v2 = await served("staging");
    expect(v2.artifact).not.toBe(v1.artifact);
    expect((await served("production")).artifact).toBe(v1.artifact);
    const pending = await mlops("plan", "--config", config, "--format", "markdown");
    ok(pending);
    expect(pending.stdout).toContain("production: model v1 -> v2, waiting for approval");
    expect(pending.stdout).toContain("staging: model v2, unchanged");
    await everyRePlanEmpty(config);

    ok(await mlops("promote", "--config", config, "--to", "production", "--auto-approve"));
    expect((await served("production")).artifact).toBe(v2.artifact);

    // A run whose metrics fail the gate: registered Rejected, deployed nowhere.
    writeConfig("epochs: 3, seed: 0, quality: 0.1");
    const failed = await mlops("apply", "--config", config, "--auto-approve");
    expect(failed.code, failed.out).toBe(1);
    expect(failed.out).toContain(
      "quality gate failed: test_accuracy = 0.1 is below the minimum 0.5",
    );
    expect(failed.out).toContain("registered as version 3, Rejected");
    const staged = await mlops("apply", "--config", config, "--env", "staging", "--auto-approve");
    ok(staged);
    expect(staged.stdout).toContain("No changes");
    const refused = await mlops(
      "promote",
      ...["--config", config, "--to", "production", "--version", "3", "--auto-approve"],
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("model version 3 is Rejected");
    expect((await served("staging")).artifact).toBe(v2.artifact);
    expect((await served("production")).artifact).toBe(v2.artifact);

    // Rollback of production to the version it served before, through the verified cutover.
    ok(await mlops("rollback", "--config", config, "--env", "production", "--auto-approve"));
    expect((await served("production")).artifact).toBe(v1.artifact);
    expect((await served("staging")).artifact).toBe(v2.artifact);
    const versions = await models(config);
    expect(versions.map((v) => [v.version, v.status, v.deployedIn])).toEqual([
      [3, "Rejected", []],
      [2, "Approved", ["staging"]],
      [1, "Approved", ["production"]],
    ]);

    // Every stage's re-plan is empty, and re-running the build registers nothing twice.
    await everyRePlanEmpty(config);
    ok(await mlops("apply", "--config", config, "--auto-approve"));
    expect((await models(config)).length).toBe(3);

    // The build stage (the registry) goes last: refused while an environment still serves.
    const early = await mlops("destroy", "--config", config, "--auto-approve");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("mlops destroy --env staging; mlops destroy --env production");
    expect((await models(config)).length).toBe(3);
    for (const env of ["production", "staging"])
      ok(await mlops("destroy", "--config", config, "--env", env, "--auto-approve"));
    ok(await mlops("destroy", "--config", config, "--auto-approve"));
  }, 300_000);
});

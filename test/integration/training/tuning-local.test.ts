// A real search with the local backend: three trials of the real training/train.py on a small
// generated data set, each a normal local training run with its own values; the trial with the
// lowest test loss is the run the endpoint's model is made from, and a re-plan is empty.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateRecord } from "../../../actions/src/apply/state-store.js";
import type { Plan } from "../../../actions/src/plan/types.js";
import { makeCheckout } from "../../support/checkout.js";
import { cli } from "../../support/cli.js";
import { useEmulator } from "../../support/emulator.js";

const PYTHON = process.env["MLOPS_TRAINING_PYTHON"] ?? "python3";
const REPO = new URL("../../../", import.meta.url).pathname;

const aws = useEmulator();
let dir: string;
let project: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  project = `tl${Date.now().toString(36)}`;
  dir = makeCheckout("tuning-local-", "");
  // The real training code, and a data set small enough to train on in seconds on a CPU.
  for (const file of readdirSync(join(REPO, "training")).filter((f) => /\.(py|txt)$/.test(f)))
    cpSync(join(REPO, "training", file), join(dir, "training", file));
  const data = spawnSync(
    PYTHON,
    [join(dir, "training/generate_data.py"), "--out", join(dir, "data2"), "--classes", "2"]
      .concat(["--per-class-train", "6", "--per-class-valid", "2", "--per-class-test", "2"])
      .concat(["--image-size", "32", "--seed", "0"]),
    { encoding: "utf8" },
  );
  expect(data.status, data.stderr).toBe(0);
  Object.assign(process.env, aws.env, { MLOPS_CACHE_DIR: join(dir, "cache") });
});

afterAll(() => {
  process.env = savedEnv;
});

describe("a search with the local backend", () => {
  it("runs three real trials and deploys the best", { timeout: 300_000 }, async () => {
    const config = join(dir, "mlops.yaml");
    writeFileSync(
      config,
      `version: 1
project: ${project}
region: us-east-1
data: { source: ./data2, bucket: "${project}-\${account}", prefix: images/ }
training:
  backend: local
  sourceDir: ./training
  hyperparameters: { epochs: 1, arch: resnet18, image-size: 32, pretrained: false, seed: 0, workers: 0 }
  local: { python: ${PYTHON} }
  tuning:
    objective: { metric: test:loss, goal: minimize }
    strategy: random
    maxJobs: 3
    seed: 1
    parameters:
      learning-rate: { type: continuous, min: 0.0001, max: 0.1, scaling: log }
      batch-size: { type: categorical, values: [4, 8] }
model:
  qualityGate: { metric: test:accuracy, min: 0 }
endpoint: { name: ${project} }
`,
    );
    const apply = await cli(["apply", "--config", config, "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const log = apply.stdout + apply.stderr;
    expect(log).toContain("3 trials, 1 at a time, objective test:loss (minimize)");

    const s3 = new S3Client(aws.s3ClientConfig);
    const bucket = `${project}-123456789012`;
    const stateObject = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: ".mlops/state.json" }),
    );
    const state = JSON.parse((await stateObject.Body?.transformToString()) ?? "{}") as StateRecord;
    const run = Object.values(state.training)[0];
    const trials = run?.tuning?.trials ?? [];
    expect(trials).toHaveLength(3);
    expect(trials.every((t) => t.status === "Completed" && t.objective !== undefined)).toBe(true);
    // Each trial ran train.py with its own values.
    expect(new Set(trials.map((t) => t.hyperparameters["learning-rate"])).size).toBe(3);
    const lowest = Math.min(...trials.map((t) => t.objective ?? Infinity));
    const best = trials.find((t) => t.objective === lowest);
    expect(run?.job).toBe(best?.job);
    expect(run?.metrics?.["test:loss"]).toBe(lowest);
    expect(log).toMatch(new RegExp(`\\* ${best?.job ?? "?"} +Completed`));

    // The endpoint's model is the best trial's artifact, uploaded where SageMaker would put it.
    const key = (run?.artifact ?? "").replace(`s3://${bucket}/`, "");
    expect(key).toBe(`${project}/training-output/${best?.job ?? "?"}/output/model.tar.gz`);
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const planFile = join(dir, "plan.json");
    const again = await cli(["plan", "--config", config, "--out", planFile, "--detailed-exitcode"]);
    expect(again.code, again.stdout).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const model = await new SageMakerClient(aws.clientConfig).send(
      new DescribeModelCommand({ ModelName: plan.nodes["sagemaker.model.main"]?.name ?? "" }),
    );
    expect(model.PrimaryContainer?.ModelDataUrl).toBe(run?.artifact);
  });

  it("runs a grid two at a time, and a failed trial does not fail the search", async () => {
    // train.py's contract in milliseconds, steered by the searched values.
    const fake = makeCheckout(
      "tuning-grid-",
      `
import json, os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
if args["--optimizer"] == "broken":
    print("optimizer broken diverged (simulated)", file=sys.stderr)
    sys.exit(3)
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(b"weights")
loss = 1 / float(args["--batch-size"])
print(f"test_loss={loss:.4f} test_accuracy=0.9000")
`,
    );
    const config = join(fake, "mlops.yaml");
    writeFileSync(
      config,
      `version: 1
project: ${project}g
region: us-east-1
data: { source: ./data, bucket: "${project}g-\${account}", prefix: images/ }
training:
  backend: local
  sourceDir: ./training
  hyperparameters: { epochs: 1 }
  local: { python: python3 }
  tuning:
    objective: { metric: test:loss, goal: minimize }
    strategy: grid
    maxParallelJobs: 2
    parameters:
      batch-size: { type: categorical, values: [8, 16] }
      optimizer: { type: categorical, values: [sgd, broken] }
endpoint: { name: ${project}g }
`,
    );
    const apply = await cli(["apply", "--config", config, "--auto-approve"]);
    const log = apply.stdout + apply.stderr;
    expect(apply.code, log).toBe(0);
    expect(log).toContain("4 trials, 2 at a time");
    expect(log).toMatch(/4 trials \(2 not completed\)/);
    expect(log).toMatch(/\* \S+-003 +Completed +0\.0625 +batch-size=16 optimizer=sgd/);
    expect(log).toMatch(/\S+-002 +Failed .*optimizer broken diverged \(simulated\)/);
  });
});

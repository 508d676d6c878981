// The local training backend end to end on the emulator: train.py runs in a subprocess with
// SageMaker's environment, its artifact lands where a SageMaker job's would, a completed run is
// reused, a failed one is reported and retried only with --force, and a failing quality gate
// blocks the deploy.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateRecord } from "../../../actions/src/apply/state-store.js";
import type { Plan } from "../../../actions/src/plan/types.js";
import { makeCheckout } from "../../support/checkout.js";
import { useEmulator } from "../../support/emulator.js";
import { cli, type CliRun } from "../../support/cli.js";

// A stand-in for training/train.py that honours the same contract in milliseconds: reads
// SM_CHANNEL_TRAINING, writes into SM_MODEL_DIR, prints the documented final line. Its
// behaviour is steered by hyperparameters so one script covers success, failure and a bad model.
const FAKE_TRAIN = `
import json, os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
data = os.environ["SM_CHANNEL_TRAINING"]
assert os.path.isdir(os.path.join(data, "train")), "no training data"
if args.get("--fail") == "true":
    print("CUDA out of memory (simulated)", file=sys.stderr)
    sys.exit(3)
acc = float(args.get("--accuracy", "0.95"))
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(b"weights")
json.dump({"test_loss": 0.1, "test_accuracy": acc}, open(os.path.join(model, "metrics.json"), "w"))
print(f"test_loss=0.1000 test_accuracy={acc:.4f}")
`;

const aws = useEmulator();
let dir: string;
let project: string;
const savedEnv = { ...process.env };

function writeConfig(
  hyperparameters: Record<string, string | number | boolean>,
  gateMin = 0.7,
): string {
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
  hyperparameters: ${JSON.stringify(hyperparameters)}
  local: { python: python3 }
model:
  qualityGate: { metric: test_accuracy, min: ${gateMin} }
endpoint: { name: ${project} }
`,
  );
  return file;
}

const mlops = (...args: string[]): Promise<CliRun> => cli(args);

async function state(): Promise<StateRecord> {
  const s3 = new S3Client(aws.s3ClientConfig);
  const out = await s3.send(
    new GetObjectCommand({ Bucket: `${project}-123456789012`, Key: ".mlops/state.json" }),
  );
  return JSON.parse((await out.Body?.transformToString()) ?? "{}") as StateRecord;
}

beforeAll(() => {
  project = `lt${Date.now().toString(36)}`;
  dir = makeCheckout("local-backend-", FAKE_TRAIN);
  Object.assign(process.env, aws.env, { MLOPS_CACHE_DIR: join(dir, "cache") });
});

afterAll(() => {
  process.env = savedEnv;
});

describe("local training backend", () => {
  it("trains once, uploads the artifact in SageMaker's layout, and reuses the run", async () => {
    const config = writeConfig({ epochs: 1 });
    const apply = await mlops("apply", "--config", config, "--auto-approve");
    expect(apply.code, apply.stderr).toBe(0);

    const runs = Object.values((await state()).training);
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run?.status).toBe("Completed");
    expect(run?.metrics?.["test_accuracy"]).toBe(0.95);
    expect(run?.artifact).toMatch(
      new RegExp(
        `^s3://${project}-123456789012/${project}/training-output/${run?.job ?? "?"}/output/model.tar.gz$`,
      ),
    );
    const key = (run?.artifact ?? "").replace(`s3://${project}-123456789012/`, "");
    await new S3Client(aws.s3ClientConfig).send(
      new HeadObjectCommand({ Bucket: `${project}-123456789012`, Key: key }),
    );
    // The model serves exactly that artifact.
    const planFile = join(dir, "plan.json");
    const again = await mlops("plan", "--config", config, "--out", planFile, "--detailed-exitcode");
    expect(again.code, again.stdout).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const training = plan.changes.find((c) => c.address === "training.run.main");
    expect(training?.reason).toContain(`reusing job ${run?.job ?? "?"}`);
    const model = await new SageMakerClient(aws.clientConfig).send(
      new DescribeModelCommand({ ModelName: plan.nodes["sagemaker.model.main"]?.name ?? "" }),
    );
    expect(model.PrimaryContainer?.ModelDataUrl).toBe(run?.artifact);
    expect(model.PrimaryContainer?.Environment?.["SAGEMAKER_PROGRAM"]).toBe("inference.py");
  });

  it("reports a failed run with its log, and retries it only with --force", async () => {
    const config = writeConfig({ epochs: 2, fail: true });
    const failed = await mlops("apply", "--config", config, "--auto-approve");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("CUDA out of memory (simulated)");

    // Re-planning does not silently retrain: it says what failed and how to retry.
    const plan = await mlops("plan", "--config", config);
    expect(plan.stdout).toMatch(/Failed.*retry with "mlops train --force"/);
    const again = await mlops("apply", "--config", config, "--auto-approve");
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('run "mlops train --force" to retry');
    const attempts = Object.values((await state()).training).filter((r) => r.status === "Failed");
    expect(attempts).toHaveLength(1);

    // Forced, with the cause fixed by an override, it trains a new attempt and deploys.
    const forced = await mlops(
      "train",
      "--config",
      config,
      "--force",
      "--set",
      "fail=false",
      "--auto-approve",
    );
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
  });

  it("a model below the quality gate is not deployed", async () => {
    const before = (
      await mlops("plan", "--config", writeConfig({ epochs: 3 }), "--out", join(dir, "p.json"))
    ).code;
    expect(before).toBe(0);
    const config = writeConfig({ epochs: 4, accuracy: 0.5 });
    const apply = await mlops("apply", "--config", config, "--auto-approve");
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain(
      "quality gate failed: test_accuracy = 0.5 is below the minimum 0.7",
    );
    expect(apply.stdout).toMatch(/skipped\s+sagemaker\.endpoint-config\.main/);
  });
});

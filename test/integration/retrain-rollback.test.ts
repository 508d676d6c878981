// A manual retrain is not silently reverted by the next merge (issue 25). After `mlops train
// --set epochs=1` deploys a model the config does not name, an unrelated config change's plan
// shows the model going back as a ROLLBACK, first, with the retrain's time and overrides; an
// auto-approved apply of that fresh plan refuses it; the reviewed (saved) plan applies; and a
// config that catches up with the retrain leaves the model alone.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMarkdown } from "../../actions/src/plan/render-markdown.js";
import type { Plan } from "../../actions/src/plan/types.js";
import { makeCheckout } from "../support/checkout.js";
import { useEmulator } from "../support/emulator.js";
import { cli, type CliRun } from "../support/cli.js";

// train.py's contract in milliseconds: SageMaker's environment in, model.pth and metrics out.
const FAKE_TRAIN = `
import json, os, sys
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(" ".join(sys.argv[1:]).encode())
json.dump({"test_accuracy": 0.9}, open(os.path.join(model, "metrics.json"), "w"))
print("test_accuracy=0.9000")
`;

const aws = useEmulator();
let dir: string;
let project: string;
const savedEnv = { ...process.env };

function writeConfig(epochs: number, maxCapacity: number): string {
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
  hyperparameters: { epochs: ${epochs}, seed: 0 }
  local: { python: python3 }
endpoint:
  name: ${project}
  autoscaling: { minCapacity: 1, maxCapacity: ${maxCapacity}, targetInvocationsPerInstance: 20 }
`,
  );
  return file;
}

const mlops = (...args: string[]): Promise<CliRun> => cli(args);

beforeAll(() => {
  project = `rb${Date.now().toString(36)}`;
  dir = makeCheckout("retrain-rollback-", FAKE_TRAIN);
  Object.assign(process.env, aws.env, { MLOPS_CACHE_DIR: join(dir, "cache") });
});

afterAll(() => {
  process.env = savedEnv;
});

describe("a manual retrain and the next merge", () => {
  it("shows the revert as a rollback first, refuses it unreviewed, applies it reviewed", async () => {
    const config = writeConfig(2, 3);
    const first = await mlops("apply", "--config", config, "--auto-approve");
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const retrain = await mlops(
      "train",
      ...["--config", config, "--set", "epochs=1", "--auto-approve"],
    );
    expect(retrain.code, retrain.stdout + retrain.stderr).toBe(0);
    expect(retrain.stdout).not.toContain("!! MODEL ROLLBACK"); // the retrain is the decision itself
    expect(retrain.stdout).toContain(
      `To keep it, set epochs: 1 under training.hyperparameters in ${config}`,
    );

    // An unrelated change (scaling maximum) merged the next day.
    writeConfig(2, 5);
    const planFile = join(dir, "plan.json");
    const planned = await mlops("plan", "--config", config, "--out", planFile);
    expect(planned.code, planned.stderr).toBe(0);
    const text = planned.stdout.split("\n");
    // The rollback is said before any resource line, with the retrain's time and overrides.
    expect(text[2]).toMatch(
      /^!! MODEL ROLLBACK: sagemaker\.endpoint\.main rolls the endpoint back from model \S+, which `mlops train` deployed at \d{4}-\d\d-\d\dT[\d:.]+Z with epochs=1, to model \S+, which it served before/,
    );
    expect(planned.stdout).toContain("set epochs: 1 under training.hyperparameters");
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const endpoint = plan.changes.find((c) => c.address === "sagemaker.endpoint.main");
    expect(endpoint?.risk).toContain("rollback");
    expect(endpoint?.rollback?.fromRetrain).toEqual({ overrides: { epochs: 1 } });
    // The pull request comment leads with it too.
    const markdown = renderMarkdown(plan);
    expect(markdown.indexOf("> [!CAUTION]")).toBeGreaterThan(0);
    expect(markdown.indexOf("> [!CAUTION]")).toBeLessThan(markdown.indexOf("| Resource |"));

    // An unattended apply of a fresh plan refuses, changing nothing...
    const refused = await mlops("apply", "--config", config, "--auto-approve");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("rolls the served model back and was not the plan reviewed");
    const unchanged = await mlops("plan", "--config", config, "--format", "json");
    expect(unchanged.stdout).toContain('"rollback"');

    // ...and the reviewed plan applies.
    const reviewed = await mlops("apply", "--config", config, "--plan", planFile, "--auto-approve");
    expect(reviewed.code, reviewed.stdout + reviewed.stderr).toBe(0);
    const after = await mlops("plan", "--config", config, "--detailed-exitcode");
    expect(after.code, after.stdout).toBe(0);
  });

  it("leaves the retrained model alone once the config catches up", async () => {
    const config = writeConfig(2, 5);
    const retrain = await mlops(
      "train",
      ...["--config", config, "--set", "epochs=3", "--auto-approve"],
    );
    expect(retrain.code, retrain.stdout + retrain.stderr).toBe(0);

    // The config now says what the retrain used: the completed run is reused, nothing moves.
    writeConfig(3, 5);
    const planned = await mlops("plan", "--config", config, "--detailed-exitcode");
    expect(planned.code, planned.stdout).toBe(0);
    expect(planned.stdout).not.toContain("ROLLBACK");
  });
});

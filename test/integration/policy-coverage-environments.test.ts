// The CI policies of a config with `environments:` match what each stage calls (issue 18): the
// plan role reads every stage and the registry; the build's deploy role trains and registers
// (and cannot approve); staging's deploys its own resources from the registry; production's also
// approves (promote) and reads what staging serves. Every request is recorded on a private
// emulator and checked against the policy `mlops iam-policy` prints for that role.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iamPolicyCommand } from "../../actions/src/cli/iam-policy-command.js";
import { startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
import type { PolicyDocument } from "../../actions/src/graph/iam-policies.js";
import { makeCheckout } from "../support/checkout.js";
import { cli } from "../support/cli.js";
import { denied } from "../support/iam-evaluator.js";
import {
  downloadRecording,
  RequestAuthorizer,
  type Recorded,
} from "../support/request-authorizations.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const project = `pcenv${process.pid.toString(36)}`;
const FAKE_TRAIN = `
import json, os
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(b"weights")
json.dump({"test_accuracy": 0.95}, open(os.path.join(model, "metrics.json"), "w"))
`;

let emulator: Emulator;
let dir: string;
let configFile: string;
const savedEnv = { ...process.env };

async function policy(role: "plan" | "deploy", stage?: string): Promise<PolicyDocument> {
  const out: string[] = [];
  const code = await iamPolicyCommand(
    { config: configFile, role, account: ACCOUNT, stage },
    { out: (t) => out.push(t), err: () => undefined },
  );
  expect(code).toBe(0);
  return JSON.parse(out.join("\n")) as PolicyDocument;
}

/** Runs `mlops ARGV` with the recorder on; every request's authorizations. */
async function recorded(...argv: string[]): Promise<Recorded[]> {
  const control = `${emulator.endpoint}/moto-api/recorder`;
  await fetch(`${control}/reset-recording`, { method: "POST" });
  await fetch(`${control}/start-recording`, { method: "POST" });
  try {
    const run = await cli([...argv, "--config", configFile]);
    expect(run.code, run.out).toBe(0);
  } finally {
    await fetch(`${control}/stop-recording`, { method: "POST" });
  }
  const entries = await downloadRecording(emulator.endpoint);
  const facts = { instanceTags: () => ({}), imageOwner: () => "", profileRole: () => "" };
  return new RequestAuthorizer(ACCOUNT, REGION, "/", facts).authorize(entries);
}

async function allowed(policyDoc: PolicyDocument, ...argv: string[]): Promise<string[]> {
  const requests = await recorded(...argv);
  expect(
    denied(
      [policyDoc],
      requests.flatMap((r) => r.authorizations),
    ),
  ).toEqual([]);
  return requests.map((r) => r.operation);
}

beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, emulator.env());
  dir = makeCheckout("mlops-policy-environments-", FAKE_TRAIN);
  configFile = join(dir, "mlops.yaml");
  process.env["MLOPS_CACHE_DIR"] = mkdtempSync(join(tmpdir(), "mlops-cache-"));
  writeFileSync(
    configFile,
    `version: 1
project: ${project}
region: ${REGION}
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training: { backend: local, sourceDir: ./training, local: { python: python3 } }
model: { qualityGate: { metric: test_accuracy, min: 0.5 } }
endpoint:
  name: ${project}
  autoscaling: { minCapacity: 1, maxCapacity: 2, targetInvocationsPerInstance: 20 }
environments:
  staging: {}
  production: { approval: true }
`,
  );
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
  await emulator.stop();
});

describe("per-stage CI roles", () => {
  it("cover exactly what each stage calls", { timeout: 240_000 }, async () => {
    const plan = await policy("plan");
    await allowed(plan, "plan");
    const built = await allowed(await policy("deploy"), "apply", "--auto-approve");
    expect(built).toEqual(
      expect.arrayContaining(["CreateModelPackageGroup", "CreateModelPackage"]),
    );
    expect(built).not.toContain("UpdateModelPackage");
    const staged = await allowed(
      await policy("deploy", "staging"),
      ...["apply", "--env", "staging", "--auto-approve"],
    );
    expect(staged).toEqual(expect.arrayContaining(["ListModelPackages", "CreateEndpoint"]));
    const production = await policy("deploy", "production");
    const promoted = await allowed(production, "promote", "--to", "production", "--auto-approve");
    expect(promoted).toEqual(expect.arrayContaining(["UpdateModelPackage", "CreateEndpoint"]));
    await allowed(plan, "plan");
    await allowed(plan, "models");

    // Only production's role approves; no environment's role trains.
    const actions = (doc: PolicyDocument): string[] => doc.Statement.flatMap((s) => s.Action);
    expect(actions(await policy("deploy"))).not.toContain("sagemaker:UpdateModelPackage");
    expect(actions(await policy("deploy", "staging"))).not.toContain(
      "sagemaker:UpdateModelPackage",
    );
    expect(actions(production)).not.toContain("sagemaker:CreateTrainingJob");
    expect(actions(plan).filter((a) => !/:(Get|List|Describe)/.test(a))).toEqual([]);
  });
});

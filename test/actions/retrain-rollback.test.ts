// The retrain workflow against the next deploy, as the runner runs the actions: after the train
// action deploys a model with overrides, the apply action refuses the rollback a fresh plan
// would make, even on a trigger allowed to apply unreviewed plans, and applies it once it is the
// plan reviewed in the pull request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import {
  makeWorkspace,
  NAME,
  OWNER,
  pullRequestEvent,
  pushEvent,
  runAction,
} from "./run-action.js";

let gh: FakeGitHub;
let awsEnv: Record<string, string>;
const workspace = makeWorkspace();

beforeAll(async () => {
  gh = await startFakeGitHub(OWNER, NAME);
  awsEnv = useEmulator().env;
});
afterAll(async () => {
  await gh.close();
  workspace.remove();
});

const env = (): Record<string, string> => ({ ...awsEnv, GITHUB_API_URL: gh.url });
const dispatch = { name: "workflow_dispatch", payload: { inputs: {} } };
const failure = (run: { annotations: { level: string; message: string }[] }): string =>
  run.annotations.find((a) => a.level === "error")?.message ?? "";

describe("retrain, then the next deploy", () => {
  it("refuses the unreviewed rollback and applies the reviewed one", async () => {
    const w = workspace;
    const first = await runAction("apply", {
      cwd: w.dir,
      event: dispatch,
      inputs: { config: w.config, "allow-unreviewed-on": "workflow_dispatch" },
      env: env(),
    });
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const retrain = await runAction("train", {
      cwd: w.dir,
      event: dispatch,
      inputs: { config: w.config, hyperparameters: '{"epochs": 1}' },
      env: env(),
    });
    expect(retrain.code, retrain.stdout + retrain.stderr).toBe(0);
    const notice = retrain.annotations.find((a) => a.level === "notice")?.message ?? "";
    expect(notice).toContain("To keep it, set epochs: 1 under training.hyperparameters");

    // A manual deploy (allowed unreviewed) would put the config's model back: refused.
    const refused = await runAction("apply", {
      cwd: w.dir,
      event: dispatch,
      inputs: { config: w.config, "allow-unreviewed-on": "workflow_dispatch" },
      env: env(),
    });
    expect(refused.code).toBe(1);
    expect(failure(refused)).toContain("rolls the served model back and was not the plan reviewed");
    expect(failure(refused)).toContain("which `mlops train` deployed");
    expect(failure(refused)).toContain("with epochs=1");

    // Reviewed in a pull request (its comment leads with the rollback) and merged: applied.
    const pr = 31;
    const plan = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr),
      inputs: { config: w.config },
      env: env(),
    });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const comment = gh.comments.filter((c) => c.issue === pr).at(-1)?.body ?? "";
    expect(comment.indexOf("**Model rollback.**")).toBeGreaterThan(0);
    expect(comment.indexOf("**Model rollback.**")).toBeLessThan(comment.indexOf("| Resource |"));
    const merge = "e".repeat(40);
    gh.pullsForCommit.set(merge, [pr]);
    const applied = await runAction("apply", {
      cwd: w.dir,
      event: pushEvent(merge),
      sha: merge,
      inputs: { config: w.config },
      env: env(),
    });
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(
      `the plan matches the one reviewed in the plan comment on pull request #${pr}`,
    );
  }, 300_000);
});

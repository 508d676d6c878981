// The apply action as the runner runs it on a push to main: it re-plans, and refuses to apply a
// plan other than the one reviewed (given as a hash, or found in the merged pull request's plan
// comment through the API), naming what differs and changing nothing.
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  S3Client,
} from "@aws-sdk/client-s3";
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
  type Workspace,
} from "./run-action.js";

let gh: FakeGitHub;
let awsEnv: Record<string, string>;
let s3: S3Client;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub(OWNER, NAME);
  const aws = useEmulator();
  awsEnv = aws.env;
  s3 = new S3Client(aws.s3ClientConfig);
});
afterAll(async () => {
  await gh.close();
  for (const w of workspaces) w.remove();
});

const env = (): Record<string, string> => ({ ...awsEnv, GITHUB_API_URL: gh.url });

async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}

describe("apply action", () => {
  it("refuses a plan whose hash is not the expected one, and changes nothing", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const run = await runAction("apply", {
      cwd: w.dir,
      event: pushEvent("c".repeat(40)),
      inputs: { config: w.config, "expected-plan-hash": "0".repeat(64) },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failure = run.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toContain("not the plan that was reviewed");
    expect(failure).toContain("input expected-plan-hash");
    expect(failure).not.toContain("internal error");
    expect(await bucketExists(w.bucket)).toBe(false);
  }, 120_000);

  it("finds the merged pull request's plan comment and names what differs from it", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const pr = 21;
    const plan = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr),
      inputs: { config: w.config },
      env: env(),
    });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    // Between review and merge, someone changed the data prefix on main.
    w.edit((text) => text.replace("prefix: images/", "prefix: pictures/"));
    const merge = "d".repeat(40);
    gh.pullsForCommit.set(merge, [pr]);
    gh.calls.length = 0;
    const run = await runAction("apply", {
      cwd: w.dir,
      event: pushEvent(merge),
      sha: merge,
      inputs: { config: w.config },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(gh.calls.map((c) => `${c.method} ${c.path}`)).toContain(
      `GET /repos/${OWNER}/${NAME}/commits/${merge}/pulls`,
    );
    const failure = run.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toContain(`pull request #${pr}`);
    expect(failure).toContain("s3.dataset.data");
    expect(gh.calls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(await bucketExists(w.bucket)).toBe(false);
  }, 180_000);

  it("fails closed: no reviewed plan for the pushed commit, nothing applied", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const run = await runAction("apply", {
      cwd: w.dir,
      event: pushEvent("e".repeat(40)),
      sha: "e".repeat(40),
      inputs: { config: w.config },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failure = run.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toContain("no plan comment by github-actions[bot] was found");
    expect(failure).toContain("nothing was applied");
    expect(await bucketExists(w.bucket)).toBe(false);
  }, 120_000);

  it("counts only the plan workflow's bot: a matching plan comment by another bot is not a review", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const pr = 22;
    const plan = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr),
      inputs: { config: w.config },
      env: env(),
    });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    // The same body (so the same digest) posted by another app's bot.
    const posted = gh.comments.find((c) => c.issue === pr);
    if (!posted) throw new Error("the plan action posted no comment");
    posted.user = { login: "some-app[bot]", type: "Bot" };
    const merge = "f".repeat(40);
    gh.pullsForCommit.set(merge, [pr]);
    const run = await runAction("apply", {
      cwd: w.dir,
      event: pushEvent(merge),
      sha: merge,
      inputs: { config: w.config },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failure = run.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toContain("no plan comment by github-actions[bot] was found");
    expect(await bucketExists(w.bucket)).toBe(false);
  }, 180_000);

  it("applies the plan made now on a trigger the workflow allows without review", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const run = await runAction("apply", {
      cwd: w.dir,
      event: { name: "workflow_dispatch", payload: { inputs: {} } },
      inputs: { config: w.config, "allow-unreviewed-on": "workflow_dispatch" },
      env: env(),
    });
    const warning = run.annotations.find((a) => a.level === "warning")?.message ?? "";
    expect(warning).toContain(
      "applying the plan made now (allow-unreviewed-on: workflow_dispatch)",
    );
    expect(await bucketExists(w.bucket)).toBe(true);
  }, 180_000);
  it("adopts a bucket made by hand only with the adopt input, and changes nothing without it", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    await s3.send(new CreateBucketCommand({ Bucket: w.bucket }));
    const apply = (extra: Record<string, string>) =>
      runAction("apply", {
        cwd: w.dir,
        event: { name: "workflow_dispatch", payload: { inputs: {} } },
        inputs: { config: w.config, "allow-unreviewed-on": "workflow_dispatch", ...extra },
        env: env(),
      });
    const refused = await apply({});
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    const failure = refused.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toContain("mlops did not make; nothing was changed");
    expect(failure).toContain(`s3.bucket.data (${w.bucket})`);
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: w.bucket }))).rejects.toThrow();

    const adopted = await apply({ adopt: "true" });
    expect(adopted.code, adopted.stdout + adopted.stderr).toBe(0);
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: w.bucket }));
    expect(tags.TagSet).toContainEqual({ Key: "mlops:managed-by", Value: "mlops-gitops" });
  }, 180_000);
});

describe("train action", () => {
  it("rejects hyperparameters that are not a mapping as a user mistake, before touching AWS", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const run = await runAction("train", {
      cwd: w.dir,
      event: { name: "workflow_dispatch", payload: { inputs: {} } },
      inputs: { config: w.config, hyperparameters: "[1, 2]", backend: "sagemaker" },
      env: env(),
    });
    expect(run.code).toBe(1);
    const failure = run.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(failure).toBe("input hyperparameters must be a mapping of name: value");
    expect(await bucketExists(w.bucket)).toBe(false);
  });
});

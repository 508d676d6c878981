// The plan action as the runner runs it, against the local AWS emulator and a fake GitHub API:
// one sticky comment per config file, edited in place (found across pages of comments), a
// 200 KB plan cut safely below GitHub's limit, and read-only tokens (forks, 403) noticed.
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHashOf } from "../../actions/src/plan/compute.js";
import type { Plan } from "../../actions/src/plan/types.js";
import { useEmulator } from "../support/emulator.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import {
  makeWorkspace,
  NAME,
  OWNER,
  pullRequestEvent,
  runAction,
  RUN_URL,
  type Workspace,
} from "./run-action.js";

let gh: FakeGitHub;
let awsEnv: Record<string, string>;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub(OWNER, NAME);
  awsEnv = useEmulator().env;
});
afterAll(async () => {
  await gh.close();
  for (const w of workspaces) w.remove();
});

function workspace(): Workspace {
  const w = makeWorkspace();
  workspaces.push(w);
  return w;
}

const env = (): Record<string, string> => ({ ...awsEnv, GITHUB_API_URL: gh.url });
const marker = (config: string): string => `<!-- mlops-plan:${config} -->`;

describe("plan action", () => {
  it("posts ONE sticky comment and edits it in place on the next push", async () => {
    const w = workspace();
    const pr = 11;
    // 150 earlier comments: the plan comment lands on page 2 and must still be found.
    for (let i = 0; i < 150; i++) gh.addComment(pr, `looks good ${i}`);
    gh.calls.length = 0;

    const first = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr, { headSha: "1".repeat(40) }),
      inputs: { config: w.config },
      env: env(),
    });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.outputs["has-changes"]).toBe("true");
    expect(first.outputs["plan-hash"]).toMatch(/^[0-9a-f]{64}$/);
    expect(first.outputs["plan-file"]).toBe("mlops-plan.json");
    const plan = JSON.parse(readFileSync(join(w.dir, "mlops-plan.json"), "utf8")) as Plan;
    expect(plan.planHash).toBe(first.outputs["plan-hash"]);
    expect(existsSync(join(w.dir, "mlops-plan.md"))).toBe(true);
    // The cost section from the shipped table: nothing runs yet, one ml.m5.large for 730 h at
    // $0.115, and no price (never a guess) for the training instance the table lacks.
    const comment = readFileSync(join(w.dir, "mlops-plan.md"), "utf8");
    expect(comment).toContain("**Cost** (an estimate, not a bill");
    expect(comment).toContain("| `sagemaker.endpoint.main` | 1 x ml.m5.large | $83.95 per month |");
    expect(comment).toContain("no price for ml.m5.xlarge training in us-east-1");
    expect(comment).toContain("monthly estimate: $0.00 -> $83.95");
    // The JSON plan carries the same estimate, outside the hash a review binds to.
    expect(plan.cost).toMatchObject({ region: "us-east-1", takenAt: "2026-06-27" });
    expect(plan.cost?.lines[0]?.address).toBe("sagemaker.endpoint.main");
    expect(plan.cost?.monthly?.high).toBeCloseTo(83.95, 9);
    const { cost: _cost, ...withoutCost } = plan;
    expect(planHashOf(withoutCost)).toBe(plan.planHash);
    expect(first.summary).toContain(`### mlops plan for \`${w.project}\``);
    const posts = gh.calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe(`/repos/${OWNER}/${NAME}/issues/${pr}/comments`);
    // Every page was read before deciding to create.
    expect(gh.calls.filter((c) => c.method === "GET").map((c) => c.query["page"] ?? "1")).toEqual([
      "1",
      "2",
    ]);

    gh.calls.length = 0;
    const second = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr, { headSha: "2".repeat(40) }),
      inputs: { config: w.config },
      env: env(),
    });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(gh.calls.filter((c) => c.method === "POST")).toHaveLength(0);
    const patches = gh.calls.filter((c) => c.method === "PATCH");
    expect(patches).toHaveLength(1);
    const ours = gh.comments.filter((c) => c.issue === pr && c.body.startsWith(marker(w.config)));
    expect(ours).toHaveLength(1);
    expect(patches[0]?.path).toBe(`/repos/${OWNER}/${NAME}/issues/comments/${ours[0]?.id}`);
    expect(ours[0]?.body).toContain("Planned at 2222222");
    expect(second.outputs["comment-url"]).toContain(`#issuecomment-${ours[0]?.id}`);
  }, 120_000);

  it("cuts a 200 KB plan safely below GitHub's 65,536-character limit", async () => {
    const w = workspace();
    const pr = 12;
    // A clean-up plan: 250 roles recorded in the state record that the config no longer wants.
    const aws = useEmulator();
    const iam = new IAMClient(aws.clientConfig);
    const s3 = new S3Client(aws.s3ClientConfig);
    const resources: Record<string, unknown> = {};
    const ROLES = 250;
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const names = Array.from({ length: ROLES }, (_, i) => `${w.project}-old-${i}`);
    // One at a time: the emulator's IAM does not take concurrent writes well.
    for (const name of names)
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    names.forEach((name, i) => {
      resources[`iam.role.retired-${"x".repeat(160)}-${i}`] = {
        kind: "iam.role",
        name,
        spec: { policyName: "inline" },
        dependsOn: [],
      };
    });
    await s3.send(new CreateBucketCommand({ Bucket: w.bucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: ".mlops/state.json",
        Body: JSON.stringify({ version: 1, resources, training: {}, deployments: [] }),
      }),
    );

    const run = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr),
      inputs: { config: w.config },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(w.dir, "mlops-plan.json"), "utf8")) as Plan;
    expect(plan.changes.filter((c) => c.action === "delete")).toHaveLength(ROLES);
    // The whole plan is in the job summary...
    expect(run.summary.length).toBeGreaterThan(200_000);
    // ...and the comment is cut, with every block closed and a pointer to that summary.
    const body = gh.comments.find((c) => c.issue === pr)?.body ?? "";
    expect(body.length).toBeGreaterThan(50_000);
    expect(body.length).toBeLessThan(65_536);
    expect(body.startsWith(marker(w.config))).toBe(true);
    expect(body).toContain(`[run summary](${RUN_URL})`);
    expect(body).toContain("too long for a comment");
    const fences = body.split("\n").filter((l) => /^\s{0,3}```/.test(l));
    expect(fences.length % 2).toBe(0);
    expect(body.match(/<details>/g)?.length ?? 0).toBe(body.match(/<\/details>/g)?.length ?? 0);
    // The markdown file (for issues, e.g. drift) is the same size-safe text.
    expect(readFileSync(join(w.dir, "mlops-plan.md"), "utf8").length).toBeLessThan(65_536);
  }, 180_000);

  it("with status: true, writes the live status beside the plan (the drift issue's)", async () => {
    const w = workspace();
    const run = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(15),
      inputs: { config: w.config, comment: "false", status: "true" },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs["status-file"]).toBe("mlops-plan.status.md");
    const status = readFileSync(join(w.dir, "mlops-plan.status.md"), "utf8");
    expect(status).toContain(`### Live status of \`${w.project}\``);
    // Nothing is deployed yet: the status says so rather than failing.
    expect(status).toMatch(/Endpoint \S+: does not exist/);
  }, 180_000);

  it("leaves a notice instead of failing when the token cannot write (403)", async () => {
    const w = workspace();
    gh.denyWrites = true;
    try {
      const run = await runAction("plan", {
        cwd: w.dir,
        event: pullRequestEvent(13),
        inputs: { config: w.config },
        env: env(),
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.annotations.filter((a) => a.level === "error")).toEqual([]);
      expect(run.annotations.some((a) => a.level === "notice" && a.message.includes("403"))).toBe(
        true,
      );
      expect(run.outputs["has-changes"]).toBe("true");
      expect(run.summary).toContain("mlops plan for");
    } finally {
      gh.denyWrites = false;
    }
  });

  it("on a pull request from a fork (no AWS credentials, read-only token): a notice, no failure", async () => {
    const w = workspace();
    gh.calls.length = 0;
    const run = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(14, { fork: true }),
      inputs: { config: w.config },
      // What a fork's run has: no credentials (and an endpoint that answers nothing).
      env: {
        GITHUB_API_URL: gh.url,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.annotations.some((a) => a.level === "notice" && a.message.includes("fork"))).toBe(
      true,
    );
    expect(run.summary).toContain("fork");
    expect(gh.calls.filter((c) => c.method !== "GET")).toEqual([]);
  });
  it("with environments: one section and one cost estimate per environment", async () => {
    const w = workspace();
    const pr = 14;
    w.edit(
      (text) =>
        `${text}environments:\n  staging: {}\n  production: { approval: true, endpoint: { initialInstanceCount: 2 } }\n`,
    );
    const run = await runAction("plan", {
      cwd: w.dir,
      event: pullRequestEvent(pr),
      inputs: { config: w.config },
      env: env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const comment = readFileSync(join(w.dir, "mlops-plan.md"), "utf8");
    const staging = comment.indexOf("#### staging");
    const production = comment.indexOf("#### production");
    expect(staging).toBeGreaterThan(0);
    expect(production).toBeGreaterThan(staging);
    // Nothing serves yet; staging would run one ml.m5.large, production two.
    expect(comment.slice(staging, production)).toContain("monthly estimate: $0.00 -> $83.95");
    expect(comment.slice(production)).toContain("monthly estimate: $0.00 -> $167.90");
  }, 120_000);
});

// apply / plan / destroy / unlock through the real CLI (main()) and the real SDK over HTTP
// against a private emulator: this file asserts on the request recorder, which is global to an
// emulator process, so it does not share the run's emulator.
import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../actions/src/emulator/index.js";
import type { RecordedRequest } from "../../../actions/src/emulator/index.js";
import { cli } from "../../support/cli.js";
import { actions, makeWorkspace, planJson, roleNames, type Workspace } from "./helpers.js";

let emulator: Emulator;
let s3: S3Client;
let iam: IAMClient;
const workspaces: Workspace[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, emulator.env());
  const config = {
    endpoint: emulator.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  iam = new IAMClient(config);
});

afterAll(async () => {
  process.env = savedEnv;
  for (const w of workspaces) w.remove();
  await emulator.stop();
});

function workspace(options?: Parameters<typeof makeWorkspace>[0]): Workspace {
  const w = makeWorkspace(options);
  workspaces.push(w);
  return w;
}

const show = (requests: readonly RecordedRequest[]): string[] =>
  requests.map((r) => `${r.service} ${r.operation} ${r.path}`);

async function objectKeys(bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? "").sort();
}

describe("apply from an empty account", () => {
  let w: Workspace;

  beforeAll(() => {
    w = workspace();
  });

  it("plans everything as creates, then converges", async () => {
    const before = await planJson(w.config);
    expect(actions(before)).toMatchObject({
      "s3.bucket.data": "create",
      "s3.dataset.data": "create",
      "iam.role.sagemaker": "create",
    });
    const applied = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(applied.stderr).not.toMatch(/error:/);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete");
    expect(await objectKeys(w.bucket, "images/")).toHaveLength(6);

    const after = await cli(["plan", "--config", w.config, "--detailed-exitcode"]);
    expect(after.stdout).toContain("No changes");
    expect(after.code).toBe(0);
  });

  it("a second apply makes no mutating call besides taking and releasing its lock", async () => {
    await emulator.clearRecording();
    await emulator.startRecording();
    const again = await cli(["apply", "--config", w.config, "--auto-approve"]);
    await emulator.stopRecording();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes. Nothing to apply.");
    const mutating = show(await emulator.mutatingRequests());
    expect(mutating).toEqual([
      `s3 PutObject /${w.bucket}/.mlops/lock.json`,
      `s3 DeleteObject /${w.bucket}/.mlops/lock.json`,
    ]);
  });

  it("a tag added to the config updates the tagged resources in place, nothing else", async () => {
    w.editConfig((t) => t.replace("  team: ml\n", "  team: ml\n  cost-centre: research\n"));
    const plan = await planJson(w.config);
    const a = actions(plan);
    // Every resource carries the config's tags; the data set (objects under a prefix) has none.
    expect(a).toMatchObject({
      "s3.bucket.data": "update",
      "iam.role.sagemaker": "update",
      "s3.dataset.data": "noop",
    });
    const role = plan.changes.find((c) => c.address === "iam.role.sagemaker");
    expect(role?.changes).toEqual([{ path: "tags.cost-centre", after: "research" }]);
    const applied = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(applied.code).toBe(0);
    expect((await cli(["plan", "--config", w.config, "--detailed-exitcode"])).code).toBe(0);
  });

  it("a changed data file changes only the data set, and uploads only that file", async () => {
    w.writeData("train/class0/img0.jpg", "changed contents");
    const plan = await planJson(w.config);
    const changed = Object.entries(actions(plan)).filter(([, action]) => action !== "noop");
    expect(changed).toEqual([["s3.dataset.data", "update"]]);
    const dataset = plan.changes.find((c) => c.address === "s3.dataset.data");
    expect(dataset?.summary).toMatch(/1 file/);

    await emulator.clearRecording();
    await emulator.startRecording();
    const applied = await cli(["apply", "--config", w.config, "--auto-approve"]);
    await emulator.stopRecording();
    expect(applied.code).toBe(0);
    const puts = show(await emulator.mutatingRequests()).filter((r) => r.includes(" PutObject "));
    expect(puts.filter((r) => r.includes("/images/"))).toEqual([
      `s3 PutObject /${w.bucket}/images/train/class0/img0.jpg`,
    ]);
    const body = await s3.send(
      new GetObjectCommand({ Bucket: w.bucket, Key: "images/train/class0/img0.jpg" }),
    );
    expect(await body.Body?.transformToString()).toBe("changed contents");
    expect((await cli(["plan", "--config", w.config, "--detailed-exitcode"])).code).toBe(0);
  });
});

describe("apply --plan FILE", () => {
  it("applies exactly the saved plan", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    w.editConfig((t) => t.replace("  team: ml\n", "  team: ml-platform\n"));
    const file = join(w.dir, "plan.json");
    const planned = await cli(["plan", "--config", w.config, "--out", file]);
    expect(planned.code).toBe(0);
    // The config moves on after the plan was reviewed: apply still does what was planned.
    w.editConfig((t) => t.replace("  team: ml-platform\n", "  team: something-else\n"));
    const applied = await cli(["apply", "--config", w.config, "--plan", file, "--auto-approve"]);
    expect(applied.code).toBe(0);
    const role = await iam.send(new GetRoleCommand({ RoleName: `${w.project}-sagemaker` }));
    expect(role.Role?.Tags).toContainEqual({ Key: "team", Value: "ml-platform" });
    w.editConfig((t) => t.replace("  team: something-else\n", "  team: ml-platform\n"));
    expect((await cli(["plan", "--config", w.config, "--detailed-exitcode"])).code).toBe(0);
  });

  it("refuses, naming what moved, when live state changed after the plan", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    w.editConfig((t) => t.replace("  team: ml\n", "  team: ml-platform\n"));
    const file = join(w.dir, "plan.json");
    expect((await cli(["plan", "--config", w.config, "--out", file])).code).toBe(0);
    // Someone deletes the SageMaker role by hand in between.
    const RoleName = `${w.project}-sagemaker`;
    await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: "mlops-least-privilege" }));
    await iam.send(new DeleteRoleCommand({ RoleName }));

    await emulator.clearRecording();
    await emulator.startRecording();
    const applied = await cli(["apply", "--config", w.config, "--plan", file, "--auto-approve"]);
    await emulator.stopRecording();
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain("live AWS state changed since the plan was made");
    expect(applied.stderr).toContain("iam.role.sagemaker: was present when planned, now absent");
    expect(applied.stderr).toContain("nothing was applied");
    expect(applied.stderr).not.toContain("s3.bucket.data:");
    // Nothing but the lock was written.
    expect(show(await emulator.mutatingRequests())).toEqual([
      `s3 PutObject /${w.bucket}/.mlops/lock.json`,
      `s3 DeleteObject /${w.bucket}/.mlops/lock.json`,
    ]);
  });

  it("refuses an edited plan file", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    w.editConfig((t) => t.replace("  team: ml\n", "  team: ml-platform\n"));
    const file = join(w.dir, "plan.json");
    expect((await cli(["plan", "--config", w.config, "--out", file])).code).toBe(0);
    writeFileSync(file, readFileSync(file, "utf8").replaceAll("ml-platform", "ml-evil"));
    const applied = await cli(["apply", "--config", w.config, "--plan", file, "--auto-approve"]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain("does not match its own hash");
  });
});

describe("destroy", () => {
  it("deletes the roles and keeps the data bucket unless --include-data", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    expect(await roleNames(iam, w.project)).toEqual([`${w.project}-sagemaker`]);

    const refused = await cli(["destroy", "--config", w.config]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--auto-approve");

    const destroyed = await cli(["destroy", "--config", w.config, "--auto-approve"]);
    expect(destroyed.stderr).not.toMatch(/error:/);
    expect(destroyed.code).toBe(0);
    expect(await roleNames(iam, w.project)).toEqual([]);
    expect(await objectKeys(w.bucket, "images/")).toHaveLength(6);
    // The lock is released, the bucket is there.
    expect(await objectKeys(w.bucket, ".mlops/lock")).toEqual([]);

    const all = await cli(["destroy", "--config", w.config, "--auto-approve", "--include-data"]);
    expect(all.code).toBe(0);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).not.toContain(w.bucket);

    // And apply builds the data and IAM resources again from nothing. (Not asserted for the
    // whole graph: the training record went with the state bucket while the SageMaker job
    // itself stays, which is the training capability's business.)
    await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(await roleNames(iam, w.project)).toEqual([`${w.project}-sagemaker`]);
    expect(await objectKeys(w.bucket, "images/")).toHaveLength(6);
    expect(await objectKeys(w.bucket, ".mlops/lock")).toEqual([]);
  });

  it("skips a role already deleted by hand instead of failing", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    const RoleName = `${w.project}-sagemaker`;
    await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: "mlops-least-privilege" }));
    await iam.send(new DeleteRoleCommand({ RoleName }));
    const destroyed = await cli(["destroy", "--config", w.config, "--auto-approve"]);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).not.toContain("iam.role.sagemaker (");
    expect(await roleNames(iam, w.project)).toEqual([]);
  });
});

describe("the lock", () => {
  it("a held lock makes apply fail naming the holder; unlock ID removes only that lock", async () => {
    const w = workspace();
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    const lock = {
      id: "11111111-2222-3333-4444-555555555555",
      owner: "alice@laptop (pid 4242)",
      operation: "apply",
      createdAt: "2025-01-01T00:00:00.000Z",
      expiresAt: "2025-01-01T03:00:00.000Z",
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: ".mlops/lock.json",
        Body: JSON.stringify(lock),
      }),
    );
    w.editConfig((t) => t.replace("  team: ml\n", "  team: ml-platform\n"));
    const blocked = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("could not take the lock");
    expect(blocked.stderr).toContain("held by alice@laptop (pid 4242) for apply");
    expect(blocked.stderr).toContain(`mlops unlock ${lock.id}`);

    const wrong = await cli(["unlock", "not-the-id", "--config", w.config]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`the lock is ${lock.id}, not not-the-id`);

    const unlocked = await cli(["unlock", lock.id, "--config", w.config]);
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain(`Removed lock ${lock.id} held by alice@laptop (pid 4242)`);
    expect(await objectKeys(w.bucket, ".mlops/lock")).toEqual([]);

    const missing = await cli(["unlock", "--config", w.config]);
    expect(missing.code).toBe(2);

    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
  });
});

// A state bucket of its own (state.bucket), as a platform team shares one between projects:
// mlops keeps its state there without taking the bucket over. The plan does not adopt it, the
// apply leaves the platform's tags and bucket policy alone, a re-plan is empty, and destroy
// keeps the bucket (other projects' records live in it).
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Plan } from "../../actions/src/plan/types.js";
import { makeCheckout } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const project = `shr${randomBytes(3).toString("hex")}`;
const stateBucket = `platform-state-${project}`;
const platformTags = [{ Key: "team", Value: "platform" }];
const platformPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AuditReads",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${stateBucket}/*`,
    },
  ],
});
let dir: string;
let config: string;

const aws = useEmulator();
const s3 = new S3Client(aws.s3ClientConfig);
const run = (argv: string[]): Promise<CliRun> => cli([...argv, "--config", config]);

beforeAll(async () => {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  // The platform's bucket, made before this project existed.
  await s3.send(new CreateBucketCommand({ Bucket: stateBucket }));
  await s3.send(
    new PutBucketTaggingCommand({ Bucket: stateBucket, Tagging: { TagSet: platformTags } }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: stateBucket, Policy: platformPolicy }));
  dir = makeCheckout("mlops-shared-state-", "print('test_accuracy=0.9')\n");
  config = join(dir, "mlops.yaml");
  writeFileSync(
    config,
    `version: 1
project: ${project}
region: us-east-1
data:
  source: data
  bucket: ${project}-\${account}
state:
  bucket: ${stateBucket}
  prefix: ${project}/.mlops/
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
endpoint:
  name: ${project}-ep
  instanceType: ml.m5.large
`,
  );
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("a state bucket shared with other projects", () => {
  it("is used, not adopted or re-tagged, and outlives the project", async () => {
    const planFile = join(dir, "plan.json");
    const planned = await run(["plan", "--out", planFile]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).not.toMatch(/ADOPTS/);
    // Made private and encrypted, as every bucket mlops uses; its tags and policy are not ours.
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const bucket = plan.changes.find((c) => c.address === "s3.bucket.state");
    expect(bucket?.action).toBe("update");
    expect(bucket?.changes.map((c) => c.path).sort()).toEqual(["blockPublicAccess", "encryption"]);

    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stderr).toBe(0);
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: stateBucket }));
    expect(tags.TagSet).toEqual(platformTags);
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: stateBucket }));
    expect(JSON.parse(policy.Policy ?? "{}")).toMatchObject({
      Statement: [{ Sid: "AuditReads" }],
    });
    const again = await run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout).toBe(0);

    const destroyed = await run(["destroy", "--auto-approve", "--include-data"]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    await expect(s3.send(new HeadBucketCommand({ Bucket: stateBucket }))).resolves.toBeDefined();
  });
});

// Moves on the emulator, through the real CLI: a region change and a project rename each end
// with nothing of the old identity left (by tags and by names, in both regions), the old serving
// path deleted only after the new endpoint and Lambda were ready, and an empty re-plan. Training
// data in another region is refused before anything is created, and the strict emulator refuses
// such a training job the way SageMaker does.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeCheckout, projectSageMakerNames } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const TEST_TIMEOUT_MS = 240_000;
const aws = useEmulator();
const dirs: string[] = [];

interface Identity {
  project: string;
  region: string;
  /** data.bucket as written in the config. */
  bucket: string;
  endpoint: string;
  lambda: string;
}

function configText(id: Identity): string {
  return `version: 1
project: ${id.project}
region: ${id.region}
state:
  lockTimeout: 1s
data:
  source: data
  bucket: ${id.bucket}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
  hyperparameters: { epochs: 1 }
model:
  keep: 1
endpoint:
  name: ${id.endpoint}
  instanceType: ml.m5.large
  initialInstanceCount: 1
  autoscaling: { minCapacity: 1, maxCapacity: 2, targetInvocationsPerInstance: 10 }
lambda:
  name: ${id.lambda}
  code: code
  provisionedConcurrency: 1
  reservedConcurrency: 2
iam:
  path: /mlops/
`;
}

function checkout(): { dir: string; config: string } {
  const dir = makeCheckout("mlops-moves-it-", "print('test_accuracy=0.9')\n");
  dirs.push(dir);
  mkdirSync(join(dir, "code"));
  writeFileSync(join(dir, "code", "index.mjs"), "export const handler = async () => 1;\n");
  return { dir, config: join(dir, "mlops.yaml") };
}

const run = (config: string, argv: string[]): Promise<CliRun> => cli([...argv, "--config", config]);

const inRegion = (region: string) => ({ ...aws.clientConfig, region });

/** Everything tagged for `project` in `region` (S3 buckets only where they really are). */
async function taggedFor(project: string, region: string): Promise<string[]> {
  const tagging = new ResourceGroupsTaggingAPIClient(inRegion(region));
  const s3 = new S3Client({ ...aws.s3ClientConfig, region });
  const out = await tagging.send(
    new GetResourcesCommand({
      TagFilters: [{ Key: "mlops:project", Values: [project] }],
      ResourceTypeFilters: ["s3", "sagemaker", "lambda", "logs"],
    }),
  );
  const arns: string[] = [];
  for (const r of out.ResourceTagMappingList ?? []) {
    const arn = r.ResourceARN ?? "";
    if (arn.startsWith("arn:aws:s3:::")) {
      // moto lists every bucket in every region; AWS lists a bucket in its own region only.
      const where = await s3.send(new GetBucketLocationCommand({ Bucket: arn.slice(13) }));
      if ((where.LocationConstraint ?? "us-east-1") !== region) continue;
    }
    arns.push(arn);
  }
  return arns.sort();
}

/** The project's Lambda functions and log groups in `region`, by name. */
async function lambdaNames(region: string, name: string): Promise<string[]> {
  const [functions, groups] = await Promise.all([
    new LambdaClient(inRegion(region)).send(new ListFunctionsCommand({})),
    new CloudWatchLogsClient(inRegion(region)).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${name}` }),
    ),
  ]);
  return [
    ...(functions.Functions ?? []).map((f) => f.FunctionName ?? "").filter((n) => n === name),
    ...(groups.logGroups ?? []).map((g) => g.logGroupName ?? ""),
  ];
}

async function roleNames(prefix: string): Promise<string[]> {
  const roles = await new IAMClient(aws.clientConfig).send(
    new ListRolesCommand({ PathPrefix: "/mlops/" }),
  );
  return (roles.Roles ?? []).map((r) => r.RoleName ?? "").filter((n) => n.startsWith(prefix));
}

/** The line index of the first line matching `pattern` (-1 when none). */
const lineOf = (out: string, pattern: RegExp): number =>
  out.split("\n").findIndex((l) => pattern.test(l));

/** The old serving path went only after the new one was ready. */
function expectCreateBeforeDestroy(out: string): void {
  const newEndpointReady = lineOf(
    out,
    /^\s*sagemaker\.endpoint\.main: (create|update|replace) done/,
  );
  const newAliasReady = lineOf(out, /^\s*lambda\.provisioned-concurrency\.api: \w+ done/);
  const oldDeletes = out
    .split("\n")
    .map((l, i) => (/^- previous:\S+: deleting /.test(l.trim()) ? i : -1))
    .filter((i) => i >= 0);
  expect(newEndpointReady).toBeGreaterThanOrEqual(0);
  expect(oldDeletes.length).toBeGreaterThan(0);
  for (const i of oldDeletes) {
    expect(i).toBeGreaterThan(newEndpointReady);
    if (newAliasReady >= 0) expect(i).toBeGreaterThan(newAliasReady);
  }
}

beforeAll(() => {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
});

afterAll(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("moves", { timeout: TEST_TIMEOUT_MS }, () => {
  it("a region move deletes everything of the old region after the new serving path is ready", async () => {
    const project = `mvr${randomBytes(3).toString("hex")}`;
    const { config } = checkout();
    const east: Identity = {
      project,
      region: "us-east-1",
      bucket: `${project}-\${account}-\${region}`,
      endpoint: `${project}-ep`,
      lambda: `${project}-fn`,
    };
    writeFileSync(config, configText(east));
    const first = await run(config, ["apply", "--auto-approve"]);
    expect(first.out).toContain("Apply complete");
    expect(await taggedFor(project, "us-east-1")).not.toEqual([]);

    writeFileSync(config, configText({ ...east, region: "us-west-2" }));
    const plan = await run(config, ["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("MOVE: this plan moves from us-east-1 to us-west-2 (risk:");
    expect(plan.stdout).toMatch(/previous:sagemaker\.endpoint\.main\s+delete/);
    expect(plan.stdout).toMatch(/previous:lambda\.function\.api\s+delete/);

    const moved = await run(config, ["apply", "--auto-approve"]);
    expect(moved.out).toContain("Apply complete");
    expect(moved.code).toBe(0);
    expectCreateBeforeDestroy(moved.out);

    // Nothing of the old identity: by tags and by names, in the old region; all in the new one.
    expect(await taggedFor(project, "us-east-1")).toEqual([]);
    const eastSageMaker = new SageMakerClient(inRegion("us-east-1"));
    expect(await projectSageMakerNames(eastSageMaker, project)).toEqual([]);
    expect(await lambdaNames("us-east-1", east.lambda)).toEqual([]);
    const buckets = await new S3Client(aws.s3ClientConfig).send(new ListBucketsCommand({}));
    const names = (buckets.Buckets ?? [])
      .map((b) => b.Name ?? "")
      .filter((n) => n.startsWith(project));
    expect(names.filter((n) => n.endsWith("-us-east-1"))).toEqual([]);
    expect(names.filter((n) => n.endsWith("-us-west-2"))).toHaveLength(1);
    const west = await projectSageMakerNames(new SageMakerClient(inRegion("us-west-2")), project);
    expect(west).toContain(`${project}-ep`);
    expect(await lambdaNames("us-west-2", east.lambda)).toHaveLength(2);
    expect(await roleNames(project)).toHaveLength(2);

    const again = await run(config, ["plan", "--detailed-exitcode"]);
    expect(again.stdout).toContain("No changes");
    expect(again.stdout).not.toContain("MOVE");
    expect(again.code).toBe(0);
  });

  it("a move whose new endpoint fails keeps the old one serving, and the next apply finishes it", async () => {
    const project = `mvf${randomBytes(3).toString("hex")}`;
    const { config } = checkout();
    const east: Identity = {
      project,
      region: "us-east-1",
      bucket: `${project}-\${account}-\${region}`,
      endpoint: `${project}-ep`,
      lambda: `${project}-fn`,
    };
    writeFileSync(config, configText(east));
    expect((await run(config, ["apply", "--auto-approve"])).code).toBe(0);

    await aws.control.injectFault("sagemaker:CreateEndpoint", "failed", {
      resource: east.endpoint,
    });
    writeFileSync(config, configText({ ...east, region: "us-west-2" }));
    const failed = await run(config, ["apply", "--auto-approve"]);
    expect(failed.code).not.toBe(0);
    expect(failed.out).not.toMatch(/^- previous:\S+: deleting /m);
    // The old serving path is untouched.
    const eastSageMaker = new SageMakerClient(inRegion("us-east-1"));
    expect(await projectSageMakerNames(eastSageMaker, project)).toContain(east.endpoint);
    expect(await lambdaNames("us-east-1", east.lambda)).toHaveLength(2);

    const plan = await run(config, ["plan"]);
    expect(plan.stdout).toContain("MOVE: this plan moves from us-east-1 to us-west-2");
    const finished = await run(config, ["apply", "--auto-approve"]);
    expect(finished.code).toBe(0);
    expectCreateBeforeDestroy(finished.out);
    expect(await taggedFor(project, "us-east-1")).toEqual([]);
    expect(await lambdaNames("us-east-1", east.lambda)).toEqual([]);
    expect((await run(config, ["plan"])).stdout).toContain("No changes");
  });

  it("a project rename deletes the old roles, models and endpoint configs and keeps serving", async () => {
    const project = `mvp${randomBytes(3).toString("hex")}`;
    const renamed = `${project}-v2`;
    const { config } = checkout();
    const before: Identity = {
      project,
      region: "us-east-1",
      bucket: `${project}-data-\${account}`,
      endpoint: `${project}-ep`,
      lambda: `${project}-fn`,
    };
    writeFileSync(config, configText(before));
    expect((await run(config, ["apply", "--auto-approve"])).code).toBe(0);
    expect((await roleNames(`${project}-`)).sort()).toEqual([
      `${project}-lambda`,
      `${project}-sagemaker`,
    ]);

    writeFileSync(config, configText({ ...before, project: renamed }));
    const plan = await run(config, ["plan"]);
    expect(plan.stdout).toContain(`MOVE: this plan renames project ${project} to ${renamed}`);
    const moved = await run(config, ["apply", "--auto-approve"]);
    expect(moved.out).toContain("Apply complete");
    expect(moved.code).toBe(0);
    expectCreateBeforeDestroy(moved.out);

    // The old project's roles, models, configs and jobs are gone; tags name only the new one.
    const roles = await roleNames(`${project}-`);
    expect(roles.sort()).toEqual([`${renamed}-lambda`, `${renamed}-sagemaker`]);
    const sagemaker = new SageMakerClient(aws.clientConfig);
    const oldNames = (await projectSageMakerNames(sagemaker, project)).filter(
      (n) => !n.startsWith(renamed) && n !== before.endpoint,
    );
    expect(oldNames).toEqual([]);
    expect(await taggedFor(project, "us-east-1")).toEqual([]);
    expect(await taggedFor(project, "us-west-2")).toEqual([]);
    expect(await taggedFor(renamed, "us-east-1")).not.toEqual([]);

    const again = await run(config, ["plan"]);
    expect(again.stdout).toContain("No changes");
  });

  it("refuses a move from another account with the commands that make it, changing nothing", async () => {
    const project = `mva${randomBytes(3).toString("hex")}`;
    const { config } = checkout();
    writeFileSync(
      config,
      configText({
        project,
        region: "us-east-1",
        bucket: `${project}-data-\${account}`,
        endpoint: `${project}-ep`,
        lambda: `${project}-fn`,
      }),
    );
    expect((await run(config, ["apply", "--auto-approve"])).code).toBe(0);
    // The record says it was applied in another account (an explicit, shared state bucket).
    const s3 = new S3Client(aws.s3ClientConfig);
    const location = { Bucket: `${project}-data-123456789012`, Key: ".mlops/state.json" };
    const record = JSON.parse(
      (await (await s3.send(new GetObjectCommand(location))).Body?.transformToString()) ?? "{}",
    ) as { identity: { account: string } };
    record.identity.account = "210987654321";
    await s3.send(new PutObjectCommand({ ...location, Body: JSON.stringify(record) }));

    const refused = await run(config, ["plan"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("was applied in account 210987654321");
    expect(refused.stderr).toContain(
      "AWS_PROFILE=<a profile for 210987654321> npx mlops destroy --include-data",
    );
  });

  it("refuses training data in another region before anything is created", async () => {
    const project = `mvb${randomBytes(3).toString("hex")}`;
    const bucket = `${project}-shared-data`;
    await new S3Client(aws.s3ClientConfig).send(new CreateBucketCommand({ Bucket: bucket }));
    const { config } = checkout();
    writeFileSync(
      config,
      configText({
        project,
        region: "us-west-2",
        bucket,
        endpoint: `${project}-ep`,
        lambda: `${project}-fn`,
      }),
    );
    for (const argv of [["plan"], ["apply", "--auto-approve"]]) {
      const refused = await run(config, argv);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `mlops\\.yaml:\\d+:\\d+ data\\.bucket: the data bucket ${bucket} is in us-east-1, but training runs in us-west-2`,
        ),
      );
    }
    expect(await roleNames(`${project}-`)).toEqual([]);
    expect(await taggedFor(project, "us-west-2")).toEqual([]);
  });

  it("the emulator refuses a training job reading a bucket in another region, as SageMaker does", async () => {
    const bucket = `mve${randomBytes(3).toString("hex")}-east`;
    await new S3Client(aws.s3ClientConfig).send(new CreateBucketCommand({ Bucket: bucket }));
    const west = new SageMakerClient(inRegion("us-west-2"));
    const job = (input: string) =>
      west.send(
        new CreateTrainingJobCommand({
          TrainingJobName: `${bucket}-job`,
          AlgorithmSpecification: { TrainingImage: "img:1", TrainingInputMode: "File" },
          RoleArn: "arn:aws:iam::123456789012:role/mlops/x",
          InputDataConfig: [
            {
              ChannelName: "training",
              DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: input } },
            },
          ],
          OutputDataConfig: { S3OutputPath: `s3://${bucket}/out/` },
          ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 10 },
          StoppingCondition: { MaxRuntimeInSeconds: 60 },
        }),
      );
    const refused: unknown = await job(`s3://${bucket}/data/`).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 },
    });
    expect((refused as Error).message).toContain(
      `Your input bucket must be located in same Amazon Web Services region as your training job: bucket ${bucket} is in us-east-1`,
    );
  });
});

describe("orphans", { timeout: TEST_TIMEOUT_MS }, () => {
  it("janitor --orphans lists what carries the project's tags but no record owns; destroy deletes it", async () => {
    const project = `mvo${randomBytes(3).toString("hex")}`;
    const { config } = checkout();
    writeFileSync(
      config,
      configText({
        project,
        region: "us-east-1",
        bucket: `${project}-\${account}-\${region}`,
        endpoint: `${project}-ep`,
        lambda: `${project}-fn`,
      }),
    );
    expect((await run(config, ["apply", "--auto-approve"])).code).toBe(0);
    const clean = await run(config, ["janitor", "--orphans"]);
    expect(clean.stdout).toContain("No orphans");

    // A record that lists nothing (as one from before resources that already matched were
    // recorded): an apply with nothing to change lists every resource again, with the identity.
    const s3 = new S3Client(aws.s3ClientConfig);
    const location = { Bucket: `${project}-123456789012-us-east-1`, Key: ".mlops/state.json" };
    const readRecord = async () =>
      JSON.parse(
        (await (await s3.send(new GetObjectCommand(location))).Body?.transformToString()) ?? "{}",
      ) as { version: number; resources: Record<string, unknown>; identity?: unknown };
    const emptied = { ...(await readRecord()), version: 1, resources: {} };
    delete emptied.identity;
    await s3.send(new PutObjectCommand({ ...location, Body: JSON.stringify(emptied) }));
    const noop = await run(config, ["apply", "--auto-approve"]);
    expect(noop.out).toContain("No changes");
    const relisted = await readRecord();
    expect(relisted.version).toBe(2);
    expect(relisted.identity).toMatchObject({ project, region: "us-east-1", iamPath: "/mlops/" });
    expect(Object.keys(relisted.resources)).toEqual(
      expect.arrayContaining([
        "sagemaker.endpoint.main",
        "lambda.provisioned-concurrency.api",
        "iam.role.lambda",
        "s3.bucket.data",
      ]),
    );

    // Left by hand (or by a lost record): a tagged log group and a tagged role under the path.
    const tags = { "mlops:project": project, "mlops:managed-by": "mlops-gitops" };
    await new CloudWatchLogsClient(aws.clientConfig).send(
      new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${project}-old`, tags }),
    );
    await new IAMClient(aws.clientConfig).send(
      new CreateRoleCommand({
        RoleName: `${project}-stale`,
        Path: "/mlops/",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const listed = await run(config, ["janitor", "--orphans"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`orphan +log group +/aws/lambda/${project}-old`));
    expect(listed.stdout).toMatch(new RegExp(`orphan +iam role +${project}-stale`));
    expect(listed.stdout).not.toContain(`${project}-sagemaker`);

    const destroyed = await run(config, ["destroy", "--auto-approve", "--include-data"]);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain(`delete  orphan iam role ${project}-stale`);
    expect(await roleNames(`${project}-`)).toEqual([]);
    expect(await taggedFor(project, "us-east-1")).toEqual([]);
  });
});

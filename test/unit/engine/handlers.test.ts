// The S3 and IAM handlers against aws-sdk-client-mock: exact requests and every fault path.
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  PutRolePermissionsBoundaryCommand,
  UntagRoleCommand,
} from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executePlan } from "../../../actions/src/apply/execute.js";
import { AwsOperationError } from "../../../actions/src/aws/errors.js";
import type { BucketSpec } from "../../../actions/src/graph/data-nodes.js";
import type { RoleSpec } from "../../../actions/src/graph/iam-nodes.js";
import { trustPolicy } from "../../../actions/src/graph/iam-policies.js";
import { normalizePolicy } from "../../../actions/src/resources/iam/policy-normalize.js";
import { roleHandler, type RoleObserved } from "../../../actions/src/resources/iam/role.js";
import { defaultHandlers } from "../../../actions/src/resources/registry.js";
import { bucketHandler } from "../../../actions/src/resources/s3/bucket.js";
import {
  datasetHandlerWith,
  type PreparedDatasetSpec,
} from "../../../actions/src/resources/s3/dataset.js";
import { awsError, mockedClients, testContext, testNode, testPlan } from "./helpers.js";

/** One data set handler for this file, as one session has. */
const datasetHandler = datasetHandlerWith();

const EXECUTE = {
  concurrency: 4,
  retryDeadlineMs: 60_000,
  waitDeadlineMs: 60_000,
  pollIntervalMs: 1000,
};

const bucketNode = () =>
  testNode<BucketSpec>("s3.bucket.data", {
    kind: "s3.bucket",
    name: "pets-data",
    spec: { encryption: "AES256", blockPublicAccess: true },
  });

const POLICY: RoleSpec["policy"] = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadTrainingData",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: ["arn:aws:s3:::pets-data/data/*"],
    },
    {
      Sid: "ListTrainingData",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::pets-data"],
      Condition: { StringLike: { "s3:prefix": ["data/", "data/*"] } },
    },
  ],
};

const BOUNDARY = "arn:aws:iam::123456789012:policy/mlops/pets-boundary";

const roleNode = () =>
  testNode<RoleSpec>("iam.role.sagemaker", {
    kind: "iam.role",
    name: "pets-sagemaker",
    spec: {
      path: "/mlops/",
      trust: trustPolicy("sagemaker.amazonaws.com", "123456789012"),
      policyName: "mlops-least-privilege",
      policy: POLICY,
      permissionsBoundary: BOUNDARY,
      allowedManagedPolicies: [],
    },
  });

describe("s3.bucket handler", () => {
  it("reads a bucket that does not exist (NoSuchBucket) as undefined, in one round trip", async () => {
    const aws = mockedClients();
    const missing = awsError("NoSuchBucket", "The specified bucket does not exist", 404);
    aws.s3.on(GetBucketEncryptionCommand).rejects(missing);
    aws.s3.on(GetPublicAccessBlockCommand).rejects(missing);
    aws.s3.on(GetBucketTaggingCommand).rejects(missing);
    aws.s3.on(GetBucketPolicyCommand).rejects(missing);
    await expect(
      bucketHandler.read(bucketNode(), testContext(aws.clients)),
    ).resolves.toBeUndefined();
    expect(aws.s3.calls()).toHaveLength(4);
  });

  it("reports a bucket name taken by another account (403) as access denied", async () => {
    const aws = mockedClients();
    const denied = awsError("AccessDenied", "Access Denied", 403);
    aws.s3.on(GetBucketEncryptionCommand).rejects(denied);
    aws.s3.on(GetPublicAccessBlockCommand).rejects(denied);
    aws.s3.on(GetBucketTaggingCommand).rejects(denied);
    const error = await bucketHandler
      .read(bucketNode(), testContext(aws.clients))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsOperationError);
    expect((error as AwsOperationError).errorClass).toBe("access-denied");
    expect((error as Error).message).toContain("bucket names are global: choose another");
  });

  it("reads an unconfigured bucket (no encryption, no tag set) without failing", async () => {
    const aws = mockedClients();
    aws.s3
      .on(GetBucketEncryptionCommand)
      .rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", "none", 404));
    aws.s3
      .on(GetPublicAccessBlockCommand)
      .rejects(awsError("NoSuchPublicAccessBlockConfiguration", "none", 404));
    aws.s3.on(GetBucketTaggingCommand).rejects(awsError("NoSuchTagSet", "none", 404));
    aws.s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", "none", 404));
    const observed = await bucketHandler.read(bucketNode(), testContext(aws.clients));
    expect(observed).toEqual({ encryption: null, blockPublicAccess: false, tags: {}, policy: [] });
    const change = bucketHandler.diff(bucketNode(), observed as never);
    expect(change.action).toBe("update");
    expect(change.changes.map((c) => c.path)).toEqual([
      "blockPublicAccess",
      "encryption",
      "tags.mlops:address",
    ]);
  });

  it("apply names the missing permission and points at the iam-policy command", async () => {
    const aws = mockedClients();
    aws.s3
      .on(CreateBucketCommand)
      .rejects(
        awsError(
          "AccessDenied",
          'User: arn:aws:sts::123456789012:assumed-role/deploy/gh is not authorized to perform: s3:CreateBucket on resource: "arn:aws:s3:::pets-data" because no identity-based policy allows the s3:CreateBucket action',
          403,
        ),
      );
    const ctx = testContext(aws.clients);
    const { plan, observations } = testPlan([{ node: bucketNode(), action: "create" }]);
    const [step] = await executePlan(plan, observations, defaultHandlers(), ctx, EXECUTE);
    expect(step?.status).toBe("failed");
    expect(step?.error).toContain(
      "creating S3 bucket pets-data: access denied: the credentials lack s3:CreateBucket",
    );
    expect(step?.error).toContain(
      "(check the deploy role's policy: mlops iam-policy --for deploy)",
    );
    // Access denied is not retried.
    expect(aws.s3.commandCalls(CreateBucketCommand)).toHaveLength(1);
    expect(
      ctx.logger.lines.some(
        (l) => l.startsWith("error: s3.bucket.data:") && l.includes("s3:CreateBucket"),
      ),
    ).toBe(true);
  });

  it("a create retried after a throttled configuration call converges instead of failing on the existing bucket", async () => {
    const aws = mockedClients();
    let exists = false;
    aws.s3.on(CreateBucketCommand).callsFake(() => {
      if (exists)
        throw awsError(
          "BucketAlreadyOwnedByYou",
          "Your previous request to create the named bucket succeeded and you already own it.",
          409,
        );
      exists = true;
      return {};
    });
    aws.s3.on(HeadBucketCommand).callsFake(() => {
      if (!exists) throw awsError("NotFound", "", 404);
      return {};
    });
    aws.s3
      .on(GetBucketEncryptionCommand)
      .rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", "none", 404));
    aws.s3
      .on(GetPublicAccessBlockCommand)
      .rejects(awsError("NoSuchPublicAccessBlockConfiguration", "none", 404));
    aws.s3.on(GetBucketTaggingCommand).rejects(awsError("NoSuchTagSet", "none", 404));
    aws.s3
      .on(PutBucketEncryptionCommand)
      .rejectsOnce(awsError("SlowDown", "Please reduce your request rate.", 503))
      .resolves({});
    aws.s3.on(PutPublicAccessBlockCommand).resolves({});
    aws.s3.on(PutBucketTaggingCommand).resolves({});
    const ctx = testContext(aws.clients);
    const { plan, observations } = testPlan([{ node: bucketNode(), action: "create" }]);
    const [step] = await executePlan(plan, observations, defaultHandlers(), ctx, EXECUTE);
    expect(step?.error).toBeUndefined();
    expect(step?.status).toBe("done");
    expect(aws.s3.commandCalls(CreateBucketCommand)).toHaveLength(1);
    expect(aws.s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(2);
    expect(aws.s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
  });
});

describe("s3.dataset handler", () => {
  const datasetNode = (path: string, manifestHash = "") =>
    testNode<PreparedDatasetSpec>("s3.dataset.data", {
      kind: "s3.dataset",
      spec: {
        bucket: "pets-data",
        prefix: "data/",
        source: { kind: "local", path },
        delete: false,
        exclude: [],
        manifest: { bucket: "pets-data", key: ".mlops/data-manifest.json" },
        manifestHash,
        fileCount: manifestHash === "" ? 0 : 1,
        totalBytes: manifestHash === "" ? 0 : 1,
      },
    });
  /** The node as planned: prepare() has hashed the folder. */
  const preparedNode = async (path: string, ctx: ReturnType<typeof testContext>) => {
    const node = await datasetHandler.prepare?.(datasetNode(path), ctx, new Map());
    if (node === undefined) throw new Error("s3.dataset has a prepare step");
    return node;
  };

  it("reads a data set never synced (no manifest object) as undefined", async () => {
    const aws = mockedClients();
    aws.s3
      .on(GetObjectCommand)
      .rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));
    const node = datasetNode("/tmp/none", "abc");
    await expect(datasetHandler.read(node, testContext(aws.clients))).resolves.toBeUndefined();
    expect(aws.s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: "pets-data",
      Key: ".mlops/data-manifest.json",
    });
  });
  it("an interrupted sync leaves a record that matches no data set, so a re-run syncs again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dataset-interrupted-"));
    writeFileSync(join(dir, "a.jpg"), "new content");
    const aws = mockedClients();
    aws.s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    const records: string[] = [];
    aws.s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: unknown }) => {
      if (input.Key === ".mlops/data-manifest.json") {
        records.push(String(input.Body));
        return {};
      }
      throw awsError("AccessDenied", "Access Denied", 403); // the upload dies half-way
    });
    const ctx = testContext(aws.clients);
    const node = await preparedNode(dir, ctx);
    const before = { manifestHash: "hash-of-the-previous-sync", fileCount: 1 };
    const change = datasetHandler.diff(node, before);
    await expect(datasetHandler.update(node, before, change, ctx)).rejects.toThrow();
    expect(records).toHaveLength(1);
    const left = JSON.parse(records[0] ?? "{}") as { manifestHash: string };
    expect(left.manifestHash).not.toBe(node.spec.manifestHash);
    expect(left.manifestHash).not.toBe(before.manifestHash);
    expect(
      datasetHandler.diff(node, { manifestHash: left.manifestHash, fileCount: 0 }).action,
    ).toBe("update");
    rmSync(dir, { recursive: true, force: true });
  });
  it("mlops sync on an unchanged data set lists and writes nothing, not even the record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dataset-verify-"));
    writeFileSync(join(dir, "a.jpg"), "same");
    const aws = mockedClients();
    const ctx = testContext(aws.clients);
    const node = await preparedNode(dir, ctx);
    const md5 = createHash("md5").update("same").digest("hex");
    const record = JSON.stringify({
      manifestHash: node.spec.manifestHash,
      files: [{ path: "a.jpg", size: 4, etag: md5 }],
      syncedAt: "",
    });
    aws.s3.on(GetObjectCommand).callsFake(() => ({
      ETag: '"record"',
      Body: { transformToString: () => Promise.resolve(record) },
    }));
    aws.s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: "data/a.jpg", Size: 4, ETag: `"${md5}"` }],
      IsTruncated: false,
    });
    const handler = datasetHandlerWith({ verifyData: true });
    const observed = await handler.read(node, ctx);
    if (observed === undefined) throw new Error("a record is there");
    await handler.update(node, observed, handler.diff(node, observed), ctx);
    expect(aws.s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    expect(aws.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    rmSync(dir, { recursive: true, force: true });
  });
  it("syncs a change against the last sync's record without listing; mlops sync lists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dataset-record-"));
    writeFileSync(join(dir, "a.jpg"), "unchanged");
    writeFileSync(join(dir, "b.jpg"), "changed");
    const md5 = (body: string): string => createHash("md5").update(body).digest("hex");
    const run = async (verifyData: boolean) => {
      const aws = mockedClients();
      const puts: string[] = [];
      // The last sync recorded a.jpg as it is now and b.jpg with older content.
      let record = JSON.stringify({
        manifestHash: "the-last-sync",
        files: [
          { path: "a.jpg", size: 9, etag: md5("unchanged") },
          { path: "b.jpg", size: 7, etag: md5("earlier") },
        ],
        syncedAt: "",
      });
      aws.s3.on(GetObjectCommand).callsFake(() => ({
        ETag: '"record"',
        Body: { transformToString: () => Promise.resolve(record) },
      }));
      aws.s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: unknown }) => {
        if (input.Key === ".mlops/data-manifest.json") {
          record = String(input.Body);
          return {};
        }
        puts.push(input.Key);
        return {
          ETag: `"${createHash("md5")
            .update(input.Body as Uint8Array)
            .digest("hex")}"`,
        };
      });
      aws.s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
      const ctx = testContext(aws.clients);
      const handler = datasetHandlerWith({ verifyData });
      const node = await preparedNode(dir, ctx);
      const observed = await handler.read(node, ctx);
      if (observed === undefined) throw new Error("a record is there");
      await handler.update(node, observed, handler.diff(node, observed), ctx);
      return { lists: aws.s3.commandCalls(ListObjectsV2Command).length, puts: puts.sort() };
    };

    // From the record: only b.jpg differs, and nothing is listed.
    expect(await run(false)).toEqual({ lists: 0, puts: ["data/b.jpg"] });
    // `mlops sync`: the (empty) listing shows both missing, so both go up.
    expect(await run(true)).toEqual({ lists: 1, puts: ["data/a.jpg", "data/b.jpg"] });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("iam.role handler", () => {
  const stored = (doc: unknown): string => encodeURIComponent(JSON.stringify(doc));

  function mockRole(
    aws: ReturnType<typeof mockedClients>,
    trust: unknown,
    policy: unknown,
    tags = roleNode().tags,
    boundary: string | null = BOUNDARY,
  ) {
    aws.iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: "pets-sagemaker",
        RoleId: "AROA",
        Arn: "arn:aws:iam::123456789012:role/mlops/pets-sagemaker",
        Path: "/mlops/",
        CreateDate: new Date(),
        AssumeRolePolicyDocument: stored(trust),
        ...(boundary !== null && {
          PermissionsBoundary: {
            PermissionsBoundaryType: "PermissionsBoundaryPolicy",
            PermissionsBoundaryArn: boundary,
          },
        }),
        Tags: Object.entries(tags)
          .reverse()
          .map(([Key, Value]) => ({ Key, Value })),
      },
    });
    aws.iam.on(GetRolePolicyCommand).resolves({
      RoleName: "pets-sagemaker",
      PolicyName: "mlops-least-privilege",
      PolicyDocument: stored(policy),
    });
    aws.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ["mlops-least-privilege"] });
    aws.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  }

  it("reads a missing role (NoSuchEntity) as undefined", async () => {
    const aws = mockedClients();
    const missing = awsError(
      "NoSuchEntity",
      "The role with name pets-sagemaker cannot be found.",
      404,
    );
    aws.iam.on(GetRoleCommand).rejects(missing);
    aws.iam.on(GetRolePolicyCommand).rejects(missing);
    aws.iam.on(ListRolePoliciesCommand).rejects(missing);
    aws.iam.on(ListAttachedRolePoliciesCommand).rejects(missing);
    await expect(roleHandler.read(roleNode(), testContext(aws.clients))).resolves.toBeUndefined();
  });

  it("does not see drift in a policy IAM returns with single strings and other key order", async () => {
    const aws = mockedClients();
    // What IAM hands back: URL-encoded, single values not in lists, keys in another order.
    mockRole(
      aws,
      {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
            Principal: { Service: "sagemaker.amazonaws.com" },
            Effect: "Allow",
          },
        ],
        Version: "2012-10-17",
      },
      {
        Version: "2012-10-17",
        Statement: [
          {
            Resource: "arn:aws:s3:::pets-data/data/*",
            Action: "s3:GetObject",
            Effect: "Allow",
            Sid: "ReadTrainingData",
          },
          {
            Condition: { StringLike: { "s3:prefix": ["data/*", "data/"] } },
            Sid: "ListTrainingData",
            Resource: ["arn:aws:s3:::pets-data"],
            Effect: "Allow",
            Action: "s3:ListBucket",
          },
        ],
      },
    );
    const observed = await roleHandler.read(roleNode(), testContext(aws.clients));
    expect(observed).toBeDefined();
    expect(roleHandler.diff(roleNode(), observed as RoleObserved)).toMatchObject({
      action: "noop",
      changes: [],
    });
  });

  it("sees a real policy change and updates only the inline policy", async () => {
    const aws = mockedClients();
    const widened = structuredClone(POLICY);
    (widened.Statement[0] as { Action: string[] }).Action.push("s3:PutObject");
    mockRole(aws, trustPolicy("sagemaker.amazonaws.com", "123456789012"), widened);
    aws.iam.on(PutRolePolicyCommand).resolves({});
    const ctx = testContext(aws.clients);
    const observed = (await roleHandler.read(roleNode(), ctx)) as RoleObserved;
    const change = roleHandler.diff(roleNode(), observed);
    expect(change.action).toBe("update");
    expect(change.reason).toBe("policy differ");
    expect(change.changes.map((c) => c.path)).toEqual(["policy.Statement"]);
    await roleHandler.update(roleNode(), observed, change, ctx);
    expect(aws.iam.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
    expect(
      JSON.parse(aws.iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input.PolicyDocument ?? ""),
    ).toEqual(POLICY);
    expect(aws.iam.commandCalls(PutRolePermissionsBoundaryCommand)).toHaveLength(0);
    expect(aws.iam.commandCalls(TagRoleCommand)).toHaveLength(0);
    expect(aws.iam.commandCalls(UntagRoleCommand)).toHaveLength(0);
    expect(aws.iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
  });

  it("creates a role with the permissions boundary", async () => {
    const aws = mockedClients();
    aws.iam
      .on(CreateRoleCommand)
      .resolves({ Role: { Arn: "arn:aws:iam::123456789012:role/mlops/pets-sagemaker" } as never });
    aws.iam.on(PutRolePolicyCommand).resolves({});
    await roleHandler.create(roleNode(), testContext(aws.clients));
    expect(aws.iam.commandCalls(CreateRoleCommand)[0]?.args[0].input.PermissionsBoundary).toBe(
      BOUNDARY,
    );
  });

  it("replaces a role whose trust policy differs: the deploy role cannot rewrite trust", async () => {
    const aws = mockedClients();
    // A role made before trust policies named the source account.
    mockRole(aws, trustPolicy("sagemaker.amazonaws.com"), POLICY);
    const observed = (await roleHandler.read(roleNode(), testContext(aws.clients))) as RoleObserved;
    expect(roleHandler.diff(roleNode(), observed)).toMatchObject({
      action: "replace",
      risk: ["replaces"],
    });
  });

  it("gives a role without the boundary its boundary before writing its policy", async () => {
    const aws = mockedClients();
    const widened = structuredClone(POLICY);
    (widened.Statement[0] as { Action: string[] }).Action.push("s3:PutObject");
    mockRole(
      aws,
      trustPolicy("sagemaker.amazonaws.com", "123456789012"),
      widened,
      roleNode().tags,
      null,
    );
    aws.iam.on(PutRolePermissionsBoundaryCommand).resolves({});
    aws.iam.on(PutRolePolicyCommand).resolves({});
    const ctx = testContext(aws.clients);
    const observed = (await roleHandler.read(roleNode(), ctx)) as RoleObserved;
    const change = roleHandler.diff(roleNode(), observed);
    expect(change.action).toBe("update");
    await roleHandler.update(roleNode(), observed, change, ctx);
    const writes = aws.iam
      .calls()
      .map((c) =>
        c.args[0] instanceof PutRolePermissionsBoundaryCommand
          ? "boundary"
          : c.args[0] instanceof PutRolePolicyCommand
            ? "policy"
            : undefined,
      )
      .filter((w) => w !== undefined);
    expect(writes).toEqual(["boundary", "policy"]);
    expect(aws.iam.commandCalls(PutRolePermissionsBoundaryCommand)[0]?.args[0].input).toEqual({
      RoleName: "pets-sagemaker",
      PermissionsBoundary: BOUNDARY,
    });
  });

  it("normalises both sides the same way (string vs list, key order)", () => {
    expect(
      normalizePolicy({
        Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: ["b", "a"] },
      }),
    ).toEqual(
      normalizePolicy({
        Version: "2012-10-17",
        Statement: [{ Resource: ["a", "b"], Action: ["s3:GetObject"], Effect: "Allow" }],
      }),
    );
  });

  it("a create retried after a throttled policy write converges instead of failing on the existing role", async () => {
    const aws = mockedClients();
    let created = false;
    aws.iam.on(CreateRoleCommand).callsFake(() => {
      if (created)
        throw awsError("EntityAlreadyExists", "Role with name pets-sagemaker already exists.", 409);
      created = true;
      return { Role: { Arn: "arn:aws:iam::123456789012:role/mlops/pets-sagemaker" } };
    });
    aws.iam.on(GetRoleCommand).callsFake(() => {
      if (!created) throw awsError("NoSuchEntity", "not found", 404);
      return {
        Role: {
          Arn: "arn:aws:iam::123456789012:role/mlops/pets-sagemaker",
          Path: "/mlops/",
          AssumeRolePolicyDocument: encodeURIComponent(
            JSON.stringify(trustPolicy("sagemaker.amazonaws.com", "123456789012")),
          ),
          PermissionsBoundary: { PermissionsBoundaryArn: BOUNDARY },
          Tags: Object.entries(roleNode().tags).map(([Key, Value]) => ({ Key, Value })),
        },
      };
    });
    aws.iam.on(GetRolePolicyCommand).rejects(awsError("NoSuchEntity", "no policy", 404));
    aws.iam.on(ListRolePoliciesCommand).callsFake(() => {
      if (!created) throw awsError("NoSuchEntity", "not found", 404);
      return { PolicyNames: [] };
    });
    aws.iam.on(ListAttachedRolePoliciesCommand).callsFake(() => {
      if (!created) throw awsError("NoSuchEntity", "not found", 404);
      return { AttachedPolicies: [] };
    });
    aws.iam
      .on(PutRolePolicyCommand)
      .rejectsOnce(awsError("Throttling", "Rate exceeded", 400))
      .resolves({});
    const ctx = testContext(aws.clients);
    const { plan, observations } = testPlan([{ node: roleNode(), action: "create" }]);
    const [step] = await executePlan(plan, observations, defaultHandlers(), ctx, EXECUTE);
    expect(step?.error).toBeUndefined();
    expect(step?.status).toBe("done");
    expect(aws.iam.commandCalls(CreateRoleCommand)).toHaveLength(1);
    expect(aws.iam.commandCalls(PutRolePolicyCommand)).toHaveLength(2);
  });
});

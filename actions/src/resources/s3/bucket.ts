// s3.bucket: the data (and optionally state) bucket, encrypted, never public, tagged, and with
// no bucket policy: mlops writes none, so one someone else wrote is planned away (it owns the
// bucket whole; what its roles may do is in their own least-privilege policies).
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  type GetBucketEncryptionCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetBucketTaggingCommandOutput,
  type GetPublicAccessBlockCommandOutput,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  AwsOperationError,
  classifyError,
  deleteIfPresent,
  withContext,
} from "../../aws/errors.js";
import type { BucketSpec } from "../../graph/data-nodes.js";
import type { Node } from "../../graph/graph.js";
import { diffFields } from "../diff-fields.js";
import type { Change, ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import { tagsFromList, tagsToList, type Tags } from "../tags.js";
import { emptyBucket } from "./empty-bucket.js";
import { decodePolicy } from "../iam/policy-normalize.js";
import { grantsOf } from "../iam/role-permissions.js";

export interface BucketObserved {
  encryption: string | null;
  blockPublicAccess: boolean;
  tags: Tags;
  /** The bucket policy's statements, one line each: what they grant. [] when it has none. */
  policy: string[];
}

/** What the bucket should be; a shared one keeps the tags and policy it has (`observed`). */
const desiredState = (node: Node<BucketSpec>, observed?: BucketObserved): BucketObserved => ({
  encryption: node.spec.encryption,
  blockPublicAccess: node.spec.blockPublicAccess,
  tags: node.spec.shared && observed ? observed.tags : node.tags,
  policy: node.spec.shared && observed ? observed.policy : [],
});

export const bucketHandler: ResourceHandler<BucketSpec, BucketObserved> = {
  kind: "s3.bucket",
  ownership: "tags",
  deleteRisk: ["deletes-data"],

  async read(node, { clients: { s3 } }) {
    const Bucket = node.name;
    // No HeadBucket first: each of these reads answers NoSuchBucket for a missing bucket, so a
    // bucket is read in one round trip of four parallel calls.
    const parts = await Promise.allSettled([
      s3.send(new GetBucketEncryptionCommand({ Bucket })),
      s3.send(new GetPublicAccessBlockCommand({ Bucket })),
      s3.send(new GetBucketTaggingCommand({ Bucket })),
      s3.send(new GetBucketPolicyCommand({ Bucket })),
    ]);
    const errors = parts.flatMap((p) => (p.status === "rejected" ? [p.reason as unknown] : []));
    if (errors.some((e) => (e as { name?: string }).name === "NoSuchBucket")) return undefined;
    const denied = errors.find(
      (e) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403,
    );
    if (denied !== undefined) {
      throw new AwsOperationError(
        `reading S3 bucket ${Bucket}`,
        Object.assign(
          // Internal invariant: not thrown: the cause of the AwsOperationError around it, named as AWS names the denial.
          new Error(
            `bucket ${Bucket} exists but this account cannot read it (bucket names are global: choose another, or grant s3:GetEncryptionConfiguration, s3:GetBucketPublicAccessBlock, s3:GetBucketTagging and s3:GetBucketPolicy)`,
          ),
          { name: "AccessDenied" },
        ),
      );
    }
    const other = errors.find((e) => classifyError(e) !== "not-found");
    if (other !== undefined) throw new AwsOperationError(`reading S3 bucket ${Bucket}`, other);
    const [encryption, publicAccess, tagging, bucketPolicy] = parts.map((p) =>
      p.status === "fulfilled" ? p.value : undefined,
    ) as [
      GetBucketEncryptionCommandOutput | undefined,
      GetPublicAccessBlockCommandOutput | undefined,
      GetBucketTaggingCommandOutput | undefined,
      GetBucketPolicyCommandOutput | undefined,
    ];
    const rule =
      encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    const block = publicAccess?.PublicAccessBlockConfiguration;
    return {
      encryption: rule?.SSEAlgorithm ?? null,
      blockPublicAccess: Boolean(
        block?.BlockPublicAcls &&
        block.BlockPublicPolicy &&
        block.IgnorePublicAcls &&
        block.RestrictPublicBuckets,
      ),
      tags: tagsFromList(tagging?.TagSet),
      policy: grantsOf(decodePolicy(bucketPolicy?.Policy)),
    };
  },

  diff(node, observed): Change {
    const changes = diffFields(observed, desiredState(node, observed));
    return changes.length === 0
      ? noop()
      : {
          action: "update",
          reason: differReason(changes),
          changes,
          risk: [],
        };
  },

  async create(node, { clients: { s3 }, graph }) {
    const Bucket = node.name;
    await withContext(`creating S3 bucket ${Bucket}`, () =>
      s3.send(
        new CreateBucketCommand({
          Bucket,
          ...(graph.region !== "us-east-1" && {
            CreateBucketConfiguration: { LocationConstraint: graph.region as never },
          }),
        }),
      ),
    );
    const want = desiredState(node);
    await configure(s3, Bucket, want, changedFields({ changes: diffFields(NEW_BUCKET, want) }));
    return desiredState(node);
  },

  async update(node, observed, change, { clients: { s3 } }) {
    await configure(s3, node.name, desiredState(node, observed), changedFields(change));
    return desiredState(node, observed);
  },

  async delete(node, _observed, { clients: { s3 }, logger }) {
    if (node.spec.shared) {
      logger.info(`keeping ${node.name}: a state bucket of its own may hold other projects' state`);
      return;
    }
    await deleteIfPresent(`deleting S3 bucket ${node.name}`, async () => {
      const removed = await emptyBucket(s3, node.name);
      if (removed > 0) logger.info(`deleted ${removed} objects from ${node.name}`);
      await s3.send(new DeleteBucketCommand({ Bucket: node.name }));
    });
  },
};

/** What a bucket is right after CreateBucket, as far as configure() is concerned. */
const NEW_BUCKET: BucketObserved = {
  encryption: null,
  blockPublicAccess: false,
  tags: {},
  policy: [],
};

/** Puts the named fields of `want` on the bucket (a new bucket: those that differ from NEW_BUCKET). */
async function configure(
  s3: S3Client,
  Bucket: string,
  want: BucketObserved,
  fields: ReadonlySet<string>,
): Promise<void> {
  if (fields.has("encryption")) {
    await withContext(`setting encryption of ${Bucket}`, () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
        }),
      ),
    );
  }
  if (fields.has("blockPublicAccess")) {
    await withContext(`blocking public access to ${Bucket}`, () =>
      s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
        }),
      ),
    );
  }
  if (fields.has("policy")) {
    await deleteIfPresent(`removing the bucket policy of ${Bucket}`, () =>
      s3.send(new DeleteBucketPolicyCommand({ Bucket })),
    );
  }
  if (fields.has("tags")) {
    // S3 replaces the whole tag set at once.
    await withContext(`tagging ${Bucket}`, () =>
      s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagsToList(want.tags) } })),
    );
  }
}

// Syncing a local folder to an S3 prefix by content: list the prefix (its pages in parallel, by
// the manifest's keys) or take what the last sync recorded, upload what is missing or whose ETag
// differs, then delete extraneous objects if asked.
// Width: a round trip to S3 costs tens of milliseconds whatever the object's size, so many small
// objects want many requests in flight: up to 128 (a setting), fewer when their bodies would
// pass the memory budget, adjusted by AIMD on S3's SlowDown/503 and throttling. Large files go
// multipart with our fixed part size (so the remote ETag equals the manifest's), a few files at
// once with their parts in parallel, again within the memory budget.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AwsOperationError, withContext } from "../aws/errors.js";
import { systemClock, type Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { contentTypeFor } from "./content-type.js";
import { isMultipart, partSizeFor, stripEtagQuotes } from "./etag.js";
import type { Manifest } from "./manifest.js";
import type { ManifestEntry } from "./manifest-entry.js";
import { describeSyncPlan, planSync, type PlannedUpload } from "./plan.js";
import { PoolAbortedError, runPool, semaphore } from "../pool.js";
import { AdaptiveWidth } from "./adaptive-width.js";
import { listRemote, normalizePrefix } from "./remote.js";
import { OperationalError } from "../operational-errors.js";

export interface SyncOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  /** The folder the manifest was built from. */
  sourceDir: string;
  manifest: Manifest;
  /** Delete remote objects under the prefix that the manifest does not hold. */
  delete: boolean;
  /** Most files uploaded at once (default 128); the memory budget and throttling lower it. */
  concurrency?: number;
  /**
   * Bytes held in memory at once by small files' bodies, and again by multipart uploads' parts
   * (default 256 MiB each).
   */
  memoryBudget?: number;
  /** Multipart uploads at once (default 4). */
  multipartConcurrency?: number;
  /** Parts in flight per multipart upload (default: what the memory budget allows, 4 to 16). */
  queueSize?: number;
  logger: Logger;
  /** Stops starting uploads; in-flight ones finish, then syncDataset throws a SyncAbortedError. */
  signal?: AbortSignal;
  /** For progress throttling (default: the system clock). */
  clock?: Clock;
  /** Least time between two progress reports (default 1000 ms; first and last always reported). */
  progressIntervalMs?: number;
  /** ListObjectsV2 page size (tests exercise paging with a small one). */
  listPageSize?: number;
  /**
   * What the prefix is known to hold (the manifest recorded by the last complete sync): compared
   * against instead of a listing, so a small change costs its uploads only.
   */
  remote?: readonly ManifestEntry[];
  /** Runs once before the first upload or delete, and not at all when nothing differs. */
  beforeChanges?: () => Promise<void>;
}

export interface SyncResult {
  /** Paths (relative to the prefix) uploaded, sorted. */
  uploaded: string[];
  /** Paths (relative to the prefix) deleted, sorted. */
  deleted: string[];
  unchanged: number;
  /** Remote objects not in the manifest, kept because `delete` was false. */
  extraneousKept: number;
  bytesUploaded: number;
  /** list: ListObjectsV2 pages; put: objects written (one PutObject or one multipart upload
   *  each); delete: DeleteObjects calls. */
  requests: { list: number; put: number; delete: number };
}

/** Thrown when the signal aborts a sync; `partial` says what was done before it stopped. */
export class SyncAbortedError extends OperationalError {
  readonly partial: SyncResult;
  constructor(message: string, partial: SyncResult) {
    super(message);
    this.name = "SyncAbortedError";
    this.partial = partial;
  }
}

const DELETE_BATCH = 1000;
const DEFAULT_SYNC_CONCURRENCY = 128;
const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Extra tries of an upload S3 still throttled after the SDK's own retries, each at a lower width. */
const THROTTLED_RETRIES = 3;

export async function syncDataset(options: SyncOptions): Promise<SyncResult> {
  const { s3, bucket, logger, manifest } = options;
  const base = normalizePrefix(options.prefix);
  const where = `s3://${bucket}/${base}`;
  const listing =
    options.remote === undefined
      ? await listRemote(s3, bucket, base, {
          expected: manifest.files.map((f) => f.path),
          ...(options.listPageSize !== undefined && { pageSize: options.listPageSize }),
        })
      : { objects: options.remote, requests: 0 };
  const plan = planSync(manifest, listing.objects, options.delete);
  logger.info(`data: ${where}: ${describeSyncPlan(plan)}`);
  if (plan.keep.length > 0) {
    logger.info(
      `data: keeping ${plan.keep.length} object(s) under ${where} that are not in the data set (set data.delete to remove them)`,
    );
  }

  const result: SyncResult = {
    uploaded: [],
    deleted: [],
    unchanged: plan.unchanged,
    extraneousKept: plan.keep.length,
    bytesUploaded: 0,
    requests: { list: listing.requests, put: 0, delete: 0 },
  };

  const progress = throttledProgress(
    logger,
    options.clock ?? systemClock,
    options.progressIntervalMs ?? 1000,
  );
  const total = plan.upload.length;
  const widths = transferWidths(plan.upload, options);
  const multipartSlots = semaphore(Math.max(1, widths.multipart));
  const singles = new AdaptiveWidth(widths.single);
  let done = 0;
  if (total > 0 || plan.delete.length > 0) await options.beforeChanges?.();
  if (total > 0) progress(0, total, true);
  try {
    await runPool(
      plan.upload,
      widths.single + widths.multipart,
      async (file) => {
        const key = base + file.path;
        const absolute = join(options.sourceDir, ...file.path.split("/"));
        if (isMultipart(file.size)) {
          await multipartSlots(() =>
            uploadMultipart(s3, bucket, key, absolute, file, widths.queueSize),
          );
        } else {
          await uploadThrottled(singles, () => {
            // Waited for a narrowed width: an abort meanwhile starts nothing more.
            if (options.signal?.aborted === true) throw new PoolAbortedError();
            return uploadSingle(s3, bucket, key, absolute, file);
          });
        }
        result.requests.put++;
        result.uploaded.push(file.path);
        result.bytesUploaded += file.size;
        logger.debug(`data: uploaded ${key} (${file.reason})`);
        done++;
        progress(done, total, done === total);
      },
      options.signal,
    );
  } catch (error) {
    result.uploaded.sort();
    if (error instanceof PoolAbortedError) {
      throw new SyncAbortedError(
        `data sync to ${where} aborted after ${result.uploaded.length} of ${total} upload(s)`,
        result,
      );
    }
    throw error;
  }
  result.uploaded.sort();
  if (options.signal?.aborted === true) {
    throw new SyncAbortedError(`data sync to ${where} aborted before deleting`, result);
  }

  for (let i = 0; i < plan.delete.length; i += DELETE_BATCH) {
    const batch = plan.delete.slice(i, i + DELETE_BATCH);
    await deleteBatch(s3, bucket, base, batch);
    result.requests.delete++;
    result.deleted.push(...batch);
  }
  if (result.deleted.length > 0)
    logger.info(`data: deleted ${result.deleted.length} object(s) under ${where}`);
  return result;
}

/** How many single uploads, multipart uploads and parts of each may be in flight. */
function transferWidths(
  uploads: readonly PlannedUpload[],
  options: SyncOptions,
): { single: number; multipart: number; queueSize: number } {
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  let largestSingle = 1;
  let multipartFiles = 0;
  let largestPart = 1;
  for (const file of uploads) {
    if (isMultipart(file.size)) {
      multipartFiles++;
      largestPart = Math.max(largestPart, partSizeFor(file.size));
    } else largestSingle = Math.max(largestSingle, file.size);
  }
  const single = Math.max(
    1,
    Math.min(options.concurrency ?? DEFAULT_SYNC_CONCURRENCY, Math.floor(budget / largestSingle)),
  );
  // No workers wait for multipart slots when there is no large file.
  const multipart = Math.min(options.multipartConcurrency ?? 4, multipartFiles);
  const queueSize =
    options.queueSize ??
    Math.min(16, Math.max(4, Math.floor(budget / largestPart / Math.max(1, multipart))));
  return { single, multipart, queueSize };
}

/**
 * One upload through the adaptive width: a retry inside the SDK or a throttling error is
 * congestion (the width halves); an upload S3 still throttles after the SDK's retries is tried
 * again at the lower width, a few times.
 */
async function uploadThrottled(
  width: AdaptiveWidth,
  upload: () => Promise<{ attempts: number }>,
): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await width.run(upload, (outcome) =>
        "error" in outcome ? isThrottled(outcome.error) : outcome.value.attempts > 1,
      );
      return;
    } catch (error) {
      if (retry >= THROTTLED_RETRIES || !isThrottled(error)) throw error;
    }
  }
}

/** S3 asking us to slow down: SlowDown / 503, or throttling by name or 429. */
function isThrottled(error: unknown): boolean {
  const cause = (error instanceof AwsOperationError ? error.cause : error) as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
  } | null;
  const status = cause?.$metadata?.httpStatusCode;
  return status === 503 || status === 429 || /^SlowDown$|Throttl/.test(cause?.name ?? "");
}

async function uploadSingle(
  s3: S3Client,
  bucket: string,
  key: string,
  absolute: string,
  file: PlannedUpload,
): Promise<{ attempts: number }> {
  // Small files go as a buffer: the SDK can retry a buffer, not a half-read stream.
  const body = await readFile(absolute);
  const md5 = createHash("md5").update(body).digest();
  if (body.length !== file.size || md5.toString("hex") !== file.etag) {
    throw changedError(absolute);
  }
  const response = await withContext(`uploading s3://${bucket}/${key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentMD5: md5.toString("base64"),
        ContentType: contentTypeFor(key),
        ServerSideEncryption: "AES256",
      }),
    ),
  );
  checkEtag(key, response.ETag, file.etag);
  // Attempts 2+ mean the SDK retried (throttling or a transient error); stubbed clients may send
  // no metadata at all.
  const metadata = response.$metadata as { attempts?: number } | undefined;
  return { attempts: metadata?.attempts ?? 1 };
}

async function uploadMultipart(
  s3: S3Client,
  bucket: string,
  key: string,
  absolute: string,
  file: PlannedUpload,
  queueSize: number,
): Promise<void> {
  const upload = new Upload({
    client: s3,
    partSize: partSizeFor(file.size),
    queueSize,
    leavePartsOnError: false,
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(absolute, { highWaterMark: 1024 * 1024 }),
      ContentLength: file.size,
      ContentType: contentTypeFor(key),
      ServerSideEncryption: "AES256",
    },
  });
  const response = await withContext(`uploading s3://${bucket}/${key} (multipart)`, () =>
    upload.done(),
  );
  checkEtag(key, response.ETag, file.etag);
}

function checkEtag(key: string, returned: string | undefined, expected: string): void {
  if (returned === undefined) return;
  const actual = stripEtagQuotes(returned);
  if (actual !== expected) {
    throw new OperationalError(
      `uploaded s3 object ${key} has ETag ${actual} but the manifest says ${expected}: the file changed during the sync (or the bucket encrypts with KMS); run the sync again`,
    );
  }
}

const changedError = (path: string): Error =>
  new OperationalError(
    `${path} changed since its manifest was built: rebuild the manifest and sync again`,
  );

async function deleteBatch(
  s3: S3Client,
  bucket: string,
  base: string,
  paths: string[],
): Promise<void> {
  const what = `deleting ${paths.length} object(s) under s3://${bucket}/${base}`;
  const response = await withContext(what, () =>
    s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: paths.map((p) => ({ Key: base + p })), Quiet: true },
      }),
    ),
  );
  const first = response.Errors?.[0];
  if (first !== undefined) {
    throw new AwsOperationError(
      `${what}: ${response.Errors?.length ?? 0} failed, first ${first.Key ?? "?"}`,
      {
        name: first.Code ?? "DeleteObjectsError",
        message: first.Message ?? "",
      },
    );
  }
}

function throttledProgress(
  logger: Logger,
  clock: Clock,
  intervalMs: number,
): (done: number, total: number, force: boolean) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (done, total, force) => {
    const now = clock.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    logger.progress("uploading", done, total);
  };
}

// s3.dataset: the training data set under the data prefix. prepare() hashes the source (a
// local folder, a downloaded archive, or the listing of an s3:// prefix used in place); read()
// fetches the manifest recorded by the last sync; a differing hash means a sync, which uploads
// only what differs by content from that record (`mlops sync` compares with a real listing).
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { withContext } from "../../aws/errors.js";
import { getJson } from "../../aws/s3-json.js";
import {
  buildLocalManifest,
  defaultHashCacheFile,
  describeSyncPlan,
  fetchArchive,
  planSync,
  remoteListingManifest,
  syncDataset,
  type LocalManifestOptions,
  type Manifest,
  type ManifestEntry,
} from "../../data-sync/index.js";
import type { DatasetSpec } from "../../graph/data-nodes.js";
import type { Node } from "../../graph/graph.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { OperationalError } from "../../operational-errors.js";

/** The spec after prepare(): what the data set hashes to right now. */
export interface PreparedDatasetSpec extends DatasetSpec {
  manifestHash: string;
  fileCount: number;
  totalBytes: number;
}

export interface DatasetObserved {
  manifestHash: string;
  fileCount: number;
}

/** The recorded hash while a sync is under way: matches no data set. */
const INCOMPLETE = "incomplete";

interface ManifestRecord {
  manifestHash: string;
  files: ManifestEntry[];
  syncedAt: string;
}

/**
 * What one run learns and reuses, by content hash, so that the plan need not carry thousands of
 * file entries: the manifests built in prepare() (diff() says what a sync will do, apply does
 * not hash again) and the files the last sync recorded, read in read(). Each handler instance
 * (datasetHandlerWith, one per session) has its own: nothing outlives a run.
 */
interface RunMemo {
  prepared: Map<string, { manifest: Manifest; dir: string }>;
  recorded: Map<string, ManifestEntry[]>;
}

async function localSource(
  node: Node<DatasetSpec>,
  ctx: HandlerContext,
): Promise<string | undefined> {
  const source = node.spec.source;
  if (source.kind === "local") return source.path;
  if (source.kind === "archive") {
    const archive = await fetchArchive(source.url, ctx.cacheDir, {
      logger: ctx.logger,
      signal: ctx.signal,
    });
    return archive.dir;
  }
  return undefined;
}

/** Hashes only files whose size, times or inode changed since the last run on this machine. */
const localOptions = (dir: string, ctx: HandlerContext): LocalManifestOptions => ({
  logger: ctx.logger,
  hashCacheFile: defaultHashCacheFile(ctx.cacheDir, dir),
});

/**
 * The files the last complete sync recorded, as read in read(); undefined when unknown (never
 * synced, not read in this process, or interrupted: an `incomplete` record lists nothing).
 */
const lastSynced = (
  memo: RunMemo,
  observed: DatasetObserved | undefined,
): ManifestEntry[] | undefined =>
  observed === undefined || observed.manifestHash === INCOMPLETE
    ? undefined
    : memo.recorded.get(observed.manifestHash);

export interface DatasetOptions {
  /**
   * `mlops sync`: compare the data set with a listing of its prefix, which also puts right
   * objects changed or deleted behind our back, instead of with the last sync's record.
   */
  verifyData?: boolean;
}

/** A data set handler for one run (the registry makes one per session), with its options. */
export function datasetHandlerWith(
  options: DatasetOptions = {},
): ResourceHandler<PreparedDatasetSpec, DatasetObserved> {
  const memo: RunMemo = { prepared: new Map(), recorded: new Map() };
  return {
    kind: "s3.dataset",

    async prepare(node, ctx) {
      const dir = await localSource(node, ctx);
      let manifest: Manifest;
      if (dir === undefined) {
        const s = node.spec.source as { bucket: string; prefix: string };
        manifest = await withContext(`listing s3://${s.bucket}/${s.prefix}`, () =>
          remoteListingManifest(ctx.clients.s3, s.bucket, s.prefix),
        );
      } else {
        manifest = await buildLocalManifest(dir, node.spec.exclude, localOptions(dir, ctx));
        memo.prepared.set(manifest.hash, { manifest, dir });
      }
      return {
        ...node,
        spec: {
          ...node.spec,
          manifestHash: manifest.hash,
          fileCount: manifest.files.length,
          totalBytes: manifest.files.reduce((sum, f) => sum + f.size, 0),
        },
      };
    },

    async read(node, { clients: { s3 } }) {
      if (node.spec.source.kind === "s3") {
        // Used in place: the data is where it is; its listing hash is the spec.
        return { manifestHash: node.spec.manifestHash, fileCount: node.spec.fileCount };
      }
      const found = await getJson<ManifestRecord>(
        s3,
        node.spec.manifest.bucket,
        node.spec.manifest.key,
      );
      if (!found) return undefined;
      memo.recorded.set(found.value.manifestHash, found.value.files);
      return { manifestHash: found.value.manifestHash, fileCount: found.value.files.length };
    },

    diff(node, observed): Change {
      if (observed.manifestHash === node.spec.manifestHash)
        return noop(`${node.spec.fileCount} files in sync`);
      const local = memo.prepared.get(node.spec.manifestHash)?.manifest;
      const remote = lastSynced(memo, observed);
      const summary =
        local && remote ? describeSyncPlan(planSync(local, remote, node.spec.delete)) : undefined;
      return {
        action: "update",
        reason: "the data set changed since the last sync",
        changes: [
          { path: "manifestHash", before: observed.manifestHash, after: node.spec.manifestHash },
        ],
        risk: node.spec.delete ? ["deletes-data"] : [],
        ...(summary !== undefined && { summary }),
      };
    },

    create: (node, ctx) => sync(node, ctx, undefined, memo, options),
    update: (node, observed, _change, ctx) => sync(node, ctx, observed, memo, options),

    delete(node, _observed, ctx) {
      // The objects stay; only `mlops destroy --include-data` removes them with the bucket.
      ctx.logger.info(`${node.address}: data under ${node.name} is kept`);
      return Promise.resolve();
    },
  };
}

async function sync(
  node: Node<PreparedDatasetSpec>,
  ctx: HandlerContext,
  observed: DatasetObserved | undefined,
  memo: RunMemo,
  options: DatasetOptions,
): Promise<DatasetObserved> {
  const spec = node.spec;
  if (spec.source.kind === "s3")
    return { manifestHash: spec.manifestHash, fileCount: spec.fileCount };
  const dir = memo.prepared.get(spec.manifestHash)?.dir ?? (await localSource(node, ctx));
  // Internal invariant: only local and archive sources reach here; s3 sources return above.
  if (dir === undefined) throw new Error(`${node.address}: no local data source`);
  const manifest =
    memo.prepared.get(spec.manifestHash)?.manifest ??
    (await buildLocalManifest(dir, spec.exclude, localOptions(dir, ctx)));
  if (manifest.hash !== spec.manifestHash) {
    throw new OperationalError(
      `${node.address}: the data changed since the plan was made (hash ${manifest.hash.slice(0, 12)}, planned ${spec.manifestHash.slice(0, 12)}); make a new plan`,
    );
  }
  // What the last complete sync recorded is what the prefix holds, as far as plan and apply are
  // concerned; `mlops sync` (options.verifyData) lists the prefix instead to catch changes behind our back.
  // The record holds our files only, not objects a sync with delete: false kept, so a sync that
  // deletes lists the prefix to find them.
  const remote =
    options.verifyData === true || spec.delete ? undefined : lastSynced(memo, observed);
  // Until the sync completes, the record names no data set: were it interrupted and the source
  // put back as it was, the old hash would otherwise match and hide half-uploaded objects.
  // A sync that finds nothing to change (`mlops sync` on an unchanged data set) leaves it be.
  const result = await syncDataset({
    s3: ctx.clients.s3,
    bucket: spec.bucket,
    prefix: spec.prefix,
    sourceDir: dir,
    manifest,
    delete: spec.delete,
    logger: ctx.logger,
    signal: ctx.signal,
    clock: ctx.clock,
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(remote !== undefined && { remote }),
    beforeChanges: () =>
      recordManifest(spec, { manifestHash: INCOMPLETE, files: [], syncedAt: "" }, ctx),
  });
  ctx.logger.info(
    `${node.address}: uploaded ${result.uploaded.length} files (${result.bytesUploaded} bytes), deleted ${result.deleted.length}, ${result.unchanged} unchanged` +
      (result.extraneousKept > 0
        ? `, kept ${result.extraneousKept} objects not in the source (data.delete is false)`
        : ""),
  );
  const unchanged = result.uploaded.length === 0 && result.deleted.length === 0;
  if (!unchanged || observed?.manifestHash !== manifest.hash) {
    const record: ManifestRecord = {
      manifestHash: manifest.hash,
      files: manifest.files,
      syncedAt: new Date(ctx.clock.now()).toISOString(),
    };
    await recordManifest(spec, record, ctx);
  }
  return { manifestHash: manifest.hash, fileCount: manifest.files.length };
}

async function recordManifest(
  spec: PreparedDatasetSpec,
  record: ManifestRecord,
  ctx: HandlerContext,
): Promise<void> {
  await withContext(
    `recording the data manifest in s3://${spec.manifest.bucket}/${spec.manifest.key}`,
    () =>
      ctx.clients.s3.send(
        new PutObjectCommand({
          Bucket: spec.manifest.bucket,
          Key: spec.manifest.key,
          Body: JSON.stringify(record),
          ContentType: "application/json",
          ServerSideEncryption: "AES256",
        }),
      ),
  );
}

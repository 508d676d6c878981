// A data set's manifest: every file's posix path relative to the data root, its size and the S3
// ETag it has (or will have once uploaded), plus one hash over all of it. The hash feeds the
// training fingerprint, so it depends on content only: never on mtimes, walk order or machine.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import picomatch from "picomatch";
import type { Logger } from "../logger.js";
import { s3EtagOfFile } from "./etag.js";
import { HashCache, stampOf, type FileStamp } from "./hash-cache.js";
import { runPool } from "../pool.js";
import type { ManifestEntry } from "./manifest-entry.js";
import { listRemote } from "./remote.js";
import { OperationalError } from "../operational-errors.js";

export interface Manifest {
  /** Sorted by path (UTF-8 byte order, as S3 lists keys). */
  files: ManifestEntry[];
  /** sha256 hex over the sorted (path, size, etag) lines. */
  hash: string;
}

export interface LocalManifestOptions {
  /** Files hashed at once (default 8). */
  concurrency?: number;
  /** Told about skipped symlinks (and, at debug level, about an unusable hash cache). */
  logger?: Logger;
  /**
   * A hash cache file (see `defaultHashCacheFile`): files whose size, mtime, ctime and inode are
   * unchanged reuse the ETag recorded there instead of being read. The manifest is the same.
   */
  hashCacheFile?: string;
  /** The hash cache's wall clock, in ns since the epoch (tests move it past the racy window). */
  hashCacheClock?: () => bigint;
  /** Filled in with how many files were read and hashed, and how many reused a cached ETag. */
  stats?: ManifestStats;
}

export interface ManifestStats {
  hashed: number;
  reused: number;
}

/** Orders paths by their UTF-8 bytes, the order S3 lists keys in. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Sorts entries and hashes them; the one place the manifest hash is defined. */
export function makeManifest(entries: readonly ManifestEntry[]): Manifest {
  const keyed = entries.map((e) => ({ e, key: Buffer.from(e.path, "utf8") }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const files = keyed.map(({ e }) => ({ path: e.path, size: e.size, etag: e.etag }));
  const hash = createHash("sha256");
  hash.update("mlops-data-manifest-v1\n");
  // JSON-encoded lines: unambiguous whatever characters a path holds.
  for (const f of files) hash.update(`${JSON.stringify([f.path, f.size, f.etag])}\n`);
  return { files, hash: hash.digest("hex") };
}

/**
 * Walks `dir` and builds its manifest. Paths are posix and relative; `exclude` holds picomatch
 * globs (dot files included) matched against those paths; a pattern that matches a folder
 * excludes everything below it. Symlinks are followed only while they stay inside `dir`.
 */
export async function buildLocalManifest(
  dir: string,
  exclude: string[],
  options: LocalManifestOptions = {},
): Promise<Manifest> {
  const cache =
    options.hashCacheFile === undefined
      ? undefined
      : await HashCache.load(options.hashCacheFile, {
          logger: options.logger,
          now: options.hashCacheClock,
        });
  // The cache is loaded first: its racy window counts from before the walk's first stat.
  const files = listLocalFiles(dir, exclude, options.logger);
  const entries: ManifestEntry[] = new Array<ManifestEntry>(files.length);
  let reused = 0;
  await runPool(files, options.concurrency ?? 8, async (file, index) => {
    const cached = cache?.lookup(file.path, file.stamp);
    if (cached !== undefined) {
      reused++;
      entries[index] = { path: file.path, size: file.size, etag: cached };
      return;
    }
    const etag = await s3EtagOfFile(file.absolute, file.size).catch((error: unknown) => {
      throw new OperationalError(
        `hashing ${file.absolute}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    });
    cache?.record(file.path, file.stamp, etag);
    entries[index] = { path: file.path, size: file.size, etag };
  });
  await cache?.save();
  if (options.stats !== undefined) {
    options.stats.hashed = files.length - reused;
    options.stats.reused = reused;
  }
  return makeManifest(entries);
}

interface LocalFile {
  path: string;
  absolute: string;
  size: number;
  /** From the walk's own (l)stat, so the hash cache costs no second stat per file. */
  stamp: FileStamp;
}

/**
 * The walk uses the synchronous calls on purpose: each is a few microseconds on metadata the
 * kernel has cached, where an awaited one costs a thread-pool round trip. On 8,351 files that is
 * tens of milliseconds instead of about a second, and with the hash cache warm the walk is most
 * of a no-change sync. File contents are still read asynchronously, in parallel.
 */
function listLocalFiles(root: string, exclude: string[], logger?: Logger): LocalFile[] {
  const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  const realRoot = realpathSync(root);
  if (!statSync(realRoot).isDirectory())
    throw new OperationalError(`data source ${root} is not a folder`);
  const out: LocalFile[] = [];

  const inside = (real: string): boolean => real === realRoot || real.startsWith(realRoot + sep);

  // `ancestors` holds the real paths of the folders being walked, to stop symlink loops.
  const walk = (absolute: string, relativeDir: string, ancestors: ReadonlySet<string>): void => {
    const names = readdirSync(absolute);
    names.sort(comparePaths);
    for (const name of names) {
      const child = join(absolute, name);
      const rel = relativeDir === "" ? name : `${relativeDir}/${name}`;
      if (isExcluded(rel)) continue;
      let info = lstatSync(child, { bigint: true });
      if (info.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(child);
        } catch {
          target = "";
        }
        if (target === "" || !inside(target)) {
          logger?.warn(`data: skipping symlink ${rel}: it points outside ${root} or nowhere`);
          continue;
        }
        if (ancestors.has(target)) {
          logger?.warn(`data: skipping symlink ${rel}: it loops back to a parent folder`);
          continue;
        }
        info = statSync(target, { bigint: true });
      }
      if (info.isDirectory()) {
        walk(child, rel, new Set([...ancestors, realpathSync(child)]));
      } else if (info.isFile()) {
        const stamp = stampOf(info);
        out.push({ path: rel, absolute: child, size: stamp.size, stamp });
      }
      // Sockets, FIFOs and devices are not data: skipped.
    }
  };
  walk(root, "", new Set([realRoot]));
  return out;
}

/**
 * The manifest of an existing `s3://` data source, from its listing alone (nothing is copied).
 * Keys are relative to `prefix`; folder markers (keys ending in "/") are left out.
 */
export async function remoteListingManifest(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Manifest> {
  const { objects } = await listRemote(s3, bucket, prefix);
  return makeManifest(objects);
}

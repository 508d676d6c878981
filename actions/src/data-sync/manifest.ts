// A data set's manifest: every file's posix path relative to the data root, its size and the S3
// ETag it has (or will have once uploaded), plus one hash over all of it. The hash feeds the
// training fingerprint, so it depends on content only: never on mtimes, walk order or machine.
import { createHash } from "node:crypto";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import picomatch from "picomatch";
import type { Logger } from "../logger.js";
import { s3EtagOfFile } from "./etag.js";
import { runPool } from "../pool.js";
import { listRemote } from "./remote.js";

export interface ManifestEntry {
  /** Posix path relative to the data root (the S3 key below the prefix). */
  path: string;
  size: number;
  /** S3 ETag without quotes: hex MD5, or `md5-of-part-md5s-N` for multipart objects. */
  etag: string;
}

export interface Manifest {
  /** Sorted by path (UTF-8 byte order, as S3 lists keys). */
  files: ManifestEntry[];
  /** sha256 hex over the sorted (path, size, etag) lines. */
  hash: string;
}

export interface LocalManifestOptions {
  /** Files hashed at once (default 8). */
  concurrency?: number;
  /** Told about skipped symlinks. */
  logger?: Logger;
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
  const files = await listLocalFiles(dir, exclude, options.logger);
  const entries: ManifestEntry[] = new Array<ManifestEntry>(files.length);
  await runPool(files, options.concurrency ?? 8, async (file, index) => {
    const etag = await s3EtagOfFile(file.absolute, file.size).catch((error: unknown) => {
      throw new Error(
        `hashing ${file.absolute}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    });
    entries[index] = { path: file.path, size: file.size, etag };
  });
  return makeManifest(entries);
}

interface LocalFile {
  path: string;
  absolute: string;
  size: number;
}

async function listLocalFiles(
  root: string,
  exclude: string[],
  logger?: Logger,
): Promise<LocalFile[]> {
  const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  const realRoot = await realpath(root);
  const rootStat = await stat(realRoot);
  if (!rootStat.isDirectory()) throw new Error(`data source ${root} is not a folder`);
  const out: LocalFile[] = [];

  const inside = (real: string): boolean => real === realRoot || real.startsWith(realRoot + sep);

  // `ancestors` holds the real paths of the folders being walked, to stop symlink loops.
  const walk = async (absolute: string, ancestors: ReadonlySet<string>): Promise<void> => {
    const dirents = await readdir(absolute, { withFileTypes: true });
    dirents.sort((a, b) => comparePaths(a.name, b.name));
    for (const dirent of dirents) {
      const child = join(absolute, dirent.name);
      const rel = relative(root, child).split(sep).join("/");
      if (isExcluded(rel)) continue;
      let info = await lstat(child);
      if (info.isSymbolicLink()) {
        const target = await realpath(child).catch(() => undefined);
        if (target === undefined || !inside(target)) {
          logger?.warn(`data: skipping symlink ${rel}: it points outside ${root} or nowhere`);
          continue;
        }
        if (ancestors.has(target)) {
          logger?.warn(`data: skipping symlink ${rel}: it loops back to a parent folder`);
          continue;
        }
        info = await stat(target);
      }
      if (info.isDirectory()) {
        const real = await realpath(child);
        await walk(child, new Set([...ancestors, real]));
      } else if (info.isFile()) {
        out.push({ path: rel, absolute: child, size: info.size });
      }
      // Sockets, FIFOs and devices are not data: skipped.
    }
  };
  await walk(root, new Set([realRoot]));
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

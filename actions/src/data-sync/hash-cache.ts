// A persistent, stat-keyed cache of file ETags, so a re-sync of an unchanged tree only stats its
// files instead of re-reading them (the idea of git's index). It is an optimisation only: a
// missing, corrupt or unwritable cache costs a full re-hash, never a failed sync. It holds stat
// fields and ETags, never file contents.
import { createHash, randomBytes } from "node:crypto";
import { realpathSync, type BigIntStats } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "../logger.js";

export const HASH_CACHE_VERSION = 1;

/**
 * Entries whose mtime or ctime falls within this window before the cache is written are not
 * kept. A write landing in the same timestamp tick as our read leaves mtime, ctime and size as
 * we recorded them, so the stale ETag would be reused forever ("racy git"). Timestamps are far
 * coarser than nanoseconds in practice (the kernel's coarse clock ticks every few ms; ext3 and
 * HFS+ keep whole seconds; FAT keeps 2 s), so 2 s covers the coarsest common granularity. The
 * cost is re-hashing files changed in the last 2 s before a run, which are few.
 */
export const RACY_WINDOW_NS = 2_000_000_000n;

/** What a file is recognised by. ctime matters: no utimes call can set it, any write moves it. */
export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export const stampOf = (info: BigIntStats): FileStamp => ({
  size: Number(info.size),
  mtimeNs: info.mtimeNs,
  ctimeNs: info.ctimeNs,
  ino: info.ino,
});

/** One file's entry on disk; bigints are decimal strings since JSON has no 64-bit integers. */
interface StoredEntry {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  etag: string;
}

interface StoredCache {
  version: number;
  entries: Record<string, StoredEntry>;
}

export interface HashCacheOptions {
  /** Told (at debug level) why a cache file was not used, and (warn) why it was not saved. */
  logger?: Logger | undefined;
  /** Wall clock in ns since the epoch, which the racy window is measured from (tests move it). */
  now?: (() => bigint) | undefined;
}

const wallClockNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class HashCache {
  /** Entries for the files seen this run: what `save` writes, so vanished files drop out. */
  private readonly next = new Map<string, StoredEntry>();
  /** Whether anything was hashed this run: if not, and no file vanished, the file is current. */
  private hashedAny = false;

  private readonly startedNs: bigint;

  private constructor(
    private readonly file: string,
    private readonly previous: ReadonlyMap<string, StoredEntry>,
    private readonly options: HashCacheOptions,
  ) {
    this.startedNs = (options.now ?? wallClockNs)();
  }

  /** Reads `file`; anything unusable (missing, corrupt, another version) gives an empty cache. */
  static async load(file: string, options: HashCacheOptions = {}): Promise<HashCache> {
    let previous = new Map<string, StoredEntry>();
    try {
      previous = parse(await readFile(file, "utf8"));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") {
        const why = error instanceof Error ? error.message : String(error);
        options.logger?.debug(`data: ignoring hash cache ${file}: ${why}`);
      }
    }
    return new HashCache(file, previous, options);
  }

  /** The cached ETag of `path` if the file still has the stamp it had when it was hashed. */
  lookup(path: string, stamp: FileStamp): string | undefined {
    const entry = this.previous.get(path);
    if (
      entry === undefined ||
      entry.size !== stamp.size ||
      entry.mtimeNs !== String(stamp.mtimeNs) ||
      entry.ctimeNs !== String(stamp.ctimeNs) ||
      entry.ino !== String(stamp.ino)
    ) {
      return undefined;
    }
    this.next.set(path, entry);
    return entry.etag;
  }

  /** Remembers the ETag hashed for `path`; `stamp` must be taken before the file was read. */
  record(path: string, stamp: FileStamp, etag: string): void {
    this.hashedAny = true;
    this.next.set(path, {
      size: stamp.size,
      mtimeNs: String(stamp.mtimeNs),
      ctimeNs: String(stamp.ctimeNs),
      ino: String(stamp.ino),
      etag,
    });
  }

  /** Writes the looked-up and recorded entries atomically; failures are logged, not thrown. */
  async save(): Promise<void> {
    if (!this.hashedAny && this.next.size === this.previous.size) return;
    // Measured from when this run began, before any file was stat'ed or read: a file rewritten
    // during the run, even in the same timestamp tick as our read, falls inside the window.
    const cutoff = this.startedNs - RACY_WINDOW_NS;
    const entries: Record<string, StoredEntry> = {};
    for (const [path, entry] of this.next) {
      if (BigInt(entry.mtimeNs) < cutoff && BigInt(entry.ctimeNs) < cutoff) {
        // defineProperty: a file named "__proto__" must stay a plain key.
        Object.defineProperty(entries, path, { value: entry, enumerable: true, writable: true });
      }
    }
    const stored: StoredCache = { version: HASH_CACHE_VERSION, entries };
    // Temp file in the same folder: rename is atomic only within one file system, so a reader
    // (or a concurrent run) sees the old cache or the new one, never half of one.
    const tmp = `${this.file}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(tmp, JSON.stringify(stored));
      await rename(tmp, this.file);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.options.logger?.warn(`data: could not save hash cache ${this.file}: ${why}`);
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

function parse(text: string): Map<string, StoredEntry> {
  const data = JSON.parse(text) as unknown;
  if (!isRecord(data) || data["version"] !== HASH_CACHE_VERSION || !isRecord(data["entries"])) {
    // Internal invariant: the loader catches it and starts an empty cache: a bad cache file never fails a sync.
    throw new Error(`not a version ${HASH_CACHE_VERSION} hash cache`);
  }
  const entries = new Map<string, StoredEntry>();
  for (const [path, entry] of Object.entries(data["entries"])) {
    if (isEntry(entry)) entries.set(path, entry);
  }
  return entries;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isEntry = (value: unknown): value is StoredEntry =>
  isRecord(value) &&
  typeof value["size"] === "number" &&
  typeof value["mtimeNs"] === "string" &&
  /^-?\d+$/.test(value["mtimeNs"]) &&
  typeof value["ctimeNs"] === "string" &&
  /^-?\d+$/.test(value["ctimeNs"]) &&
  typeof value["ino"] === "string" &&
  typeof value["etag"] === "string";

/**
 * `<cacheDir>/hash-cache/<first 16 hex of sha256(realpath of dataDir)>.json`: one cache per data
 * folder, whichever path (symlink, relative) names it.
 */
export function defaultHashCacheFile(cacheDir: string, dataDir: string): string {
  let real: string;
  try {
    real = realpathSync(dataDir);
  } catch {
    // A missing folder fails the walk anyway; the helper itself never throws.
    real = resolve(dataDir);
  }
  const key = createHash("sha256").update(real).digest("hex").slice(0, 16);
  return join(cacheDir, "hash-cache", `${key}.json`);
}

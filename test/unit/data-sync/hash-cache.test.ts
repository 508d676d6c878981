import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildLocalManifest,
  type LocalManifestOptions,
  type ManifestStats,
} from "../../../actions/src/data-sync/manifest.js";
import {
  defaultHashCacheFile,
  HASH_CACHE_VERSION,
} from "../../../actions/src/data-sync/hash-cache.js";
import { memoryLogger } from "../../../actions/src/logger.js";

let root: string;
let dir: string;
let cacheFile: string;

const write = (rel: string, content: string | Buffer): void => {
  const path = join(dir, ...rel.split("/"));
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
};
const md5 = (s: string): string => createHash("md5").update(s).digest("hex");

// The files were all written moments ago, so with the real clock every entry is racy and none
// is kept; saving "a minute later" lets the tests see reuse without sleeping.
const aMinuteLater = (): bigint => BigInt(Date.now() + 60_000) * 1_000_000n;
const realClock = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Builds the manifest through the cache and returns it with the hashed/reused counts. */
const cached = async (options: LocalManifestOptions = {}) => {
  const stats: ManifestStats = { hashed: -1, reused: -1 };
  const manifest = await buildLocalManifest(dir, [], {
    hashCacheFile: cacheFile,
    hashCacheClock: aMinuteLater,
    stats,
    ...options,
  });
  return { manifest, stats };
};

const storedPaths = (): string[] => {
  const data = JSON.parse(readFileSync(cacheFile, "utf8")) as { entries: object };
  return Object.keys(data.entries).sort();
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "mlops-hash-cache-"));
  dir = join(root, "data");
  cacheFile = join(root, "cache", "nested", "hashes.json");
  write("train/b/2.jpg", "bbbb");
  write("train/a/1.jpg", "aaaa");
  write("valid/c.jpg", "cccc");
  write("labels.csv", "x,y\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("buildLocalManifest with a hash cache", () => {
  it("gives the same manifest with and without the cache, cold and warm", async () => {
    const plain = await buildLocalManifest(dir, []);
    const cold = await cached();
    expect(cold.stats).toEqual({ hashed: 4, reused: 0 });
    expect(existsSync(cacheFile)).toBe(true);
    const warm = await cached();
    expect(warm.stats).toEqual({ hashed: 0, reused: 4 });
    expect(JSON.stringify(cold.manifest)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(warm.manifest)).toBe(JSON.stringify(plain));
  });

  it("hashes nothing on a second run over an unchanged tree", async () => {
    await cached();
    const second = await cached();
    expect(second.stats).toEqual({ hashed: 0, reused: 4 });
    // Reading a file's metadata (atime) is not a change either.
    readFileSync(join(dir, "labels.csv"));
    expect((await cached()).stats.hashed).toBe(0);
  });

  it("re-hashes a same-size edit whose mtime was set back a day", async () => {
    const before = (await cached()).manifest;
    const file = join(dir, "train/a/1.jpg");
    const dayAgo = new Date(statSync(file).mtimeMs - 24 * 3600 * 1000);
    write("train/a/1.jpg", "AAAA");
    utimesSync(file, dayAgo, dayAgo);
    const after = await cached();
    expect(after.stats).toEqual({ hashed: 1, reused: 3 });
    expect(after.manifest.hash).not.toBe(before.hash);
    expect(after.manifest.files).toContainEqual({
      path: "train/a/1.jpg",
      size: 4,
      etag: md5("AAAA"),
    });
    expect(after.manifest).toEqual(await buildLocalManifest(dir, []));
  });

  it("re-hashes a same-size edit whose mtime was restored exactly: ctime gives it away", async () => {
    const file = join(dir, "valid/c.jpg");
    const fixed = new Date("2020-02-02T02:02:02Z");
    utimesSync(file, fixed, fixed);
    await cached();
    const { mtimeNs, ctimeNs } = statSync(file, { bigint: true });
    // File times come from a coarse kernel clock (a few ms a tick): an edit within the same tick
    // is the racy case the window covers, which this test's clock skips on purpose.
    await new Promise((done) => setTimeout(done, 50));
    write("valid/c.jpg", "CCCC");
    utimesSync(file, fixed, fixed);
    const now = statSync(file, { bigint: true });
    expect(now.mtimeNs).toBe(mtimeNs);
    expect(now.ctimeNs).not.toBe(ctimeNs);
    const after = await cached();
    expect(after.stats).toEqual({ hashed: 1, reused: 3 });
    expect(after.manifest.files).toContainEqual({
      path: "valid/c.jpg",
      size: 4,
      etag: md5("CCCC"),
    });
  });

  it("hashes added files and drops deleted ones from the cache", async () => {
    await cached();
    rmSync(join(dir, "train/b/2.jpg"));
    write("train/b/3.jpg", "dddd");
    write("__proto__", "odd name, plain key");
    const after = await cached();
    expect(after.stats).toEqual({ hashed: 2, reused: 3 });
    expect(after.manifest).toEqual(await buildLocalManifest(dir, []));
    expect(storedPaths()).toEqual(after.manifest.files.map((f) => f.path).sort());
    expect(storedPaths()).not.toContain("train/b/2.jpg");
    expect((await cached()).stats).toEqual({ hashed: 0, reused: 5 });
  });

  it("ignores a corrupt, unknown-version or unreadable cache and still builds the manifest", async () => {
    const plain = await buildLocalManifest(dir, []);
    mkdirSync(join(cacheFile, ".."), { recursive: true });
    for (const junk of ["{not json", JSON.stringify({ version: 999, entries: {} }), "null"]) {
      writeFileSync(cacheFile, junk);
      const logger = memoryLogger();
      const run = await cached({ logger });
      expect(run.manifest).toEqual(plain);
      expect(run.stats.hashed).toBe(4);
      expect(logger.lines.some((l) => l.startsWith("debug:") && l.includes("hash cache"))).toBe(
        true,
      );
    }
    // The run above rewrote a good cache; a bogus entry in it is a miss, not a crash.
    const data = JSON.parse(readFileSync(cacheFile, "utf8")) as {
      entries: Record<string, unknown>;
    };
    data.entries["labels.csv"] = { size: "four", etag: 7 };
    writeFileSync(cacheFile, JSON.stringify(data));
    expect((await cached()).stats).toEqual({ hashed: 1, reused: 3 });

    // A folder where the cache file should be: unreadable and unwritable, and only warned about.
    rmSync(cacheFile);
    mkdirSync(cacheFile);
    const logger = memoryLogger();
    const run = await cached({ logger });
    expect(run.manifest).toEqual(plain);
    expect(logger.lines.some((l) => l.startsWith("warn:") && l.includes("hash cache"))).toBe(true);
  });

  it("re-hashes files written within the racy window on the next run", async () => {
    // The real clock: every file was written just now, so a write later in the same timestamp
    // tick could go unnoticed and none of them may be trusted next time.
    await cached({ hashCacheClock: realClock });
    expect(storedPaths()).toEqual([]);
    expect((await cached({ hashCacheClock: realClock })).stats).toEqual({ hashed: 4, reused: 0 });

    // Back-dated mtimes do not help: utimes itself moves ctime to now.
    const old = new Date(Date.now() - 3600 * 1000);
    for (const f of ["labels.csv", "train/a/1.jpg", "train/b/2.jpg", "valid/c.jpg"]) {
      utimesSync(join(dir, f), old, old);
    }
    await cached({ hashCacheClock: realClock });
    expect(storedPaths()).toEqual([]);
    // Once the window has passed the entries are kept and reused.
    await cached();
    expect((await cached()).stats).toEqual({ hashed: 0, reused: 4 });
  });

  it("keeps no entry for a file changed after the run began, however long the run took", async () => {
    // The clock reads when the run begins and again at save: a file whose ctime is after the
    // start may have been rewritten after we read it, in the same timestamp tick.
    const changedAt = statSync(join(dir, "labels.csv")).ctimeMs;
    const ticks = [changedAt - 1_000, changedAt + 600_000]; // the save comes ten minutes later
    const clock = (): bigint =>
      BigInt(Math.round(ticks.shift() ?? changedAt + 600_000)) * 1_000_000n;
    await cached({ hashCacheClock: clock });
    expect(existsSync(cacheFile) ? storedPaths() : []).not.toContain("labels.csv");
  });

  it("stores stat fields and ETags only, never file contents", async () => {
    write("secret.txt", "the-secret-payload-42");
    await cached();
    const text = readFileSync(cacheFile, "utf8");
    expect(text).not.toContain("the-secret-payload-42");
    const data = JSON.parse(text) as { version: number; entries: Record<string, object> };
    expect(data.version).toBe(HASH_CACHE_VERSION);
    const secret = data.entries["secret.txt"];
    expect(Object.keys(secret ?? {}).sort()).toEqual(["ctimeNs", "etag", "ino", "mtimeNs", "size"]);
    expect(secret).toMatchObject({ size: 21, etag: md5("the-secret-payload-42") });
  });
});

describe("defaultHashCacheFile", () => {
  it("names one file per real data folder, whichever path reaches it", () => {
    const link = join(root, "link");
    symlinkSync(dir, link);
    const file = defaultHashCacheFile("/cache", dir);
    const key = createHash("sha256").update(realpathSync(dir)).digest("hex").slice(0, 16);
    expect(file).toBe(join("/cache", "hash-cache", `${key}.json`));
    expect(defaultHashCacheFile("/cache", link)).toBe(file);
    expect(defaultHashCacheFile("/cache", join(root, "other"))).not.toBe(file);
  });
});

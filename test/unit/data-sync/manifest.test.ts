import { createHash } from "node:crypto";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildLocalManifest,
  makeManifest,
  remoteListingManifest,
} from "../../../actions/src/data-sync/manifest.js";
import { memoryLogger } from "../../../actions/src/logger.js";

let root: string;
let dir: string;

const write = (rel: string, content: string | Buffer): void => {
  const path = join(dir, ...rel.split("/"));
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
};
const md5 = (s: string): string => createHash("md5").update(s).digest("hex");

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "mlops-manifest-"));
  dir = join(root, "data");
  write("train/b/2.jpg", "bbbb");
  write("train/a/1.jpg", "aaaa");
  write("valid/c.jpg", "cccc");
  write("labels.csv", "x,y\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("buildLocalManifest", () => {
  it("lists files sorted with posix paths, sizes and ETags", async () => {
    const manifest = await buildLocalManifest(dir, []);
    expect(manifest.files).toEqual([
      { path: "labels.csv", size: 4, etag: md5("x,y\n") },
      { path: "train/a/1.jpg", size: 4, etag: md5("aaaa") },
      { path: "train/b/2.jpg", size: 4, etag: md5("bbbb") },
      { path: "valid/c.jpg", size: 4, etag: md5("cccc") },
    ]);
    expect(manifest.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes content only: new mtimes and another location give the same hash", async () => {
    const first = await buildLocalManifest(dir, []);
    for (const f of ["labels.csv", "train/a/1.jpg", "valid/c.jpg", "train", "valid"]) {
      utimesSync(join(dir, f), new Date("2001-01-01T00:00:00Z"), new Date("2001-01-01T00:00:00Z"));
    }
    expect(await buildLocalManifest(dir, [])).toEqual(first);
    const copy = join(root, "elsewhere", "copy");
    cpSync(dir, copy, { recursive: true });
    expect((await buildLocalManifest(copy, [])).hash).toBe(first.hash);
  });

  it("detects a same-size content change even with an older mtime", async () => {
    const before = await buildLocalManifest(dir, []);
    write("train/a/1.jpg", "AAAA");
    const old = new Date("2000-01-01T00:00:00Z");
    utimesSync(join(dir, "train/a/1.jpg"), old, old);
    const after = await buildLocalManifest(dir, []);
    expect(after.hash).not.toBe(before.hash);
    const changed = after.files.filter((f, i) => f.etag !== before.files[i]?.etag);
    expect(changed).toEqual([{ path: "train/a/1.jpg", size: 4, etag: md5("AAAA") }]);
  });

  it("applies picomatch excludes, dot files included, folders pruned", async () => {
    write(".DS_Store", "junk");
    write("train/.DS_Store", "junk");
    write("cache/x.bin", "x");
    write("train/a/tmp.partial", "p");
    write(".hidden/keep.txt", "k");
    const manifest = await buildLocalManifest(dir, ["**/.DS_Store", "cache", "**/*.partial"]);
    expect(manifest.files.map((f) => f.path)).toEqual([
      ".hidden/keep.txt",
      "labels.csv",
      "train/a/1.jpg",
      "train/b/2.jpg",
      "valid/c.jpg",
    ]);
    const all = await buildLocalManifest(dir, []);
    expect(all.files.map((f) => f.path)).toContain("cache/x.bin");
  });

  it("follows symlinks inside the folder and skips those that leave it or loop", async () => {
    writeFileSync(join(root, "secret.txt"), "outside");
    symlinkSync(join(root, "secret.txt"), join(dir, "escape.txt"));
    symlinkSync(root, join(dir, "escape-dir"));
    symlinkSync("train/a/1.jpg", join(dir, "alias.jpg"));
    symlinkSync("..", join(dir, "valid", "loop"));
    symlinkSync("nowhere", join(dir, "dangling"));
    const logger = memoryLogger();
    const manifest = await buildLocalManifest(dir, [], { logger });
    expect(manifest.files.map((f) => f.path)).toEqual([
      "alias.jpg",
      "labels.csv",
      "train/a/1.jpg",
      "train/b/2.jpg",
      "valid/c.jpg",
    ]);
    expect(manifest.files[0]).toEqual({ path: "alias.jpg", size: 4, etag: md5("aaaa") });
    expect(logger.lines.filter((l) => l.startsWith("warn:"))).toHaveLength(4);
  });

  it("sorts by UTF-8 bytes, the order S3 lists keys in", async () => {
    write("Z.txt", "1");
    write("a.txt", "2");
    write("é.txt", "3");
    const paths = (await buildLocalManifest(dir, [])).files.map((f) => f.path);
    expect(paths.indexOf("Z.txt")).toBeLessThan(paths.indexOf("a.txt"));
    expect(paths.at(-1)).toBe("é.txt");
  });

  it("fails clearly when the source is not a folder", async () => {
    await expect(buildLocalManifest(join(dir, "labels.csv"), [])).rejects.toThrow(/not a folder/);
    await expect(buildLocalManifest(join(root, "missing"), [])).rejects.toThrow(/ENOENT/);
  });
});

describe("makeManifest", () => {
  it("does not depend on input order, and any field changes the hash", () => {
    const a = { path: "a", size: 1, etag: "x" };
    const b = { path: "b", size: 2, etag: "y" };
    const hash = makeManifest([a, b]).hash;
    expect(makeManifest([b, a]).hash).toBe(hash);
    expect(makeManifest([a, { ...b, size: 3 }]).hash).not.toBe(hash);
    expect(makeManifest([a, { ...b, etag: "z" }]).hash).not.toBe(hash);
    expect(makeManifest([a, { ...b, path: "c" }]).hash).not.toBe(hash);
    expect(makeManifest([]).hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is a stable, documented function of the entries (golden value)", () => {
    const manifest = makeManifest([{ path: "train/a.jpg", size: 3, etag: md5("abc") }]);
    const expected = createHash("sha256")
      .update(`mlops-data-manifest-v1\n${JSON.stringify(["train/a.jpg", 3, md5("abc")])}\n`)
      .digest("hex");
    expect(manifest.hash).toBe(expected);
  });
});

describe("remoteListingManifest", () => {
  it("lists every page, makes keys relative and skips folder markers", async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      IsTruncated: true,
      NextContinuationToken: "t1",
      Contents: [
        { Key: "data/dogs/", Size: 0, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' },
        { Key: "data/dogs/train/a.jpg", Size: 3, ETag: `"${md5("abc")}"` },
      ],
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: "t1" }).resolves({
      IsTruncated: false,
      Contents: [{ Key: "data/dogs/big.bin", Size: 20, ETag: '"ffff-3"' }],
    });
    const manifest = await remoteListingManifest(new S3Client({}), "bucket", "data/dogs");
    expect(manifest.files).toEqual([
      { path: "big.bin", size: 20, etag: "ffff-3" },
      { path: "train/a.jpg", size: 3, etag: md5("abc") },
    ]);
    const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Prefix, c.ContinuationToken])).toEqual([
      ["data/dogs/", undefined],
      ["data/dogs/", "t1"],
    ]);
    // Same hash as a local folder with the same content would give.
    expect(manifest.hash).toBe(makeManifest(manifest.files).hash);
    s3.restore();
  });
});

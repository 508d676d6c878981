// Data sync against a real S3 emulator over HTTP (moto_server, started here on a free port).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MULTIPART_THRESHOLD } from "../../actions/src/data-sync/etag.js";
import { buildLocalManifest, remoteListingManifest } from "../../actions/src/data-sync/manifest.js";
import { listRemote } from "../../actions/src/data-sync/remote.js";
import { syncDataset, type SyncResult } from "../../actions/src/data-sync/sync.js";
import { memoryLogger } from "../../actions/src/logger.js";

const BUCKET = "mlops-data-sync-it";
const PREFIX = "datasets/dogs";
const BIG_SIZE = 17 * 1024 * 1024 + 5;

let moto: ChildProcess | undefined;
let s3: S3Client;
let dir: string;
const calls = new Map<string, number>();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, failed: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = failed();
    if (failure !== undefined) throw new Error("moto_server could not start", { cause: failure });
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`moto_server did not start at ${url}`, { cause: error });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  let failure: unknown;
  moto.once("error", (error) => (failure = error));
  moto.once("exit", (code) => (failure ??= new Error(`moto_server exited with ${String(code)}`)));
  await waitForHttp(`${endpoint}/moto-api/`, 30_000, () => failure);
  s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  // Count every command sent, independently of what syncDataset reports about itself.
  s3.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? "?";
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  dir = mkdtempSync(join(tmpdir(), "mlops-data-sync-it-"));
  for (const split of ["train", "valid", "test"]) {
    mkdirSync(join(dir, split, "001.Affenpinscher"), { recursive: true });
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, split, "001.Affenpinscher", `${i}.jpg`), `${split} image ${i}`);
    }
  }
  writeFileSync(join(dir, "labels.csv"), "id,label\n1,affenpinscher\n");
  const block = Buffer.from(Array.from({ length: 251 }, (_, i) => i));
  writeFileSync(join(dir, "features.bin"), Buffer.alloc(BIG_SIZE, block)); // byte i = i % 251
});

afterAll(() => {
  if (moto?.pid !== undefined) moto.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const count = (name: string): number => calls.get(name) ?? 0;

async function sync(
  deleteExtraneous: boolean,
): Promise<{ result: SyncResult; commands: Map<string, number> }> {
  calls.clear();
  const manifest = await buildLocalManifest(dir, []);
  const result = await syncDataset({
    s3,
    bucket: BUCKET,
    prefix: PREFIX,
    sourceDir: dir,
    manifest,
    delete: deleteExtraneous,
    logger: memoryLogger(),
    listPageSize: 4, // several ListObjectsV2 pages
  });
  return { result, commands: new Map(calls) };
}

const head = (path: string) =>
  s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${path}` }));

describe("data sync against moto S3", () => {
  it("uploads everything at first, the large file multipart with the manifest's ETag", async () => {
    const { result } = await sync(false);
    expect(result.uploaded).toHaveLength(11);
    expect(result.requests.put).toBe(11);
    // The prefix is listed in ranges of 4 of the manifest's keys, in parallel: 3 pages.
    expect(result.requests.list).toBe(3);
    expect(count("CreateMultipartUploadCommand")).toBe(1);
    expect(count("UploadPartCommand")).toBe(3);
    expect(count("CompleteMultipartUploadCommand")).toBe(1);
    expect(count("PutObjectCommand")).toBe(10);

    const manifest = await buildLocalManifest(dir, []);
    const big = manifest.files.find((f) => f.path === "features.bin");
    expect(big?.size).toBeGreaterThanOrEqual(MULTIPART_THRESHOLD);
    expect(big?.etag).toBe("790b520857a651dea4afc36fe222752d-3");
    const remote = await head("features.bin");
    expect(remote.ETag).toBe(`"${big?.etag ?? ""}"`);
    expect(remote.ContentLength).toBe(BIG_SIZE);

    const image = await head("train/001.Affenpinscher/0.jpg");
    expect(image.ContentType).toBe("image/jpeg");
    expect(image.ServerSideEncryption).toBe("AES256");

    // The listing manifest of the synced prefix equals the local one: same fingerprint.
    expect((await remoteListingManifest(s3, BUCKET, PREFIX)).hash).toBe(manifest.hash);
  });

  it("uploads nothing on a second sync without changes (the large file included)", async () => {
    const { result, commands } = await sync(false);
    expect(result.uploaded).toEqual([]);
    expect(result.unchanged).toBe(11);
    expect(result.bytesUploaded).toBe(0);
    expect(result.requests.list).toBeGreaterThan(1);
    expect([...commands.keys()]).toEqual(["ListObjectsV2Command"]);
  });

  it("detects a same-size change with an older mtime and uploads only that object", async () => {
    const path = join(dir, "valid", "001.Affenpinscher", "1.jpg");
    writeFileSync(path, "VALID IMAGE 1"); // same length as "valid image 1"
    const old = new Date("2001-01-01T00:00:00Z");
    utimesSync(path, old, old);

    const { result, commands } = await sync(false);
    expect(result.uploaded).toEqual(["valid/001.Affenpinscher/1.jpg"]);
    expect(result.requests.put).toBe(1);
    expect(commands.get("PutObjectCommand")).toBe(1);
    expect(commands.get("CreateMultipartUploadCommand")).toBeUndefined();
    const body = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/valid/001.Affenpinscher/1.jpg` }),
    );
    expect(await body.Body?.transformToString()).toBe("VALID IMAGE 1");
  });

  it("keeps a deleted file's object unless delete is true, then removes only it", async () => {
    unlinkSync(join(dir, "test", "001.Affenpinscher", "2.jpg"));

    const kept = await sync(false);
    expect(kept.result.extraneousKept).toBe(1);
    expect(kept.result.deleted).toEqual([]);
    expect(kept.commands.get("DeleteObjectsCommand")).toBeUndefined();
    expect((await head("test/001.Affenpinscher/2.jpg")).ContentLength).toBeGreaterThan(0);

    const removed = await sync(true);
    expect(removed.result.deleted).toEqual(["test/001.Affenpinscher/2.jpg"]);
    expect(removed.result.uploaded).toEqual([]);
    expect(removed.result.requests.delete).toBe(1);
    await expect(head("test/001.Affenpinscher/2.jpg")).rejects.toMatchObject({ name: "NotFound" });
    expect((await head("test/001.Affenpinscher/1.jpg")).ContentLength).toBeGreaterThan(0);

    const again = await sync(true);
    expect(again.result).toMatchObject({
      uploaded: [],
      deleted: [],
      unchanged: 10,
      extraneousKept: 0,
    });
  });
});

describe("listing a prefix in parallel key ranges (StartAfter) against moto", () => {
  it("finds every object once, whatever lies between, before or after the expected keys", async () => {
    const prefix = "ranges/";
    const expected = Array.from({ length: 10 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    // Not expected: before the first key, inside ranges, at a range's edge and past the last.
    const unexpected = ["a", "k03a", "k03b", "k04a", "k07-", "k09a", "z/deep/key"];
    const missing = new Set(["k05", "k08"]); // expected but absent
    const present = [...expected.filter((k) => !missing.has(k)), ...unexpected];
    for (const key of present) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix + key, Body: key }));
    }
    calls.clear();
    const listing = await listRemote(s3, BUCKET, prefix, { expected, pageSize: 3 });
    expect(listing.objects.map((o) => o.path)).toEqual([...present].sort());
    expect(listing.objects.find((o) => o.path === "k03a")).toMatchObject({ size: 4 });
    expect(listing.requests).toBe(count("ListObjectsV2Command"));
    // Ranges (,k02] (k02,k05] (k05,k08] (k08,): 4 pages at least, more where extras overflow.
    expect(listing.requests).toBeGreaterThanOrEqual(4);
  });
});

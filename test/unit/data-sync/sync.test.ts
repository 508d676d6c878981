import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeClock } from "../../../actions/src/clock.js";
import { buildLocalManifest } from "../../../actions/src/data-sync/manifest.js";
import { SyncAbortedError, syncDataset } from "../../../actions/src/data-sync/sync.js";
import { memoryLogger, silentLogger } from "../../../actions/src/logger.js";

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: "us-east-1" });
let dir: string;

const md5 = (s: string | Buffer): string => createHash("md5").update(s).digest("hex");
const quoted = (s: string | Buffer): string => `"${md5(s)}"`;

beforeEach(() => {
  s3mock.reset();
  dir = mkdtempSync(join(tmpdir(), "mlops-sync-unit-"));
  mkdirSync(join(dir, "train"));
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, "train", `${i}.jpg`), `image ${i}`);
  writeFileSync(join(dir, "labels.csv"), "a,b\n");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const listing = (objects: { Key: string; body: string }[]) =>
  s3mock.on(ListObjectsV2Command).resolves({
    IsTruncated: false,
    Contents: objects.map((o) => ({ Key: o.Key, Size: o.body.length, ETag: quoted(o.body) })),
  });

const putEchoesMd5 = () =>
  s3mock
    .on(PutObjectCommand)
    .callsFake((input: { Body: Buffer }) => ({ ETag: quoted(input.Body) }));

describe("syncDataset (mocked S3)", () => {
  it("uploads only missing and changed files, with encryption, type and Content-MD5", async () => {
    listing([
      { Key: "ds/train/0.jpg", body: "image 0" },
      { Key: "ds/train/1.jpg", body: "IMAGE 1" },
      { Key: "ds/labels.csv", body: "a,b\n" },
    ]);
    putEchoesMd5();
    const manifest = await buildLocalManifest(dir, []);
    const result = await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: false,
      logger: silentLogger,
    });
    expect(result.uploaded).toEqual(["train/1.jpg", "train/2.jpg", "train/3.jpg", "train/4.jpg"]);
    expect(result.unchanged).toBe(2);
    expect(result.requests).toEqual({ list: 1, put: 4, delete: 0 });
    expect(result.bytesUploaded).toBe(4 * "image 0".length);
    const put = s3mock
      .commandCalls(PutObjectCommand)
      .find((c) => c.args[0].input.Key === "ds/train/1.jpg");
    expect(put?.args[0].input).toMatchObject({
      Bucket: "b",
      ServerSideEncryption: "AES256",
      ContentType: "image/jpeg",
      ContentMD5: createHash("md5").update("image 1").digest("base64"),
    });
  });

  it("deletes extraneous keys in batches of 1000 only when asked", async () => {
    const extra = Array.from({ length: 2500 }, (_, i) => ({ Key: `ds/old/${i}.jpg`, body: "x" }));
    listing(extra);
    putEchoesMd5();
    s3mock.on(DeleteObjectsCommand).resolves({});
    const manifest = await buildLocalManifest(dir, []);
    const base = { s3, bucket: "b", prefix: "ds/", sourceDir: dir, manifest, logger: silentLogger };

    const kept = await syncDataset({ ...base, delete: false });
    expect(kept.extraneousKept).toBe(2500);
    expect(s3mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);

    const result = await syncDataset({ ...base, delete: true });
    const batches = s3mock
      .commandCalls(DeleteObjectsCommand)
      .map((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]?.[0]).toEqual({ Key: "ds/old/0.jpg" });
    expect(result.deleted).toHaveLength(2500);
    expect(result.requests.delete).toBe(3);
  });

  it("reports DeleteObjects per-key errors", async () => {
    listing([{ Key: "ds/old.jpg", body: "x" }]);
    putEchoesMd5();
    s3mock.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: "ds/old.jpg", Code: "AccessDenied", Message: "nope" }],
    });
    const manifest = await buildLocalManifest(dir, []);
    await expect(
      syncDataset({
        s3,
        bucket: "b",
        prefix: "ds",
        sourceDir: dir,
        manifest,
        delete: true,
        logger: silentLogger,
      }),
    ).rejects.toThrow(/deleting 1 object.*access denied/);
  });

  it("keeps at most `concurrency` uploads in flight", async () => {
    listing([]);
    let inFlight = 0;
    let peak = 0;
    s3mock.on(PutObjectCommand).callsFake(async (input: { Body: Buffer }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { ETag: quoted(input.Body) };
    });
    const manifest = await buildLocalManifest(dir, []);
    const result = await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: false,
      logger: silentLogger,
      concurrency: 2,
    });
    expect(result.uploaded).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it("tries an upload S3 still throttles again at a narrower width, and runs the hook once", async () => {
    listing([]);
    const slowDown = Object.assign(new Error("Please reduce your request rate."), {
      name: "SlowDown",
      $metadata: { httpStatusCode: 503 },
    });
    const refused = new Map<string, number>();
    s3mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer }) => {
      const times = refused.get(input.Key) ?? 0;
      if (input.Key.endsWith("0.jpg") && times < 2) {
        refused.set(input.Key, times + 1);
        throw slowDown;
      }
      return { ETag: quoted(input.Body) };
    });
    let hookRuns = 0;
    const manifest = await buildLocalManifest(dir, []);
    const result = await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: false,
      logger: silentLogger,
      beforeChanges: () => {
        expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
        hookRuns++;
        return Promise.resolve();
      },
    });
    expect(result.uploaded).toHaveLength(6);
    expect(refused.get("ds/train/0.jpg")).toBe(2);
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(8);
    expect(hookRuns).toBe(1);
  });

  it("runs no hook and sends no write when nothing differs", async () => {
    const manifest = await buildLocalManifest(dir, []);
    let hookRuns = 0;
    const result = await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: true,
      logger: silentLogger,
      remote: manifest.files,
      beforeChanges: () => {
        hookRuns++;
        return Promise.resolve();
      },
    });
    expect(result.unchanged).toBe(6);
    expect(hookRuns).toBe(0);
    expect(s3mock.calls()).toHaveLength(0);
  });

  it("on abort starts no new upload, lets in-flight ones finish and throws with the partial result", async () => {
    listing([{ Key: "ds/stale.jpg", body: "x" }]);
    const controller = new AbortController();
    s3mock.on(PutObjectCommand).callsFake((input: { Body: Buffer }) => {
      controller.abort();
      return { ETag: quoted(input.Body) };
    });
    s3mock.on(DeleteObjectsCommand).resolves({});
    const manifest = await buildLocalManifest(dir, []);
    const error = await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: true,
      logger: silentLogger,
      concurrency: 2,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncAbortedError);
    const partial = (error as SyncAbortedError).partial;
    expect(partial.uploaded).toHaveLength(2);
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(2);
    expect(s3mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it("stops on a failed upload, names the object, and deletes nothing", async () => {
    listing([{ Key: "ds/stale.jpg", body: "x" }]);
    s3mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error("boom"), { name: "InternalError" }));
    const manifest = await buildLocalManifest(dir, []);
    await expect(
      syncDataset({
        s3,
        bucket: "b",
        prefix: "ds",
        sourceDir: dir,
        manifest,
        delete: true,
        logger: silentLogger,
        concurrency: 1,
      }),
    ).rejects.toThrow(/uploading s3:\/\/b\/ds\/labels\.csv: InternalError: boom/);
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it("refuses to upload a file that changed after its manifest was built", async () => {
    listing([]);
    putEchoesMd5();
    const manifest = await buildLocalManifest(dir, []);
    writeFileSync(join(dir, "labels.csv"), "A,B\n");
    await expect(
      syncDataset({
        s3,
        bucket: "b",
        prefix: "ds",
        sourceDir: dir,
        manifest,
        delete: false,
        logger: silentLogger,
      }),
    ).rejects.toThrow(/labels\.csv changed since its manifest was built/);
  });

  it("throttles progress: first and last always, none in between while time stands still", async () => {
    listing([]);
    putEchoesMd5();
    const logger = memoryLogger();
    const manifest = await buildLocalManifest(dir, []);
    await syncDataset({
      s3,
      bucket: "b",
      prefix: "ds",
      sourceDir: dir,
      manifest,
      delete: false,
      logger,
      clock: fakeClock(),
    });
    expect(logger.lines.filter((l) => l.startsWith("progress:"))).toEqual([
      "progress: uploading 0/6",
      "progress: uploading 6/6",
    ]);
    expect(logger.lines[0]).toBe("info: data: s3://b/ds/: upload 6 files (39 B), 0 unchanged");
  });
});

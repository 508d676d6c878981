import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  MULTIPART_THRESHOLD,
  PART_SIZE,
  partSizeFor,
  S3EtagHasher,
  s3EtagOfBuffer,
  s3EtagOfFile,
  stripEtagQuotes,
} from "../../../actions/src/data-sync/etag.js";

const MiB = 1024 * 1024;
const block = Buffer.from(Array.from({ length: 251 }, (_, i) => i));
/** Byte i is i % 251, as in the Python that computed the expected values. */
const pattern = (size: number): Buffer => Buffer.alloc(size, block);

const dir = mkdtempSync(join(tmpdir(), "mlops-etag-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("S3 ETag computation", () => {
  it("is the hex MD5 for files under the multipart threshold", () => {
    expect(s3EtagOfBuffer(Buffer.alloc(0))).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(s3EtagOfBuffer(Buffer.from("hello\n"))).toBe("b1946ac92492d2347c6235b4d2611184");
    // One byte under the threshold: still a single PUT (value from Python hashlib).
    expect(s3EtagOfBuffer(Buffer.alloc(MULTIPART_THRESHOLD - 1))).toBe(
      "54cf6feb530a37dfe82c94dfb15f7a28",
    );
  });

  it("matches known multipart ETags (md5 of the part md5s, dash, part count)", () => {
    expect(PART_SIZE).toBe(8 * MiB);
    expect(MULTIPART_THRESHOLD).toBe(16 * MiB);
    // Known values computed independently with Python's hashlib.
    expect(s3EtagOfBuffer(Buffer.alloc(16 * MiB))).toBe("3a2d20e2e504fe056bbaae5b4c2351fd-2");
    expect(s3EtagOfBuffer(pattern(17 * MiB + 5))).toBe("790b520857a651dea4afc36fe222752d-3");
  });

  it("does not depend on how the bytes are chunked", () => {
    const data = pattern(17 * MiB + 5);
    const hasher = new S3EtagHasher(data.length);
    for (let offset = 0, step = 1; offset < data.length; step = (step * 7 + 3) % 3_000_001) {
      hasher.update(data.subarray(offset, offset + step));
      offset += step;
    }
    expect(hasher.digest()).toBe("790b520857a651dea4afc36fe222752d-3");
  });

  it("streams a file to the same ETag", async () => {
    const path = join(dir, "big.bin");
    writeFileSync(path, pattern(17 * MiB + 5));
    await expect(s3EtagOfFile(path, 17 * MiB + 5)).resolves.toBe(
      "790b520857a651dea4afc36fe222752d-3",
    );
  });

  it("fails when the file is not the size it was listed with", async () => {
    const path = join(dir, "small.bin");
    writeFileSync(path, "abc");
    await expect(s3EtagOfFile(path, 4)).rejects.toThrow(/expected 4 bytes but read 3/);
  });

  it("grows the part size for huge files to stay within 10,000 parts", () => {
    expect(partSizeFor(20 * MiB)).toBe(PART_SIZE);
    expect(partSizeFor(10_000 * PART_SIZE)).toBe(PART_SIZE);
    const huge = 200 * 1024 * MiB;
    expect(partSizeFor(huge) % MiB).toBe(0);
    expect(Math.ceil(huge / partSizeFor(huge))).toBeLessThanOrEqual(10_000);
  });

  it("strips quotes and weak markers from S3 ETags", () => {
    expect(stripEtagQuotes('"abc-2"')).toBe("abc-2");
    expect(stripEtagQuotes('W/"abc"')).toBe("abc");
    expect(stripEtagQuotes("abc")).toBe("abc");
  });
});

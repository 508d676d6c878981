import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  codeSha256,
  zipDirectory,
  zipEntries,
} from "../../actions/src/resources/lambda/package-zip.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlops-zip-"));
  mkdirSync(join(dir, "lib", "deep"), { recursive: true });
  writeFileSync(join(dir, "index.mjs"), "export const handler = async () => 'hi';\n");
  writeFileSync(join(dir, "lib", "util.mjs"), "export const x = 1;\n".repeat(50));
  writeFileSync(join(dir, "lib", "deep", "data.bin"), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(dir, "B.txt"), "capital sorts before lower case\n");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const touchAll = (when: Date): void => {
  for (const f of ["index.mjs", "lib/util.mjs", "lib/deep/data.bin", "B.txt", "lib", "lib/deep"]) {
    utimesSync(join(dir, f), when, when);
  }
};

describe("zipDirectory", () => {
  it("gives identical bytes and hash when zipped twice, even after the mtimes change", async () => {
    const first = await zipDirectory(dir);
    touchAll(new Date("2024-06-01T12:34:56Z"));
    const second = await zipDirectory(dir);
    touchAll(new Date("2001-02-03T04:05:06Z"));
    const third = await zipDirectory(dir);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(Buffer.from(third.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(second.codeSha256).toBe(first.codeSha256);
  });

  it("does not depend on the time zone", async () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = "UTC";
      const utc = await zipDirectory(dir);
      process.env.TZ = "Pacific/Kiritimati"; // UTC+14
      const ahead = await zipDirectory(dir);
      process.env.TZ = "America/Los_Angeles";
      const behind = await zipDirectory(dir);
      expect(ahead.codeSha256).toBe(utc.codeSha256);
      expect(behind.codeSha256).toBe(utc.codeSha256);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("changes the hash when content changes", async () => {
    const before = await zipDirectory(dir);
    writeFileSync(join(dir, "lib", "util.mjs"), "export const x = 2;\n");
    const after = await zipDirectory(dir);
    expect(after.codeSha256).not.toBe(before.codeSha256);
  });

  it("changes the hash when a file is renamed", async () => {
    const before = await zipDirectory(dir);
    rmSync(join(dir, "B.txt"));
    writeFileSync(join(dir, "C.txt"), "capital sorts before lower case\n");
    expect((await zipDirectory(dir)).codeSha256).not.toBe(before.codeSha256);
  });

  it("round-trips through unzip with sorted entries and no directory entries", async () => {
    const { bytes } = await zipDirectory(dir);
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual(["B.txt", "index.mjs", "lib/deep/data.bin", "lib/util.mjs"]);
    expect(Buffer.from(files["index.mjs"] ?? []).toString()).toBe(
      "export const handler = async () => 'hi';\n",
    );
    expect([...(files["lib/deep/data.bin"] ?? [])]).toEqual([0, 1, 2, 255]);
  });

  it("writes the fixed timestamp (1980-01-01 00:00) and mode 0644 in the central directory", async () => {
    const { bytes } = await zipDirectory(dir);
    const view = Buffer.from(bytes);
    let entries = 0;
    for (let at = view.indexOf("PK\x01\x02", 0, "latin1"); at !== -1;) {
      entries++;
      expect(view.readUInt16LE(at + 4) >> 8).toBe(3); // made by: Unix
      expect(view.readUInt16LE(at + 12)).toBe(0); // DOS time 00:00:00
      expect(view.readUInt16LE(at + 14)).toBe((0 << 9) | (1 << 5) | 1); // DOS date 1980-01-01
      expect(view.readUInt32LE(at + 38) >>> 16).toBe(0o100644);
      at = view.indexOf("PK\x01\x02", at + 4, "latin1");
    }
    expect(entries).toBe(4);
  });

  it("returns codeSha256 as base64 SHA-256 of the bytes (Lambda's format)", async () => {
    const { bytes, codeSha256: hash } = await zipDirectory(dir);
    expect(hash).toBe(createHash("sha256").update(bytes).digest("base64"));
    expect(hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(codeSha256(bytes)).toBe(hash);
  });

  it("refuses symlinks and empty directories", async () => {
    symlinkSync(join(dir, "index.mjs"), join(dir, "link.mjs"));
    await expect(zipDirectory(dir)).rejects.toThrow(/not a regular file/);
    const empty = mkdtempSync(join(tmpdir(), "mlops-zip-empty-"));
    try {
      await expect(zipDirectory(empty)).rejects.toThrow(/nothing to zip/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("zipEntries", () => {
  it("does not depend on the input order", () => {
    const a = { path: "a.js", data: Buffer.from("a") };
    const b = { path: "dir/b.js", data: Buffer.from("b") };
    expect(zipEntries([a, b]).codeSha256).toBe(zipEntries([b, a]).codeSha256);
  });

  it("rejects duplicate and unsafe paths", () => {
    const data = Buffer.from("x");
    expect(() =>
      zipEntries([
        { path: "a", data },
        { path: "a", data },
      ]),
    ).toThrow(/duplicate/);
    expect(() => zipEntries([{ path: "../evil", data }])).toThrow(/invalid zip entry path/);
    expect(() => zipEntries([{ path: "/abs", data }])).toThrow(/invalid zip entry path/);
  });
});

// Unpacking an untrusted zip safely and in bounded memory (yauzl streams one entry at a time):
// no absolute paths or `..` (zip-slip), no symlinks, no encrypted entries, a cap on entries and
// on unpacked bytes (zip bombs; counted while writing, not taken from the headers on trust).
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import type { Logger } from "../logger.js";
import { OperationalError } from "../operational-errors.js";

export interface UnzipLimits {
  /** Most bytes all entries may unpack to. */
  maxUnpackedBytes: number;
  /** Most entries (files and folders) the archive may hold. */
  maxEntries: number;
}

/** A zip that is unsafe or too big to unpack. */
export class ArchiveError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** The entry's path as safe posix segments, or an ArchiveError. */
export function safeEntryPath(name: string): string[] {
  if (name.includes("\\")) throw new ArchiveError(`entry ${JSON.stringify(name)} has a backslash`);
  if (name.includes("\0")) throw new ArchiveError(`entry ${JSON.stringify(name)} has a NUL byte`);
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
    throw new ArchiveError(`entry ${JSON.stringify(name)} has an absolute path`);
  }
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new ArchiveError(`entry ${JSON.stringify(name)} leaves the target folder (..)`);
  }
  return parts;
}

export async function unzipSafely(
  zipPath: string,
  destDir: string,
  limits: UnzipLimits,
  logger?: Logger,
): Promise<{ files: number; bytes: number }> {
  const root = resolve(destDir);
  await mkdir(root, { recursive: true });
  // decodeStrings: false, so the path checks below are ours (with our messages), not yauzl's.
  const zip = await yauzl.openPromise(zipPath, {
    decodeStrings: false,
    validateEntrySizes: true,
    autoClose: true,
  });
  let files = 0;
  let bytes = 0;
  let declared = 0;
  let skipped = 0;
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ArchiveError(
        `it has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`,
      );
    }
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(
        entry.generalPurposeBitFlag,
        entry.fileNameRaw,
        entry.extraFields,
        false,
      );
      const parts = safeEntryPath(name);
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) >>> 0 === S_IFLNK) {
        throw new ArchiveError(`entry ${JSON.stringify(name)} is a symbolic link`);
      }
      if (parts.length === 0) continue;
      if (parts[0] === "__MACOSX") {
        skipped++; // macOS resource-fork metadata, never data
        continue;
      }
      const target = resolve(root, ...parts);
      if (!target.startsWith(root + sep)) {
        throw new ArchiveError(`entry ${JSON.stringify(name)} leaves the target folder`);
      }
      if (name.endsWith("/")) {
        await mkdir(target, { recursive: true });
        continue;
      }
      if (entry.isEncrypted()) throw new ArchiveError(`entry ${JSON.stringify(name)} is encrypted`);
      declared += entry.uncompressedSize;
      if (declared > limits.maxUnpackedBytes) throw tooBig(limits);
      await mkdir(dirname(target), { recursive: true });
      const source = await zip.openReadStreamPromise(entry);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > limits.maxUnpackedBytes) callback(tooBig(limits));
          else callback(null, chunk);
        },
      });
      // "wx": a second entry with the same name is an error, not a silent overwrite.
      await pipeline(source, counter, createWriteStream(target, { flags: "wx", mode: 0o644 }));
      files++;
    }
  } finally {
    if (zip.isOpen) zip.close();
  }
  if (skipped > 0) logger?.debug(`data: skipped ${skipped} __MACOSX entries`);
  return { files, bytes };
}

const tooBig = (limits: UnzipLimits): ArchiveError =>
  new ArchiveError(`it unpacks to more than the limit of ${limits.maxUnpackedBytes} bytes`);

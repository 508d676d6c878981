// Deterministic zip of a Lambda bundle, so that identical code gives an identical CodeSha256 and
// the reconciler can skip no-op UpdateFunctionCode calls (each one would make PublishVersion mint
// a new version). Same input files => same bytes, whatever the files' mtimes, owners, modes, the
// order readdir returns, or the machine's time zone:
//   - entries sorted by path (code-unit order, "/" separators); no directory entries
//   - every timestamp 1980-01-01 00:00:00 (the DOS epoch) and every mode 0644 (regular file)
//   - one compression level
// Note: fflate takes entries as an object, and JavaScript orders integer-like keys ("0", "12")
// before the others; a root-level file named like that comes first. Still deterministic.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Zippable, ZipOptions } from "fflate";
import { zipSync } from "fflate";
import { OperationalError } from "../../operational-errors.js";

export interface ZipEntry {
  /** Path inside the archive, "/"-separated, relative. */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface PackagedZip {
  readonly bytes: Uint8Array;
  /** Base64 of the SHA-256 of the bytes: the format of Lambda's CodeSha256. */
  readonly codeSha256: string;
}

/** Unix regular file, rw-r--r--, in the high 16 bits of the external attributes. */
const FILE_ATTRS = (0o100644 << 16) >>> 0;
const UNIX = 3;

/**
 * fflate writes DOS timestamps from the Date's local-time fields, so the date is built from local
 * fields at zip time (not once at load: the zone may change in between) and comes out as
 * 1980-01-01 00:00:00 whatever the time zone.
 */
const entryOptions = (): ZipOptions => ({
  level: 6,
  mtime: new Date(1980, 0, 1, 0, 0, 0),
  os: UNIX,
  attrs: FILE_ATTRS,
});

/** Base64 SHA-256 (Lambda's CodeSha256 format). */
export function codeSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

const byPath = (a: ZipEntry, b: ZipEntry): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

function checkPath(path: string): void {
  const parts = path.split("/");
  if (
    path === "" ||
    path.startsWith("/") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    // Internal invariant: entries come from walking a folder: relative, '/'-separated, never '..'.
    throw new Error(`invalid zip entry path: ${JSON.stringify(path)}`);
  }
}

/** Zips the given files deterministically. */
export function zipEntries(entries: readonly ZipEntry[]): PackagedZip {
  if (entries.length === 0) throw new OperationalError("nothing to zip: no files");
  const options = entryOptions();
  const files: Zippable = {};
  for (const entry of [...entries].sort(byPath)) {
    checkPath(entry.path);
    // Internal invariant: a folder walk lists each path once.
    if (Object.hasOwn(files, entry.path)) throw new Error(`duplicate zip entry: ${entry.path}`);
    files[entry.path] = [entry.data, options];
  }
  const bytes = zipSync(files, options);
  return { bytes, codeSha256: codeSha256(bytes) };
}

async function collect(root: string, relative: string, out: ZipEntry[]): Promise<void> {
  const dir = relative === "" ? root : join(root, relative);
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    const path = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
    const full = join(root, path);
    const stats = await lstat(full);
    if (stats.isDirectory()) await collect(root, path, out);
    else if (stats.isFile()) out.push({ path, data: await readFile(full) });
    else
      throw new OperationalError(
        `cannot package ${full}: not a regular file or directory (symlink?)`,
      );
  }
}

/** Zips every file under `dir` (recursively; paths relative to `dir`). */
export async function zipDirectory(dir: string): Promise<PackagedZip> {
  const entries: ZipEntry[] = [];
  await collect(dir, "", entries);
  if (entries.length === 0) throw new OperationalError(`nothing to zip: ${dir} has no files`);
  return zipEntries(entries);
}

// Deterministic .tar.gz archives (the training code as sourcedir.tar.gz, a model as model.tar.gz): sorted entries, fixed times, owners
// and modes, so the same code always gives the same bytes and the same content hash (which is
// part of the training fingerprint and the S3 key the archive is uploaded under).
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { create } from "tar";

/** Not code: caches, tests and local outputs never go into the archive. */
const SKIP =
  /(^|\/)(__pycache__|\.pytest_cache|\.ruff_cache|\.mypy_cache|\.git|tests|model|output|data)(\/|$)|\.pyc$/;

export interface SourceArchive {
  bytes: Buffer;
  sha256: string;
  files: string[];
}

export function listFiles(dir: string, skip?: RegExp): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (skip?.test(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/** The training code folder, without caches, tests and local outputs. */
export const packSourceDir = (dir: string): Promise<SourceArchive> => packDirectory(dir, SKIP);

/** Any folder (a trained model directory becomes model.tar.gz this way). */
export async function packDirectory(dir: string, skip?: RegExp): Promise<SourceArchive> {
  const files = listFiles(dir, skip);
  const chunks: Buffer[] = [];
  const stream = create(
    {
      cwd: dir,
      portable: true,
      noDirRecurse: true,
      mtime: new Date(0),
      // Same mode for every file: a checkout's umask must not change the hash.
      filter: (_path, stat) => {
        (stat as { mode: number }).mode = statSync(join(dir, _path)).isDirectory()
          ? 0o40755
          : 0o100644;
        return true;
      },
    },
    files,
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  // gzip ourselves so the header carries no timestamp or OS-specific fields.
  const bytes = gzipSync(Buffer.concat(chunks), { level: 9 });
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), files };
}

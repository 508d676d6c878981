// The pure part of a sync: which files to upload, which remote objects to delete or keep.
// Used by syncDataset and by the plan ("upload 3 files (12 MiB), delete 1").
import type { Manifest } from "./manifest.js";
import type { ManifestEntry } from "./manifest-entry.js";
import { comparePaths } from "./manifest.js";

export type UploadReason = "missing" | "changed";

export interface PlannedUpload extends ManifestEntry {
  reason: UploadReason;
}

export interface SyncPlan {
  upload: PlannedUpload[];
  /** Remote paths (relative to the prefix) to delete: extraneous, and deletion was asked for. */
  delete: string[];
  /** Remote paths not in the manifest that stay because deletion was not asked for. */
  keep: string[];
  unchanged: number;
  uploadBytes: number;
}

/**
 * Compares a manifest with a remote listing (paths relative to the same prefix). A file is
 * uploaded when the remote object is missing or its ETag or size differ: content-based, so a
 * same-size edit with an older mtime is still an upload.
 */
export function planSync(
  manifest: Manifest,
  remoteListing: readonly ManifestEntry[],
  deleteExtraneous: boolean,
): SyncPlan {
  const remote = new Map(remoteListing.map((r) => [r.path, r]));
  const local = new Set<string>();
  const upload: PlannedUpload[] = [];
  let unchanged = 0;
  let uploadBytes = 0;
  for (const file of manifest.files) {
    local.add(file.path);
    const existing = remote.get(file.path);
    if (existing === undefined) {
      upload.push({ ...file, reason: "missing" });
      uploadBytes += file.size;
    } else if (existing.etag !== file.etag || existing.size !== file.size) {
      upload.push({ ...file, reason: "changed" });
      uploadBytes += file.size;
    } else {
      unchanged++;
    }
  }
  const extraneous = remoteListing
    .map((r) => r.path)
    .filter((p) => !local.has(p))
    .sort(comparePaths);
  return {
    upload,
    delete: deleteExtraneous ? extraneous : [],
    keep: deleteExtraneous ? [] : extraneous,
    unchanged,
    uploadBytes,
  };
}

/** One line for a plan: "upload 3 files (12.0 MiB), delete 1, 120 unchanged". */
export function describeSyncPlan(plan: SyncPlan): string {
  const parts: string[] = [];
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;
  if (plan.upload.length > 0)
    parts.push(`upload ${n(plan.upload.length, "file")} (${formatBytes(plan.uploadBytes)})`);
  if (plan.delete.length > 0) parts.push(`delete ${n(plan.delete.length, "object")}`);
  if (plan.keep.length > 0) parts.push(`keep ${n(plan.keep.length, "extraneous object")}`);
  parts.push(`${plan.unchanged} unchanged`);
  return parts.join(", ");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? "B"}`;
}

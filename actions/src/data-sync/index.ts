// Data set sync: manifests (the training fingerprint's data input), archive sources, and the
// content-based sync of a folder to an S3 prefix.
export { fetchArchive, archiveCacheKey } from "./archive.js";
export type { FetchArchiveOptions, FetchedArchive } from "./archive.js";
export {
  MULTIPART_THRESHOLD,
  PART_SIZE,
  partSizeFor,
  s3EtagOfBuffer,
  s3EtagOfFile,
  stripEtagQuotes,
} from "./etag.js";
export { buildLocalManifest, makeManifest, remoteListingManifest } from "./manifest.js";
export type { LocalManifestOptions, Manifest, ManifestStats } from "./manifest.js";
export type { ManifestEntry } from "./manifest-entry.js";
export {
  defaultHashCacheFile,
  HashCache,
  HASH_CACHE_VERSION,
  RACY_WINDOW_NS,
} from "./hash-cache.js";
export type { FileStamp, HashCacheOptions } from "./hash-cache.js";
export { describeSyncPlan, planSync } from "./plan.js";
export type { PlannedUpload, SyncPlan, UploadReason } from "./plan.js";
export { listRemote, normalizePrefix } from "./remote.js";
export type { RemoteListing } from "./remote.js";
export { syncDataset, SyncAbortedError } from "./sync.js";
export type { SyncOptions, SyncResult } from "./sync.js";
export { ArchiveError } from "./unzip.js";

// One file of a data set, locally or in S3: the unit both sides of a sync are compared in.
export interface ManifestEntry {
  /** Posix path relative to the data root (the S3 key below the prefix). */
  path: string;
  size: number;
  /** S3 ETag without quotes: hex MD5, or `md5-of-part-md5s-N` for multipart objects. */
  etag: string;
}

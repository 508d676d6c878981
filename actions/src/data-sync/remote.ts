// Listing an S3 prefix into manifest-shaped entries (keys relative to the prefix).
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { withContext } from "../aws/errors.js";
import { stripEtagQuotes } from "./etag.js";
import type { ManifestEntry } from "./manifest-entry.js";

export interface RemoteListing {
  /** Objects below the prefix, `path` relative to it; folder markers left out. */
  objects: ManifestEntry[];
  /** ListObjectsV2 calls made. */
  requests: number;
}

/** "data/dogs" and "data/dogs/" both mean the folder `data/dogs/`; "" is the bucket root. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed === "" || trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

export async function listRemote(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize?: number,
): Promise<RemoteListing> {
  const base = normalizePrefix(prefix);
  const objects: ManifestEntry[] = [];
  let token: string | undefined;
  let requests = 0;
  do {
    const page = await withContext(`listing s3://${bucket}/${base}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: base,
          ...(token === undefined ? {} : { ContinuationToken: token }),
          ...(pageSize === undefined ? {} : { MaxKeys: pageSize }),
        }),
      ),
    );
    requests++;
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !key.startsWith(base)) continue;
      const path = key.slice(base.length);
      if (path === "" || path.endsWith("/")) continue;
      objects.push({ path, size: object.Size ?? 0, etag: stripEtagQuotes(object.ETag ?? "") });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { objects, requests };
}

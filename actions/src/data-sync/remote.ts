// Listing an S3 prefix into manifest-shaped entries (keys relative to the prefix).
// With the keys we expect there (the manifest), the prefix is cut into key ranges of one page
// each, (k[0], k[999]], (k[999], k[1999]], ..., listed in parallel with StartAfter: a prefix that
// holds what we expect costs one round trip for all its pages instead of one per 1,000 keys in
// sequence. Any range that holds more than expected simply pages on with its continuation
// token, so the listing is complete whatever the prefix holds.
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { withContext } from "../aws/errors.js";
import { mapLimit } from "../pool.js";
import { stripEtagQuotes } from "./etag.js";
import type { ManifestEntry } from "./manifest-entry.js";

export interface RemoteListing {
  /** Objects below the prefix, `path` relative to it; folder markers left out. */
  objects: ManifestEntry[];
  /** ListObjectsV2 calls made. */
  requests: number;
}

export interface ListOptions {
  /** ListObjectsV2 page size (default and most: 1000; tests exercise paging with a small one). */
  pageSize?: number;
  /** Paths (relative to the prefix) expected there: they set the ranges listed in parallel. */
  expected?: readonly string[];
  /** Ranges listed at once (default 32). */
  concurrency?: number;
}

/** S3's page size limit, and its default. */
const MAX_PAGE = 1000;

/** "data/dogs" and "data/dogs/" both mean the folder `data/dogs/`; "" is the bucket root. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed === "" || trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

/**
 * S3's listing order: UTF-8 bytes, which is code point order. JavaScript's `<` compares UTF-16
 * code units and differs for characters past U+FFFF against U+E000-U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export async function listRemote(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: ListOptions = {},
): Promise<RemoteListing> {
  const base = normalizePrefix(prefix);
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE, MAX_PAGE);
  const keys = (options.expected ?? []).map((path) => base + path).sort(compareKeys);
  // Range i is (bounds[i], bounds[i + 1]]; undefined ends are the prefix's start and end.
  const bounds: (string | undefined)[] = [undefined];
  for (let i = pageSize - 1; i < keys.length - 1; i += pageSize) bounds.push(keys[i]);
  bounds.push(undefined);
  const ranges = bounds.slice(0, -1).map((after, i) => ({ after, last: bounds[i + 1] }));
  const pages = await mapLimit(ranges, options.concurrency ?? 32, (range) =>
    listRange(s3, bucket, base, pageSize, range.after, range.last),
  );
  return {
    objects: pages.flatMap((page) => page.objects),
    requests: pages.reduce((sum, page) => sum + page.requests, 0),
  };
}

/** The objects after `after` up to and including `last` (either end open when undefined). */
async function listRange(
  s3: S3Client,
  bucket: string,
  base: string,
  pageSize: number,
  after: string | undefined,
  last: string | undefined,
): Promise<RemoteListing> {
  const objects: ManifestEntry[] = [];
  let token: string | undefined;
  let requests = 0;
  for (;;) {
    const page = await withContext(`listing s3://${bucket}/${base}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: base,
          MaxKeys: pageSize,
          ...(token === undefined
            ? after === undefined
              ? {}
              : { StartAfter: after }
            : { ContinuationToken: token }),
        }),
      ),
    );
    requests++;
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !key.startsWith(base)) continue;
      // Past `last` the next range lists the rest; at `last` this range is complete (keys come
      // sorted), so a full page needs no second request to find that out.
      const order = last === undefined ? -1 : compareKeys(key, last);
      if (order > 0) return { objects, requests };
      const path = key.slice(base.length);
      if (path !== "" && !path.endsWith("/")) {
        objects.push({ path, size: object.Size ?? 0, etag: stripEtagQuotes(object.ETag ?? "") });
      }
      if (order === 0) return { objects, requests };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    if (token === undefined) return { objects, requests };
  }
}

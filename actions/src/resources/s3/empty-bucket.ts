// Deletes every object (and version) in a bucket so it can be deleted: only ever called by
// `mlops destroy --include-data`.
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { withContext } from "../../aws/errors.js";

export async function emptyBucket(s3: S3Client, Bucket: string): Promise<number> {
  let removed = 0;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await withContext(`listing ${Bucket}`, () =>
      s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker })),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((v) => v.Key !== undefined)
      .map((v) => ({
        Key: v.Key ?? "",
        ...(v.VersionId && v.VersionId !== "null" && { VersionId: v.VersionId }),
      }));
    if (objects.length > 0) {
      await withContext(`emptying ${Bucket}`, () =>
        s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects, Quiet: true } })),
      );
      removed += objects.length;
    }
    if (!page.IsTruncated) return removed;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

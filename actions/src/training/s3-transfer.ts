// Moving training inputs and outputs between S3 and local folders.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { withContext } from "../aws/errors.js";
import { mapLimit } from "../pool.js";
import { listRemote } from "../data-sync/index.js";
import type { Logger } from "../logger.js";

/**
 * Downloads s3://bucket/prefix into `cacheRoot/<key>` once; a marker file says the copy is
 * complete, so an interrupted download is redone rather than trusted.
 */
export async function downloadPrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  cacheRoot: string,
  cacheKey: string,
  logger: Logger,
): Promise<string> {
  const dir = join(cacheRoot, "training-data", cacheKey);
  const marker = join(dir, ".mlops-complete");
  if (existsSync(marker)) return dir;
  const { objects } = await withContext(`listing s3://${bucket}/${prefix}`, () =>
    listRemote(s3, bucket, prefix),
  );
  let done = 0;
  await mapLimit(objects, 16, async (object) => {
    const target = join(dir, object.path);
    mkdirSync(dirname(target), { recursive: true });
    const out = await withContext(`downloading s3://${bucket}/${prefix}${object.path}`, () =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${object.path}` })),
    );
    const partial = `${target}.partial`;
    await pipeline(out.Body as Readable, createWriteStream(partial));
    renameSync(partial, target);
    logger.progress("downloading training data", ++done, objects.length);
  });
  writeFileSync(marker, new Date().toISOString());
  return dir;
}

export async function uploadFile(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<string> {
  await withContext(`uploading s3://${bucket}/${key}`, () =>
    new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: body, ServerSideEncryption: "AES256" },
    }).done(),
  );
  return `s3://${bucket}/${key}`;
}

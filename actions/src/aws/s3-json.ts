// Small JSON objects in S3 with their ETags, and conditional writes: the primitives the lock
// and the state record are built on.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AwsOperationError, isNotFound } from "./errors.js";

export interface Versioned<T> {
  value: T;
  etag: string;
}

export async function getJson<T>(
  s3: S3Client,
  Bucket: string,
  Key: string,
): Promise<Versioned<T> | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const text = (await out.Body?.transformToString("utf-8")) ?? "";
    return { value: JSON.parse(text) as T, etag: out.ETag ?? "" };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new AwsOperationError(`reading s3://${Bucket}/${Key}`, error);
  }
}

export type Condition = { ifNoneMatch: "*" } | { ifMatch: string };

/** Writes JSON only if the condition holds; returns the new ETag, or undefined on a conflict. */
export async function putJsonIf(
  s3: S3Client,
  Bucket: string,
  Key: string,
  value: unknown,
  condition: Condition,
): Promise<string | undefined> {
  try {
    const out = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: "application/json",
        ServerSideEncryption: "AES256",
        ...("ifNoneMatch" in condition ? { IfNoneMatch: "*" } : { IfMatch: condition.ifMatch }),
      }),
    );
    return out.ETag ?? "";
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw new AwsOperationError(`writing s3://${Bucket}/${Key}`, error);
  }
}

/** 412 Precondition Failed, or 409 when a concurrent conditional write is in flight. */
export function isConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return (
    status === 412 ||
    status === 409 ||
    e.name === "PreconditionFailed" ||
    e.name === "ConditionalRequestConflict"
  );
}

// The S3 ETag an object will get, computed locally so a sync can skip unchanged files by content.
// A single PutObject (no SSE-KMS) gets the hex MD5 of the body; a multipart upload gets
// md5(concatenated binary MD5s of the parts) + "-" + part count. We control the part size, so
// the multipart ETag is predictable as long as uploads use `partSizeFor(size)`.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { OperationalError } from "../operational-errors.js";

const MiB = 1024 * 1024;

/** Files of at least this size are uploaded with a multipart upload. */
export const MULTIPART_THRESHOLD = 16 * MiB;
/** Part size of multipart uploads (grown for huge files so they stay within 10,000 parts). */
export const PART_SIZE = 8 * MiB;
/** S3's limit on the parts of one multipart upload. */
export const MAX_PARTS = 10_000;

/** The part size used for a file of `size` bytes: PART_SIZE, or more (whole MiB) past 80 GB. */
export function partSizeFor(size: number): number {
  const minimum = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.max(PART_SIZE, minimum);
}

export const isMultipart = (size: number): boolean => size >= MULTIPART_THRESHOLD;

/** Feeds bytes in order and yields the S3 ETag (without quotes) for an object of `size` bytes. */
export class S3EtagHasher {
  private readonly multipart: boolean;
  private readonly partSize: number;
  private readonly whole: Hash = createHash("md5");
  private part: Hash = createHash("md5");
  private partFill = 0;
  private readonly partDigests: Buffer[] = [];
  private seen = 0;

  constructor(private readonly size: number) {
    this.multipart = isMultipart(size);
    this.partSize = partSizeFor(size);
  }

  update(chunk: Buffer): void {
    this.seen += chunk.length;
    if (!this.multipart) {
      this.whole.update(chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.partSize - this.partFill, chunk.length - offset);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partFill += take;
      offset += take;
      if (this.partFill === this.partSize) this.closePart();
    }
  }

  digest(): string {
    if (this.seen !== this.size) {
      throw new OperationalError(
        `expected ${this.size} bytes but read ${this.seen} (file changed while hashing?)`,
      );
    }
    if (!this.multipart) return this.whole.digest("hex");
    if (this.partFill > 0) this.closePart();
    const combined = createHash("md5").update(Buffer.concat(this.partDigests)).digest("hex");
    return `${combined}-${this.partDigests.length}`;
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash("md5");
    this.partFill = 0;
  }
}

/** The ETag S3 will report for `bytes` uploaded the way sync uploads them. */
export function s3EtagOfBuffer(bytes: Buffer): string {
  const hasher = new S3EtagHasher(bytes.length);
  hasher.update(bytes);
  return hasher.digest();
}

/** Streams a file (never whole in memory) and returns its S3 ETag. */
export async function s3EtagOfFile(path: string, size: number): Promise<string> {
  const hasher = new S3EtagHasher(size);
  const stream = createReadStream(path, { highWaterMark: MiB });
  for await (const chunk of stream) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** ETags from S3 come quoted (`"abc"`); manifests keep them bare. */
export const stripEtagQuotes = (etag: string): string => etag.replace(/^W\//, "").replace(/"/g, "");

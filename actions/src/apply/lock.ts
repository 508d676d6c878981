// The apply lock: one object written with If-None-Match: *, so exactly one writer wins. It
// names its holder (owner, CI run URL), carries an expiry for humans to judge staleness, and
// is only ever removed by its holder or explicitly with `mlops unlock ID`.
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { withContext } from "../aws/errors.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { getJson, putJsonIf } from "../aws/s3-json.js";
import { OperationalError } from "../operational-errors.js";

export interface LockInfo {
  id: string;
  owner: string;
  /** Where the holder runs, so a lock left by a process that died on this machine is spotted. */
  host?: string;
  pid?: number;
  runUrl?: string;
  operation: string;
  createdAt: string;
  expiresAt: string;
}

export class LockError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "LockError";
  }
}

export interface LockLocation {
  s3: S3Client;
  bucket: string;
  key: string;
}

export interface AcquireOptions {
  operation: string;
  waitSeconds: number;
  ttlSeconds: number;
  clock: Clock;
  logger: Logger;
  pollMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface HeldLock {
  info: LockInfo;
  release(): Promise<void>;
}

export async function acquireLock(where: LockLocation, options: AcquireOptions): Promise<HeldLock> {
  const { clock, logger } = options;
  const started = clock.now();
  const info = newLockInfo(options, clock.now());
  let reported = "";
  for (;;) {
    const etag = await putJsonIf(where.s3, where.bucket, where.key, info, { ifNoneMatch: "*" });
    if (etag !== undefined) {
      return { info, release: () => releaseLock(where, info.id) };
    }
    const holder = await getJson<LockInfo>(where.s3, where.bucket, where.key);
    if (holder) {
      const expired =
        Date.parse(holder.value.expiresAt) < clock.now() || holderIsGone(holder.value);
      const line = describeHolder(holder.value, expired);
      if (line !== reported) {
        logger.info(`waiting for the lock: ${line}`);
        reported = line;
      }
      // Waiting for a holder whose process is gone would only waste the timeout.
      if (
        clock.now() - started >= options.waitSeconds * 1000 ||
        options.signal?.aborted ||
        holderIsGone(holder.value)
      ) {
        throw new LockError(
          `could not take the lock s3://${where.bucket}/${where.key}` +
            `${holderIsGone(holder.value) ? "" : ` within ${options.waitSeconds}s`}: ${line}.` +
            (expired
              ? ` If that run is gone, remove it with: mlops unlock ${holder.value.id}`
              : ""),
        );
      }
    }
    await clock.sleep(options.pollMs ?? 3000, options.signal);
  }
}

/** `mlops unlock ID`: removes the lock only if it is the one named. */
export async function forceUnlock(where: LockLocation, id: string): Promise<LockInfo> {
  const holder = await getJson<LockInfo>(where.s3, where.bucket, where.key);
  if (!holder) throw new LockError(`there is no lock at s3://${where.bucket}/${where.key}`);
  if (holder.value.id !== id) {
    throw new LockError(
      `the lock is ${holder.value.id}, not ${id} (${describeHolder(holder.value, false)}); nothing removed`,
    );
  }
  await withContext("removing the lock", () =>
    where.s3.send(
      new DeleteObjectCommand({ Bucket: where.bucket, Key: where.key, IfMatch: holder.etag }),
    ),
  );
  return holder.value;
}

async function releaseLock(where: LockLocation, id: string): Promise<void> {
  // Only delete the lock if it is still ours (never a successor's).
  const holder = await getJson<LockInfo>(where.s3, where.bucket, where.key);
  if (holder?.value.id !== id) return;
  await withContext("releasing the lock", () =>
    where.s3.send(
      new DeleteObjectCommand({ Bucket: where.bucket, Key: where.key, IfMatch: holder.etag }),
    ),
  );
}

function newLockInfo(options: AcquireOptions, now: number): LockInfo {
  const env = options.env ?? process.env;
  const runUrl =
    env["GITHUB_RUN_ID"] && env["GITHUB_REPOSITORY"]
      ? `${env["GITHUB_SERVER_URL"] ?? "https://github.com"}/${env["GITHUB_REPOSITORY"]}/actions/runs/${env["GITHUB_RUN_ID"]}`
      : undefined;
  const owner = env["GITHUB_ACTIONS"]
    ? `GitHub Actions (${env["GITHUB_WORKFLOW"] ?? "workflow"}, ${env["GITHUB_ACTOR"] ?? "unknown actor"})`
    : `${safeUser()}@${hostname()} (pid ${process.pid})`;
  return {
    id: randomUUID(),
    owner,
    host: hostname(),
    pid: process.pid,
    ...(runUrl !== undefined && { runUrl }),
    operation: options.operation,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + options.ttlSeconds * 1000).toISOString(),
  };
}

/** A holder on this machine whose process no longer exists will never release its lock. */
function holderIsGone(lock: LockInfo): boolean {
  if (lock.host !== hostname() || lock.pid === undefined || lock.pid === process.pid) return false;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function describeHolder(lock: LockInfo, expired: boolean): string {
  return (
    `held by ${lock.owner} for ${lock.operation} since ${lock.createdAt}` +
    (lock.runUrl ? ` (${lock.runUrl})` : "") +
    ` [lock ${lock.id}${holderIsGone(lock) ? ", its process is gone" : expired ? `, expired at ${lock.expiresAt}` : ""}]`
  );
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

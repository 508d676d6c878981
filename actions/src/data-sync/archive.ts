// An https:// zip data source: downloaded once into a cache keyed by sha256(url), revalidated
// with a conditional GET (If-None-Match on the cached ETag), unpacked safely. Layout of a cache
// entry: `archive.zip`, `etag` (written last, so it only exists beside a complete unpack) and
// `unpacked/`. Every write goes to a temporary name first and is renamed into place.
import { createHash, randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import { formatBytes } from "./plan.js";
import { ArchiveError, unzipSafely } from "./unzip.js";
import { OperationalError } from "../operational-errors.js";

const GiB = 1024 * 1024 * 1024;

export interface FetchArchiveOptions {
  logger?: Logger;
  /** The HTTP transport (default: global fetch). Tests pass their own or point at a local server. */
  fetch?: typeof globalThis.fetch;
  /** Largest archive accepted (default 5 GiB). */
  maxBytes?: number;
  /** Most bytes the archive may unpack to (default 20 GiB). */
  maxUnpackedBytes?: number;
  /** Most entries the archive may hold (default 1,000,000). */
  maxEntries?: number;
  /** Give up when the server sends nothing for this long (default 60 s). */
  timeoutMs?: number;
  /** Most redirects followed (default 5); each hop must be https too. */
  maxRedirects?: number;
  /** Accept http:// URLs. Only for tests against a local server; production is https only. */
  allowHttpForTests?: boolean;
  signal?: AbortSignal;
}

export interface FetchedArchive {
  /** The data root: the unpacked folder, or its single top-level folder when it has one. */
  dir: string;
  /** The ETag the server gave the archive, when it gave one. */
  etag: string | undefined;
  /** False when the cached copy was still current (HTTP 304) and nothing was downloaded. */
  downloaded: boolean;
}

/** sha256(url): the cache entry's folder name. */
export const archiveCacheKey = (url: string): string =>
  createHash("sha256").update(url).digest("hex");

export async function fetchArchive(
  url: string,
  cacheDir: string,
  options: FetchArchiveOptions = {},
): Promise<FetchedArchive> {
  const logger = options.logger;
  const entryDir = join(cacheDir, archiveCacheKey(url));
  const zipPath = join(entryDir, "archive.zip");
  const etagPath = join(entryDir, "etag");
  const unpackedDir = join(entryDir, "unpacked");
  await mkdir(entryDir, { recursive: true });

  const cachedEtag = (await exists(zipPath)) ? await readText(etagPath) : undefined;
  const tmpZip = `${zipPath}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    const response = await download(url, tmpZip, cachedEtag, options);
    if (response.kind === "not-modified") {
      logger?.info(`data: ${url} unchanged (ETag ${cachedEtag ?? "?"}); using the cached copy`);
      if (!(await exists(unpackedDir))) await unpack(zipPath, unpackedDir, url, options);
      return { dir: await dataRoot(unpackedDir), etag: cachedEtag, downloaded: false };
    }
    logger?.info(`data: downloaded ${url} (${formatBytes(response.bytes)})`);
    // Invalidate first: a crash from here on leaves no etag, so the next run downloads again.
    await rm(etagPath, { force: true });
    await rename(tmpZip, zipPath);
    await unpack(zipPath, unpackedDir, url, options);
    if (response.etag !== undefined) await writeAtomically(etagPath, response.etag);
    else logger?.warn(`data: ${url} has no ETag; it will be downloaded again on every run`);
    return { dir: await dataRoot(unpackedDir), etag: response.etag, downloaded: true };
  } finally {
    await rm(tmpZip, { force: true });
  }
}

type DownloadResult =
  { kind: "not-modified" } | { kind: "downloaded"; etag: string | undefined; bytes: number };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function download(
  url: string,
  target: string,
  cachedEtag: string | undefined,
  options: FetchArchiveOptions,
): Promise<DownloadResult> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxBytes = options.maxBytes ?? 5 * GiB;
  const maxRedirects = options.maxRedirects ?? 5;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const headers: Record<string, string> = { accept: "application/zip, */*" };
  if (cachedEtag !== undefined) headers["if-none-match"] = cachedEtag;

  let current = parseUrl(url, url, options);
  for (let hop = 0; ; hop++) {
    const controller = new AbortController();
    const timeout = { fired: false };
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timeout.fired = true;
        controller.abort();
      }, timeoutMs);
    };
    const onAbort = (): void => {
      controller.abort();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted === true) controller.abort();
    arm();
    try {
      const response = await fetchImpl(current, {
        headers,
        redirect: "manual",
        signal: controller.signal,
      });
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get("location");
        if (location === null)
          throw new OperationalError(`downloading ${url}: redirect without a Location`);
        if (hop >= maxRedirects) {
          throw new OperationalError(`downloading ${url}: more than ${maxRedirects} redirects`);
        }
        current = parseUrl(new URL(location, current).toString(), url, options);
        continue;
      }
      if (response.status === 304) {
        await response.body?.cancel();
        if (cachedEtag === undefined)
          throw new OperationalError(`downloading ${url}: unexpected 304`);
        return { kind: "not-modified" };
      }
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        throw new OperationalError(
          `downloading ${url}: HTTP ${response.status} ${response.statusText}`,
        );
      }
      const declared = Number(response.headers.get("content-length") ?? Number.NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body.cancel();
        throw new ArchiveError(
          `${url} is ${formatBytes(declared)}, more than the limit of ${formatBytes(maxBytes)}`,
        );
      }
      const bytes = await writeBody(response.body, target, maxBytes, url, arm);
      return { kind: "downloaded", etag: response.headers.get("etag") ?? undefined, bytes };
    } catch (error) {
      if (timeout.fired)
        throw new OperationalError(`downloading ${url}: no data for ${timeoutMs} ms`, {
          cause: error,
        });
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

async function writeBody(
  body: ReadableStream<Uint8Array>,
  target: string,
  maxBytes: number,
  url: string,
  onData: () => void,
): Promise<number> {
  const file = await open(target, "w");
  let bytes = 0;
  try {
    for await (const chunk of body) {
      onData();
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        throw new ArchiveError(`${url} is larger than the limit of ${formatBytes(maxBytes)}`);
      }
      await file.write(chunk);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return bytes;
}

function parseUrl(candidate: string, original: string, options: FetchArchiveOptions): URL {
  const parsed = new URL(candidate);
  const allowed =
    parsed.protocol === "https:" ||
    (options.allowHttpForTests === true && parsed.protocol === "http:");
  if (!allowed) {
    const via = candidate === original ? "" : ` (redirected from ${original})`;
    throw new OperationalError(`data archive URL ${candidate}${via} must use https://`);
  }
  return parsed;
}

async function unpack(
  zipPath: string,
  unpackedDir: string,
  url: string,
  options: FetchArchiveOptions,
): Promise<void> {
  const tmp = `${unpackedDir}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    const { files, bytes } = await unzipSafely(
      zipPath,
      tmp,
      {
        maxUnpackedBytes: options.maxUnpackedBytes ?? 20 * GiB,
        maxEntries: options.maxEntries ?? 1_000_000,
      },
      options.logger,
    ).catch((error: unknown) => {
      if (error instanceof ArchiveError) {
        throw new ArchiveError(`refusing to unpack ${url}: ${error.message}`);
      }
      throw new OperationalError(
        `unpacking ${url}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    });
    await rm(unpackedDir, { recursive: true, force: true });
    await rename(tmp, unpackedDir);
    options.logger?.info(`data: unpacked ${files} files (${formatBytes(bytes)})`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The unpacked folder, or its only top-level folder (`dogImages/`) when it holds just that. */
async function dataRoot(unpackedDir: string): Promise<string> {
  const entries = (await readdir(unpackedDir, { withFileTypes: true })).filter(
    (e) => e.name !== ".DS_Store",
  );
  const only = entries[0];
  return entries.length === 1 && only?.isDirectory() === true
    ? join(unpackedDir, only.name)
    : unpackedDir;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readText(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  await writeFile(tmp, `${text}\n`);
  await rename(tmp, path);
}

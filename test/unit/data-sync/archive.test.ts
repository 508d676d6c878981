import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync, type Zippable } from "fflate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { archiveCacheKey, fetchArchive } from "../../../actions/src/data-sync/archive.js";
import { ArchiveError, safeEntryPath } from "../../../actions/src/data-sync/unzip.js";

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
const hits: { path: string; status: number; ifNoneMatch: string | undefined }[] = [];
let server: Server;
let base: string;
let cacheDir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? "");
    res.on("finish", () => {
      hits.push({
        path: req.url ?? "",
        status: res.statusCode,
        ifNoneMatch: req.headers["if-none-match"],
      });
    });
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes.clear();
  hits.length = 0;
  cacheDir = mkdtempSync(join(tmpdir(), "mlops-archive-"));
  return () => {
    rmSync(cacheDir, { recursive: true, force: true });
  };
});

/** Serves `zip` with an ETag, honouring If-None-Match. */
function serveZip(path: string, state: { zip: Uint8Array; etag: string | undefined }): void {
  routes.set(path, (req, res) => {
    if (state.etag !== undefined && req.headers["if-none-match"] === state.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/zip",
      "content-length": state.zip.length,
      ...(state.etag === undefined ? {} : { etag: state.etag }),
    });
    res.end(state.zip);
  });
}

const opts = { allowHttpForTests: true };
const dogs = (label: string): Uint8Array =>
  zipSync({
    "dogImages/train/001.Affenpinscher/a.jpg": strToU8(`train ${label}`),
    "dogImages/valid/001.Affenpinscher/b.jpg": strToU8("valid"),
    "dogImages/test/001.Affenpinscher/c.jpg": strToU8("test"),
    "__MACOSX/dogImages/._a.jpg": strToU8("resource fork"),
  });

describe("fetchArchive: download and ETag cache", () => {
  it("downloads once, revalidates with If-None-Match, and re-downloads when the ETag changes", async () => {
    const state = { zip: dogs("v1"), etag: '"v1"' };
    serveZip("/dogs.zip", state);
    const url = `${base}/dogs.zip`;

    const first = await fetchArchive(url, cacheDir, opts);
    expect(first.downloaded).toBe(true);
    expect(first.etag).toBe('"v1"');
    // Single top-level folder: the data root is dogImages/ itself; __MACOSX is dropped.
    expect(first.dir).toBe(join(cacheDir, archiveCacheKey(url), "unpacked", "dogImages"));
    expect(readdirSync(first.dir).sort()).toEqual(["test", "train", "valid"]);
    expect(existsSync(join(cacheDir, archiveCacheKey(url), "unpacked", "__MACOSX"))).toBe(false);
    expect(readFileSync(join(cacheDir, archiveCacheKey(url), "etag"), "utf8").trim()).toBe('"v1"');

    const second = await fetchArchive(url, cacheDir, opts);
    expect(second).toEqual({ dir: first.dir, etag: '"v1"', downloaded: false });
    expect(hits.map((h) => [h.status, h.ifNoneMatch])).toEqual([
      [200, undefined],
      [304, '"v1"'],
    ]);

    state.zip = dogs("v2");
    state.etag = '"v2"';
    const third = await fetchArchive(url, cacheDir, opts);
    expect(third.downloaded).toBe(true);
    expect(readFileSync(join(third.dir, "train/001.Affenpinscher/a.jpg"), "utf8")).toBe("train v2");
    expect(readdirSync(join(cacheDir, archiveCacheKey(url))).sort()).toEqual([
      "archive.zip",
      "etag",
      "unpacked",
    ]);
  });

  it("re-unpacks from the cached archive when the unpacked folder is gone", async () => {
    const state = { zip: dogs("v1"), etag: '"v1"' };
    serveZip("/dogs.zip", state);
    const url = `${base}/dogs.zip`;
    const first = await fetchArchive(url, cacheDir, opts);
    rmSync(join(cacheDir, archiveCacheKey(url), "unpacked"), { recursive: true });
    const second = await fetchArchive(url, cacheDir, opts);
    expect(second.downloaded).toBe(false);
    expect(readFileSync(join(second.dir, "valid/001.Affenpinscher/b.jpg"), "utf8")).toBe("valid");
    expect(second.dir).toBe(first.dir);
  });

  it("returns the unpacked folder itself when there are several top-level entries", async () => {
    serveZip("/flat.zip", {
      zip: zipSync({ "train/a.jpg": strToU8("a"), "labels.csv": strToU8("l") }),
      etag: undefined,
    });
    const fetched = await fetchArchive(`${base}/flat.zip`, cacheDir, opts);
    expect(fetched.dir.endsWith("unpacked")).toBe(true);
    expect(fetched.etag).toBeUndefined();
    expect(readdirSync(fetched.dir).sort()).toEqual(["labels.csv", "train"]);
  });

  it("follows redirects up to the limit", async () => {
    serveZip("/dogs.zip", { zip: dogs("r"), etag: '"r"' });
    routes.set("/old", (_req, res) => res.writeHead(302, { location: "/dogs.zip" }).end());
    routes.set("/loop", (_req, res) => res.writeHead(302, { location: "/loop" }).end());
    const fetched = await fetchArchive(`${base}/old`, cacheDir, opts);
    expect(readdirSync(fetched.dir).sort()).toEqual(["test", "train", "valid"]);
    await expect(
      fetchArchive(`${base}/loop`, cacheDir, { ...opts, maxRedirects: 3 }),
    ).rejects.toThrow(/more than 3 redirects/);
    expect(hits.filter((h) => h.path === "/loop")).toHaveLength(4);
  });

  it("is https only unless told otherwise for tests", async () => {
    await expect(fetchArchive(`${base}/dogs.zip`, cacheDir)).rejects.toThrow(/must use https/);
    routes.set("/to-http", (_req, res) =>
      res.writeHead(302, { location: "http://example.invalid/x.zip" }).end(),
    );
    // A redirect hop is checked too (here through an injected transport pretending to be https).
    const transport: typeof fetch = (input, init) => {
      const href =
        input instanceof URL ? input.href : typeof input === "string" ? input : input.url;
      return fetch(href.replace("https://tls.test", base), init);
    };
    await expect(
      fetchArchive("https://tls.test/to-http", cacheDir, { fetch: transport }),
    ).rejects.toThrow(
      /http:\/\/example\.invalid\/x\.zip \(redirected from https:\/\/tls\.test\/to-http\) must use https/,
    );
    expect(hits).toHaveLength(1);
  });

  it("caps the response size, declared or streamed", async () => {
    serveZip("/big.zip", { zip: new Uint8Array(4096), etag: '"b"' });
    routes.set("/chunked", (_req, res) => {
      res.writeHead(200); // no content-length
      for (let i = 0; i < 8; i++) res.write(Buffer.alloc(1024));
      res.end();
    });
    await expect(
      fetchArchive(`${base}/big.zip`, cacheDir, { ...opts, maxBytes: 1000 }),
    ).rejects.toThrow(ArchiveError);
    await expect(
      fetchArchive(`${base}/chunked`, cacheDir, { ...opts, maxBytes: 1000 }),
    ).rejects.toThrow(/larger than the limit/);
    const entry = join(cacheDir, archiveCacheKey(`${base}/chunked`));
    expect(readdirSync(entry)).toEqual([]);
  });

  it("times out when the server goes quiet", async () => {
    routes.set("/stall", (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(10));
      // ...and never ends.
    });
    await expect(
      fetchArchive(`${base}/stall`, cacheDir, { ...opts, timeoutMs: 200 }),
    ).rejects.toThrow(/no data for 200 ms/);
  });

  it("reports HTTP errors", async () => {
    await expect(fetchArchive(`${base}/missing.zip`, cacheDir, opts)).rejects.toThrow(/HTTP 404/);
  });
});

describe("fetchArchive: unsafe archives are refused", () => {
  const refuse = async (
    files: Zippable,
    limits: { maxUnpackedBytes?: number; maxEntries?: number } = {},
  ) => {
    serveZip("/bad.zip", { zip: zipSync(files), etag: '"bad"' });
    const url = `${base}/bad.zip`;
    const error = await fetchArchive(url, cacheDir, { ...opts, ...limits }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArchiveError);
    // Nothing half-unpacked is left, and no ETag claims a good copy.
    expect(readdirSync(join(cacheDir, archiveCacheKey(url)))).toEqual(["archive.zip"]);
    expect(existsSync(join(cacheDir, "..", "evil.txt"))).toBe(false);
    return (error as Error).message;
  };

  it("rejects zip-slip paths", async () => {
    expect(await refuse({ "ok.txt": strToU8("ok"), "../evil.txt": strToU8("x") })).toMatch(
      /refusing to unpack .*"\.\.\/evil\.txt" leaves the target folder/,
    );
    expect(await refuse({ "a/../../evil.txt": strToU8("x") })).toMatch(/leaves the target folder/);
    expect(await refuse({ "/etc/evil.txt": strToU8("x") })).toMatch(/absolute path/);
    expect(await refuse({ "..\\evil.txt": strToU8("x") })).toMatch(/leaves the target folder/);
  });

  it("rejects symlinks", async () => {
    const link: Zippable = {
      "data/link": [strToU8("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
    };
    expect(await refuse(link)).toMatch(/"data\/link" is a symbolic link/);
  });

  it("rejects zip bombs by unpacked bytes and by entry count", async () => {
    // 4 MiB of zeros compresses to a few KiB.
    expect(
      await refuse(
        { "zeros.bin": new Uint8Array(4 * 1024 * 1024) },
        { maxUnpackedBytes: 1024 * 1024 },
      ),
    ).toMatch(/more than the limit of 1048576 bytes/);
    const many: Zippable = {};
    for (let i = 0; i < 11; i++) many[`f${i}.txt`] = strToU8("x");
    expect(await refuse(many, { maxEntries: 10 })).toMatch(/11 entries, more than the limit of 10/);
  });
});

describe("safeEntryPath", () => {
  it.each([
    ["a/b.txt", ["a", "b.txt"]],
    ["./a//b.txt", ["a", "b.txt"]],
    ["dir/", ["dir"]],
  ])("accepts %s", (name, parts) => {
    expect(safeEntryPath(name)).toEqual(parts);
  });
  it.each(["../x", "a/../../x", "/x", "C:/x", "C:x", "a\\b", "a\0b"])("rejects %s", (name) => {
    expect(() => safeEntryPath(name)).toThrow(ArchiveError);
  });
});

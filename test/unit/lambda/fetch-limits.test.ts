// Size, time and content-type limits of the URL fetch, against a local server (the policy
// allows only that server's address, and http is allowed for it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "./helpers.js";
import {
  context,
  expectError,
  expectJson,
  harness,
  HTML,
  JPEG,
  parsedLogs,
  permissiveNetwork,
  PNG,
  serve,
  startServer,
  WEBP,
} from "./helpers.js";

let server: LocalServer;
const network = permissiveNetwork();
const url = (path: string): string => `http://img.test:${server.port}${path}`;
const LIMIT = 1000;
const env = { MLOPS_MAX_IMAGE_BYTES: String(LIMIT), MLOPS_FETCH_TIMEOUT_MS: "300" };

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

const jpegOfSize = (size: number): Buffer =>
  Buffer.concat([JPEG, Buffer.alloc(size - JPEG.length, 9)]);

describe("size cap", () => {
  it("refuses by Content-Length before reading the body -> 413", async () => {
    let written = 0;
    server.route("/big-declared", (_req, res) => {
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": 50_000 });
      // Send only the first part and keep the response open: a client that waited for the
      // whole body would time out (504) instead.
      res.write(jpegOfSize(500));
      written = 500;
    });
    const { handler, runtime } = harness({
      network,
      env: { ...env, MLOPS_FETCH_TIMEOUT_MS: "5000" },
    });
    const started = Date.now();
    const message = expectError(
      await handler({ url: url("/big-declared") }, context),
      413,
      "image_too_large",
    );
    expect(message).toMatch(/limit of 1000 bytes/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(written).toBe(500);
    expect(runtime.calls).toHaveLength(0);
  });

  it("refuses while streaming when there is no Content-Length -> 413", async () => {
    let chunksSent = 0;
    server.route("/big-chunked", (_req, res) => {
      res.writeHead(200, { "content-type": "image/jpeg" }); // chunked, no length
      const timer = setInterval(() => {
        if (res.destroyed || chunksSent >= 200) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(chunksSent === 0 ? jpegOfSize(300) : Buffer.alloc(300, 1));
        chunksSent++;
      }, 2);
    });
    const { handler, runtime } = harness({
      network,
      env: { ...env, MLOPS_FETCH_TIMEOUT_MS: "5000" },
    });
    expectError(await handler({ url: url("/big-chunked") }, context), 413, "image_too_large");
    expect(chunksSent).toBeLessThan(50); // it stopped reading soon after the cap
    expect(runtime.calls).toHaveLength(0);
  });

  it("accepts an image of exactly the limit", async () => {
    server.route("/exact", serve(jpegOfSize(LIMIT), "image/jpeg"));
    const { handler, runtime } = harness({ network, env });
    expectJson(await handler({ url: url("/exact") }, context), 200);
    expect(runtime.calls[0]?.bytes.length).toBe(LIMIT);
  });

  it("one byte over the limit streamed without Content-Length -> 413", async () => {
    server.route("/one-over", (_req, res) => {
      res.writeHead(200, { "content-type": "image/jpeg" });
      res.end(jpegOfSize(LIMIT + 1));
    });
    const { handler } = harness({ network, env });
    expectError(await handler({ url: url("/one-over") }, context), 413, "image_too_large");
  });
});

describe("timeouts", () => {
  it("a server that never answers -> 504 fetch_timeout", async () => {
    server.route("/silent", () => {
      /* never answers */
    });
    const { handler } = harness({ network, env });
    const started = Date.now();
    expectError(await handler({ url: url("/silent") }, context), 504, "fetch_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a body that trickles past the deadline -> 504 (the deadline covers the whole fetch)", async () => {
    server.route("/trickle", (_req, res) => {
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": 900 });
      res.write(JPEG);
      const timer = setInterval(() => {
        if (res.destroyed) clearInterval(timer);
        else res.write(Buffer.alloc(1));
      }, 20);
    });
    const { handler } = harness({ network, env });
    expectError(await handler({ url: url("/trickle") }, context), 504, "fetch_timeout");
  });

  it("the Lambda's remaining time caps the fetch timeout", async () => {
    const { handler } = harness({ network, env: { ...env, MLOPS_FETCH_TIMEOUT_MS: "60000" } });
    const started = Date.now();
    const response = await handler(
      { url: url("/silent") },
      { awsRequestId: "r", getRemainingTimeInMillis: () => 700 },
    );
    expectError(response, 504, "fetch_timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("content type", () => {
  it.each([
    ["text/html", HTML, "/html", /served text\/html/],
    ["application/json", Buffer.from("{}"), "/json", /served application\/json/],
    ["image/png (but HTML bytes)", HTML, "/fake-png", /did not serve a JPEG, PNG, GIF or WebP/],
    ["image/svg+xml", Buffer.from("<svg/>"), "/svg", /did not serve/],
  ])("%s -> 400 not_an_image", async (type, bytes, path, reason) => {
    server.route(path, serve(bytes, type.split(" ")[0]));
    const { handler, runtime } = harness({ network, env });
    expect(expectError(await handler({ url: url(path) }, context), 400, "not_an_image")).toMatch(
      reason,
    );
    expect(runtime.calls).toHaveLength(0);
  });

  it.each([
    ["image/jpeg", JPEG, "image/jpeg"],
    ["image/png", PNG, "image/png"],
    ["application/octet-stream", JPEG, "image/jpeg"],
    ["image/jpeg (but PNG bytes)", PNG, "image/png"],
    ["image/webp", WEBP, "application/x-image"],
  ])("%s is accepted and sent to the endpoint as %s", async (declared, bytes, sent) => {
    const path = `/ok-${declared.replace(/\W+/g, "-")}`;
    server.route(path, serve(bytes, declared.split(" ")[0]));
    const { handler, runtime } = harness({ network, env });
    expectJson(await handler({ url: url(path) }, context), 200);
    expect(runtime.calls[0]).toMatchObject({ contentType: sent, accept: "application/json" });
    expect(runtime.calls[0]?.bytes.equals(bytes)).toBe(true);
  });
});

describe("upstream failures", () => {
  it("a 404 from the image host -> 400 fetch_failed", async () => {
    const { handler } = harness({ network, env });
    const message = expectError(
      await handler({ url: url("/missing") }, context),
      400,
      "fetch_failed",
    );
    expect(message).toMatch(/HTTP 404/);
  });

  it("a closed port -> 400 fetch_failed", async () => {
    const closed = await startServer();
    const port = closed.port;
    await closed.close();
    const { handler } = harness({ network, env });
    const message = expectError(
      await handler({ url: `http://img.test:${port}/x.jpg` }, context),
      400,
      "fetch_failed",
    );
    expect(message).toMatch(/ECONNREFUSED/);
  });

  it("an unknown host -> 400 fetch_failed", async () => {
    const { handler } = harness({ network, env });
    expectError(await handler({ url: "http://nowhere.test/x.jpg" }, context), 400, "fetch_failed");
  });
});

describe("logging", () => {
  it("logs one JSON line without the query string or the image bytes", async () => {
    server.route("/logged.jpg", serve(JPEG, "image/jpeg"));
    const { handler, logs } = harness({ network, env });
    const response = await handler(
      { url: url("/logged.jpg?X-Amz-Signature=secret123&token=abc") },
      context,
    );
    expectJson(response, 200);
    expect(server.requests.at(-1)).toContain("X-Amz-Signature=secret123"); // it was fetched as given
    const records = parsedLogs(logs);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: "info",
      requestId: "req-test-1",
      status: 200,
      url: `http://img.test:${server.port}/logged.jpg`,
      imageBytes: JPEG.length,
      durationMs: expect.any(Number) as unknown,
      fetchMs: expect.any(Number) as unknown,
      invokeMs: expect.any(Number) as unknown,
    });
    const all = logs.join("\n");
    expect(all).not.toContain("secret123");
    expect(all).not.toContain("token=");
    expect(all).not.toContain(JPEG.toString("base64").slice(0, 16));
  });
});

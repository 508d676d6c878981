// The production path end to end: https, TLS verification, and the guarded lookup, against a
// local HTTPS server with a throw-away self-signed certificate (made with openssl; the tests are
// skipped where openssl is missing).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:https";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  context,
  expectError,
  expectJson,
  harness,
  JPEG,
  loopbackServerPolicy,
  tableResolver,
} from "./helpers.js";

const hasOpenssl = ((): boolean => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let dir = "";
let cert = "";
let server: Server | undefined;
let port = 0;
const requests: string[] = [];

beforeAll(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "mlops-tls-"));
  // prettier-ignore
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2",
    "-subj", "/CN=img.test", "-addext", "subjectAltName=DNS:img.test,IP:127.0.0.1",
  ], { stdio: "ignore" });
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  const key = readFileSync(join(dir, "key.pem"), "utf8");
  const tls = createServer({ cert, key }, (req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "image/jpeg", "content-length": JPEG.length }).end(JPEG);
  });
  server = tls;
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  port = (tls.address() as AddressInfo).port;
});

afterAll(async () => {
  const tls = server;
  if (tls !== undefined) {
    tls.closeAllConnections();
    await new Promise<void>((resolve) =>
      tls.close(() => {
        resolve();
      }),
    );
  }
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const resolve = tableResolver({ "img.test": ["127.0.0.1"] });

describe.skipIf(!hasOpenssl)("https fetch (production protocols)", () => {
  it("fetches over TLS with the certificate verified for the host name", async () => {
    const { handler, runtime } = harness({
      network: { resolve, addressPolicy: loopbackServerPolicy, ca: cert },
    });
    expectJson(await handler({ url: `https://img.test:${port}/dog.jpg?sig=1` }, context), 200);
    expect(runtime.calls[0]?.bytes.equals(JPEG)).toBe(true);
    expect(requests.at(-1)).toBe("/dog.jpg?sig=1");
  });

  it("refuses an untrusted certificate -> 400 fetch_failed", async () => {
    const { handler } = harness({ network: { resolve, addressPolicy: loopbackServerPolicy } });
    expectError(
      await handler({ url: `https://img.test:${port}/dog.jpg` }, context),
      400,
      "fetch_failed",
    );
  });

  it("with the production policy the same server is blocked before the handshake", async () => {
    const before = requests.length;
    const { handler } = harness({ network: { resolve, ca: cert } });
    expectError(
      await handler({ url: `https://img.test:${port}/dog.jpg` }, context),
      400,
      "blocked_address",
    );
    expect(requests.length).toBe(before);
  });
});

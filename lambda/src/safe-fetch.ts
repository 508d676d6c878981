// Fetches an image URL for the handler without becoming an SSRF proxy.
//
// - Only the allowed schemes (https in production), no credentials in the URL.
// - Every address is checked at connect time: IP-literal hosts before connecting, host names in
//   the custom `lookup` that the socket itself uses, so the address that was checked is the one
//   that is connected to (no DNS rebinding window); the socket's remote address is checked again
//   on connect as a second line.
// - At most `maxRedirects` redirects, each hop re-checked (scheme, credentials, address).
// - Size cap by Content-Length and while streaming; one deadline for the whole fetch.
// - The declared Content-Type must be able to carry an image and the bytes must sniff as one.
import type { IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import { promises as dns } from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction, Socket } from "node:net";
import { isIP } from "node:net";
import type { AddressPolicy } from "./address-policy.js";
import { publicAddressPolicy } from "./address-policy.js";
import { withDeadline } from "./deadline.js";
import { badRequest, echo, HttpError, tooLarge } from "./errors.js";
import type { ImageType } from "./image.js";
import { mayBeImage, mediaType, sniffImageType } from "./image.js";

/** Resolves a host name to every address it has (like dns.lookup with all: true). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export type FetchProtocol = "https:" | "http:";

/** The network seams: production values by default, replaced only by tests. */
export interface NetworkOptions {
  readonly addressPolicy: AddressPolicy;
  readonly resolve: Resolver;
  /** Production: ["https:"]. Tests may add "http:" to talk to a plain local server. */
  readonly allowedProtocols: readonly FetchProtocol[];
  /** Extra trusted CA certificates (tests with a self-signed local HTTPS server). */
  readonly ca?: string | Buffer;
}

export interface FetchLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

export interface FetchedImage {
  readonly bytes: Buffer;
  readonly type: ImageType;
  readonly redirects: number;
}

export const systemResolver: Resolver = (hostname) =>
  dns.lookup(hostname, { all: true, verbatim: true });

export const productionNetwork: NetworkOptions = {
  addressPolicy: publicAddressPolicy,
  resolve: systemResolver,
  allowedProtocols: ["https:"],
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const blocked = (reason: string): HttpError =>
  badRequest("blocked_address", `the image URL points to a blocked address: ${reason}`);

/** The host of a URL as an IP literal without brackets, or undefined for a host name. */
function ipLiteral(url: URL): string | undefined {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

function checkUrl(url: URL, network: NetworkOptions): void {
  if (!(network.allowedProtocols as readonly string[]).includes(url.protocol)) {
    throw badRequest(
      "unsupported_scheme",
      `the image URL must use ${network.allowedProtocols.map((p) => p.slice(0, -1)).join(" or ")}, not ${echo(url.protocol.slice(0, -1))}`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw badRequest("invalid_url", "the image URL must not contain credentials");
  }
  const literal = ipLiteral(url);
  if (literal !== undefined) {
    const decision = network.addressPolicy(literal);
    if (!decision.allowed) throw blocked(decision.reason);
  }
}

/** A `lookup` for net/tls sockets that resolves, then refuses if any address is denied. */
function guardedLookup(network: NetworkOptions): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    network
      .resolve(hostname)
      .then((resolved) => {
        if (resolved.length === 0)
          throw badRequest("fetch_failed", "the image host has no address");
        for (const { address } of resolved) {
          const decision = network.addressPolicy(address);
          if (!decision.allowed) throw blocked(decision.reason);
        }
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable =
          family === undefined ? resolved : resolved.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          throw badRequest("fetch_failed", "the image host has no address of the needed family");
        }
        if (options.all === true) callback(null, [...usable]);
        else callback(null, first.address, first.family);
      })
      .catch((err: unknown) => {
        callback(err as NodeJS.ErrnoException, "", 0);
      });
  };
}

function requestOnce(
  url: URL,
  network: NetworkOptions,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const literal = ipLiteral(url);
    const options: https.RequestOptions = {
      protocol: url.protocol,
      hostname: literal ?? url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: {
        accept: "image/jpeg, image/png, image/webp, image/gif, */*;q=0.1",
        "accept-encoding": "identity",
        "user-agent": "mlops-gitops-inference-lambda/1",
      },
      agent: false,
      lookup: guardedLookup(network),
      signal,
      ...(network.ca === undefined ? {} : { ca: network.ca }),
    };
    const request = url.protocol === "https:" ? https.request(options) : http.request(options);
    request.on("socket", (socket: Socket) => {
      socket.once("connect", () => {
        const remote = socket.remoteAddress;
        const decision =
          remote === undefined
            ? { allowed: false as const, reason: "unknown remote address" }
            : network.addressPolicy(remote);
        if (!decision.allowed) request.destroy(blocked(decision.reason));
      });
    });
    request.once("response", resolve);
    request.once("error", reject);
    request.end();
  });
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge(maxBytes, "the image at the URL");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function describeNetworkError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === "string" ? echo(code) : "network error";
  return badRequest("fetch_failed", `could not fetch the image URL (${detail})`, err);
}

async function fetchHops(
  start: URL,
  network: NetworkOptions,
  limits: FetchLimits,
  signal: AbortSignal,
): Promise<FetchedImage> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    checkUrl(url, network);
    let response: IncomingMessage;
    try {
      response = await requestOnce(url, network, signal);
    } catch (err) {
      throw describeNetworkError(err);
    }
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.destroy();
      const location = response.headers.location;
      if (location === undefined) {
        throw badRequest("fetch_failed", `the image URL redirected (${status}) without a Location`);
      }
      if (redirects >= limits.maxRedirects) {
        throw badRequest(
          "too_many_redirects",
          `the image URL redirected more than ${limits.maxRedirects} times`,
        );
      }
      try {
        url = new URL(location, url);
      } catch (err) {
        throw badRequest("invalid_url", "the image URL redirected to an invalid URL", err);
      }
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw badRequest("fetch_failed", `the image URL answered HTTP ${status}, not 200`);
    }
    const declared = response.headers["content-type"];
    if (!mayBeImage(declared)) {
      response.destroy();
      throw badRequest(
        "not_an_image",
        `the image URL served ${echo(mediaType(declared) ?? "?")}, not an image`,
      );
    }
    const length = Number(response.headers["content-length"] ?? Number.NaN);
    if (Number.isFinite(length) && length > limits.maxBytes) {
      response.destroy();
      throw tooLarge(limits.maxBytes, "the image at the URL");
    }
    let bytes: Buffer;
    try {
      bytes = await readBody(response, limits.maxBytes);
    } catch (err) {
      throw describeNetworkError(err);
    }
    const type = sniffImageType(bytes);
    if (type === undefined) {
      throw badRequest(
        "not_an_image",
        "the image URL did not serve a JPEG, PNG, GIF or WebP image",
      );
    }
    return { bytes, type, redirects };
  }
}

/** Fetches an image with the checks above; throws HttpError (400/413/504) on refusal. */
export async function fetchImage(
  rawUrl: string,
  network: NetworkOptions,
  limits: FetchLimits,
): Promise<FetchedImage> {
  let start: URL;
  try {
    start = new URL(rawUrl);
  } catch (err) {
    throw badRequest("invalid_url", "the image URL is not a valid absolute URL", err);
  }
  // Past the deadline the abort closes whatever socket is still open.
  return withDeadline(
    limits.timeoutMs,
    () =>
      new HttpError(
        504,
        "fetch_timeout",
        `fetching the image took longer than ${limits.timeoutMs} ms`,
      ),
    (signal) => fetchHops(start, network, limits, signal),
  );
}

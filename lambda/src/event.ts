// Turns whatever invoked the function into one of two requests: an image URL to fetch or the
// image bytes themselves. Accepted shapes:
//   - direct invocation: {"url": "https://..."} (the original contract) or {"image": "<base64>"}
//     (also as a JSON string)
//   - API Gateway REST (v1) and HTTP (v2) proxy events and Function URL events, whose body is
//     JSON of the shape above or a raw image (Content-Type image/* or octet-stream), possibly
//     base64-encoded (isBase64Encoded).
import { badRequest, echo, HttpError, tooLarge } from "./errors.js";
import { mediaType } from "./image.js";

export type ImageRequest =
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "image"; readonly bytes: Buffer; readonly source: "base64" | "body" };

export type ParsedEvent =
  | { readonly kind: "request"; readonly request: ImageRequest; readonly proxy: boolean }
  | { readonly kind: "preflight" };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const USAGE =
  'expected a JSON object with "url" (an https URL of an image) or "image" (a base64-encoded image)';

/** Decoded size of a base64 text, computed without decoding it. */
const decodedLength = (b64: string): number =>
  Math.floor((b64.length * 3) / 4) - (b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0);

/**
 * Strict base64 (standard or URL-safe alphabet, optional padding, whitespace ignored, optional
 * data: URL prefix). The size is checked before decoding so huge inputs are refused cheaply.
 */
export function decodeBase64Image(text: string, maxBytes: number): Buffer {
  const dataUrl = /^data:[^,]*;base64,/i.exec(text);
  const b64 = (dataUrl === null ? text : text.slice(dataUrl[0].length)).replace(/\s+/g, "");
  if (decodedLength(b64) > maxBytes) throw tooLarge(maxBytes, "the base64 image");
  if (b64 === "" || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64) || b64.length % 4 === 1) {
    throw badRequest("invalid_base64", '"image" is not valid base64');
  }
  if (b64.includes("=") && b64.length % 4 !== 0) {
    throw badRequest("invalid_base64", '"image" is not valid base64 (bad padding)');
  }
  return Buffer.from(b64, "base64");
}

function fromPayload(payload: unknown, maxBytes: number): ImageRequest {
  if (!isObject(payload)) throw badRequest("missing_input", USAGE);
  const { url, image } = payload;
  if (url !== undefined && image !== undefined) {
    throw badRequest("ambiguous_input", 'give either "url" or "image", not both');
  }
  if (url !== undefined) {
    if (typeof url !== "string" || url.trim() === "") {
      throw badRequest("invalid_url", '"url" must be a non-empty string');
    }
    return { kind: "url", url: url.trim() };
  }
  if (image !== undefined) {
    if (typeof image !== "string") {
      throw badRequest("invalid_base64", '"image" must be a base64 string');
    }
    return { kind: "image", bytes: decodeBase64Image(image, maxBytes), source: "base64" };
  }
  throw badRequest("missing_input", USAGE);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest("invalid_json", `${what} is not valid JSON`, err);
  }
}

function header(headers: unknown, name: string): string | undefined {
  if (!isObject(headers)) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === "string") return value;
  }
  return undefined;
}

const isProxyEvent = (event: Json): boolean =>
  "httpMethod" in event ||
  "routeKey" in event ||
  "requestContext" in event ||
  ("body" in event && "headers" in event);

function proxyMethod(event: Json): string | undefined {
  if (typeof event.httpMethod === "string") return event.httpMethod.toUpperCase();
  const context = event.requestContext;
  if (isObject(context) && isObject(context.http) && typeof context.http.method === "string") {
    return context.http.method.toUpperCase();
  }
  return undefined;
}

const RAW_IMAGE_TYPES = new Set([
  "application/octet-stream",
  "binary/octet-stream",
  "application/x-image",
]);
const JSON_TYPES = new Set(["application/json", "text/plain"]);

function fromProxy(event: Json, maxBytes: number): ParsedEvent {
  const method = proxyMethod(event);
  if (method === "OPTIONS") return { kind: "preflight" };
  if (method !== undefined && method !== "POST") {
    throw new HttpError(405, "method_not_allowed", `use POST, not ${echo(method)}`);
  }
  const body = event.body;
  if (body === undefined || body === null || body === "") {
    throw badRequest("missing_input", `the request body is empty; ${USAGE}`);
  }
  if (typeof body !== "string") throw badRequest("missing_input", USAGE);
  const base64 = event.isBase64Encoded === true;
  const type = mediaType(header(event.headers, "content-type"));

  if (type !== undefined && (type.startsWith("image/") || RAW_IMAGE_TYPES.has(type))) {
    if (base64) {
      return {
        kind: "request",
        request: { kind: "image", bytes: decodeBase64Image(body, maxBytes), source: "body" },
        proxy: true,
      };
    }
    const bytes = Buffer.from(body, "latin1");
    if (bytes.length > maxBytes) throw tooLarge(maxBytes, "the request body");
    return { kind: "request", request: { kind: "image", bytes, source: "body" }, proxy: true };
  }
  if (type !== undefined && !JSON_TYPES.has(type) && !type.endsWith("+json")) {
    throw badRequest(
      "unsupported_media_type",
      `cannot read a ${echo(type)} body; send application/json or an image`,
    );
  }
  const text = base64 ? Buffer.from(body, "base64").toString("utf8") : body;
  return {
    kind: "request",
    request: fromPayload(parseJson(text, "the request body"), maxBytes),
    proxy: true,
  };
}

export function parseEvent(event: unknown, maxBytes: number): ParsedEvent {
  const value = typeof event === "string" ? parseJson(event, "the event") : event;
  if (isObject(value) && isProxyEvent(value)) return fromProxy(value, maxBytes);
  return { kind: "request", request: fromPayload(value, maxBytes), proxy: false };
}

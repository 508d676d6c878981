// Event shapes: the original {"url"} event, {"image"} base64, API Gateway REST (v1), HTTP API
// (v2) and Function URL events with JSON or raw image bodies, and their failure modes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "./helpers.js";
import {
  context,
  expectError,
  expectJson,
  harness,
  httpV2Event,
  JPEG,
  permissiveNetwork,
  PNG,
  restV1Event,
  serve,
  startServer,
} from "./helpers.js";

let server: LocalServer;
const network = permissiveNetwork();
const dogUrl = (): string => `http://img.test:${server.port}/dog.jpg`;

beforeAll(async () => {
  server = await startServer();
  server.route("/dog.jpg", serve(JPEG, "image/jpeg"));
});

afterAll(async () => {
  await server.close();
});

const EXPECTED_BODY = {
  predictions: [
    { label: "Labrador_retriever", index: 95, probability: 0.81 },
    { label: "Chesapeake_bay_retriever", index: 40, probability: 0.1 },
    { label: "Golden_retriever", index: 75, probability: 0.05 },
  ],
  scores: [0.1, 0.2, 0.3],
  model: { endpoint: "dog-breeds-prod" },
};

describe("success", () => {
  it('the original event {"url"} -> 200 with top-3, scores and the endpoint name', async () => {
    const { handler, runtime } = harness({ network });
    const response = await handler({ url: dogUrl() }, context);
    expect(expectJson(response, 200)).toEqual(EXPECTED_BODY);
    // No origin configured: no CORS header (never a wildcard nobody chose).
    expect(response.headers["Access-Control-Allow-Origin"]).toBeUndefined();
    expect(runtime.calls).toHaveLength(1);
    expect(runtime.calls[0]).toMatchObject({
      endpointName: "dog-breeds-prod",
      contentType: "image/jpeg",
      accept: "application/json",
    });
    expect(runtime.calls[0]?.bytes.equals(JPEG)).toBe(true);
  });

  it('{"image": base64} -> 200, bytes sent as they were', async () => {
    const { handler, runtime } = harness();
    const response = await handler({ image: PNG.toString("base64") }, context);
    expect(expectJson(response, 200)).toEqual(EXPECTED_BODY);
    expect(runtime.calls[0]?.contentType).toBe("image/png");
    expect(runtime.calls[0]?.bytes.equals(PNG)).toBe(true);
  });

  it("a data: URL and line-wrapped base64 are accepted", async () => {
    const wrapped = JPEG.toString("base64").replace(/(.{20})/g, "$1\n");
    const { handler, runtime } = harness();
    expectJson(await handler({ image: `data:image/jpeg;base64,${wrapped}` }, context), 200);
    expect(runtime.calls[0]?.bytes.equals(JPEG)).toBe(true);
  });

  it("a direct invocation with a JSON string payload", async () => {
    const { handler } = harness({ network });
    expectJson(await handler(JSON.stringify({ url: dogUrl() }), context), 200);
  });

  it("API Gateway REST (v1) with a JSON body", async () => {
    const { handler } = harness({ network });
    const response = await handler(restV1Event(JSON.stringify({ url: dogUrl() })), context);
    expect(expectJson(response, 200)).toEqual(EXPECTED_BODY);
  });

  it("API Gateway REST (v1) with a base64-encoded JSON body", async () => {
    const { handler } = harness();
    const bodyText = Buffer.from(JSON.stringify({ image: JPEG.toString("base64") })).toString(
      "base64",
    );
    expectJson(
      await handler(restV1Event(bodyText, { "Content-Type": "application/json" }, true), context),
      200,
    );
  });

  it("HTTP API (v2) / Function URL with a JSON body", async () => {
    const { handler } = harness({ network });
    const response = await handler(httpV2Event(JSON.stringify({ url: dogUrl() })), context);
    expect(expectJson(response, 200)).toEqual(EXPECTED_BODY);
  });

  it("Function URL with a raw image body (base64-encoded by the service)", async () => {
    const { handler, runtime } = harness();
    const event = httpV2Event(PNG.toString("base64"), { "content-type": "image/png" }, true);
    expectJson(await handler(event, context), 200);
    expect(runtime.calls[0]?.contentType).toBe("image/png");
    expect(runtime.calls[0]?.bytes.equals(PNG)).toBe(true);
  });

  it("REST (v1) with a raw image body and a mixed-case header name", async () => {
    const { handler, runtime } = harness();
    const event = restV1Event(JPEG.toString("base64"), { "CONTENT-TYPE": "image/jpeg" }, true);
    expectJson(await handler(event, context), 200);
    expect(runtime.calls[0]?.bytes.equals(JPEG)).toBe(true);
  });

  it("MLOPS_TOP_K and MLOPS_CORS_ORIGIN are honoured", async () => {
    const { handler } = harness({
      env: { MLOPS_TOP_K: "1", MLOPS_CORS_ORIGIN: "https://app.example.com" },
    });
    const response = await handler({ image: JPEG.toString("base64") }, context);
    const parsed = expectJson(response, 200);
    expect(parsed.predictions).toHaveLength(1);
    expect(response.headers["Access-Control-Allow-Origin"]).toBe("https://app.example.com");
  });

  it("an empty MLOPS_CORS_ORIGIN sends no CORS header", async () => {
    const { handler } = harness({ env: { MLOPS_CORS_ORIGIN: "" } });
    const response = await handler({ image: JPEG.toString("base64") }, context);
    expectJson(response, 200);
    expect(Object.keys(response.headers)).toEqual(["Content-Type"]);
  });

  it("an OPTIONS preflight -> 204 with CORS headers, no endpoint call", async () => {
    const { handler, runtime } = harness({ env: { MLOPS_CORS_ORIGIN: "*" } });
    const response = await handler(httpV2Event(undefined, {}, false, "OPTIONS"), context);
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "POST, OPTIONS",
    });
    expect(runtime.calls).toHaveLength(0);
  });
});

describe("bad input -> 400 with the reason", () => {
  it.each([
    ["malformed JSON body (v1)", restV1Event("{not json"), "invalid_json", /not valid JSON/],
    ["malformed JSON body (v2)", httpV2Event('{"url":'), "invalid_json", /not valid JSON/],
    ["malformed JSON string event", "{oops", "invalid_json", /not valid JSON/],
    ["empty body", restV1Event(null), "missing_input", /body is empty/],
    ["neither url nor image", { picture: "x" }, "missing_input", /"url".*"image"/],
    ["a JSON array", [1, 2], "missing_input", /"url"/],
    ["null event", null, "missing_input", /"url"/],
    [
      "both url and image",
      { url: "https://a.example/x.jpg", image: "AAAA" },
      "ambiguous_input",
      /not both/,
    ],
    ["url is not a string", { url: 42 }, "invalid_url", /non-empty string/],
    ["image is not a string", { image: 42 }, "invalid_base64", /base64/],
    ["image is not base64", { image: "not base64!!" }, "invalid_base64", /not valid base64/],
    ["image has bad padding", { image: "QUJD=A==" }, "invalid_base64", /not valid base64/],
    ["image is empty", { image: "" }, "invalid_base64", /not valid base64/],
    [
      "image decodes to non-image bytes",
      { image: Buffer.from("hello world").toString("base64") },
      "not_an_image",
      /not a JPEG/,
    ],
    [
      "unsupported body type",
      restV1Event("a=b", { "Content-Type": "application/x-www-form-urlencoded" }),
      "unsupported_media_type",
      /x-www-form-urlencoded/,
    ],
    [
      "raw body that is not an image",
      httpV2Event(
        Buffer.from("<html/>").toString("base64"),
        { "content-type": "image/jpeg" },
        true,
      ),
      "not_an_image",
      /not a JPEG/,
    ],
  ])("%s", async (_name, event, code, reason) => {
    const { handler, runtime } = harness();
    expect(expectError(await handler(event, context), 400, code)).toMatch(reason);
    expect(runtime.calls).toHaveLength(0);
  });

  it("echoes at most a few dozen characters of a caller's method or content type", async () => {
    const { handler } = harness();
    const method = expectError(
      await handler(restV1Event(null, {}, false, "X".repeat(100_000)), context),
      405,
      "method_not_allowed",
    );
    expect(method.length).toBeLessThan(100);
    const type = expectError(
      await handler(restV1Event("a", { "Content-Type": `text/${"y".repeat(100_000)}` }), context),
      400,
      "unsupported_media_type",
    );
    expect(type.length).toBeLessThan(150);
    expect(type).toContain("(100005 characters)");
  });

  it("GET -> 405", async () => {
    const { handler } = harness();
    expectError(
      await handler(restV1Event(null, {}, false, "GET"), context),
      405,
      "method_not_allowed",
    );
  });
});

describe("too large inline images -> 413 (checked before decoding)", () => {
  it("huge base64 in a direct event", async () => {
    const { handler, runtime } = harness();
    const huge = "A".repeat(8 * 1024 * 1024); // 6 MiB decoded, over the 5 MiB default
    const message = expectError(await handler({ image: huge }, context), 413, "image_too_large");
    expect(message).toMatch(/base64 image is larger than the limit of 5242880 bytes/);
    expect(runtime.calls).toHaveLength(0);
  });

  it("a raw body over MLOPS_MAX_IMAGE_BYTES", async () => {
    const { handler } = harness({ env: { MLOPS_MAX_IMAGE_BYTES: "100" } });
    const big = Buffer.concat([JPEG, Buffer.alloc(200)]).toString("base64");
    const event = httpV2Event(big, { "content-type": "image/jpeg" }, true);
    expectError(await handler(event, context), 413, "image_too_large");
  });

  it("just under the limit is accepted", async () => {
    const { handler } = harness({ env: { MLOPS_MAX_IMAGE_BYTES: String(JPEG.length) } });
    expectJson(await handler({ image: JPEG.toString("base64") }, context), 200);
  });
});

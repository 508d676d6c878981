// Shared test scaffolding for the Lambda handler: a local HTTP server on 127.0.0.1, a fake
// SageMaker runtime, image fixtures, event builders and response assertions.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LookupAddress } from "node:dns";
import type {
  InvokeEndpointCommand,
  InvokeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import { expect } from "vitest";
import type { AddressPolicy } from "../../../lambda/src/address-policy.js";
import { publicAddressPolicy } from "../../../lambda/src/address-policy.js";
import type { Handler, HandlerDeps } from "../../../lambda/src/app.js";
import { createHandler } from "../../../lambda/src/app.js";
import type { EndpointRuntime } from "../../../lambda/src/invoke.js";
import type { LambdaResponse } from "../../../lambda/src/response.js";
import type { NetworkOptions, Resolver } from "../../../lambda/src/safe-fetch.js";

// --- images -----------------------------------------------------------------------------------

export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 7)]);
export const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(60, 3),
]);
export const WEBP = Buffer.concat([
  Buffer.from("RIFF"),
  Buffer.from([0x40, 0, 0, 0]),
  Buffer.from("WEBPVP8 "),
  Buffer.alloc(52, 1),
]);
export const HTML = Buffer.from("<!doctype html><html><body>not a dog</body></html>");

// --- local server -----------------------------------------------------------------------------

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  readonly port: number;
  readonly origin: string;
  /** Paths requested so far (with query strings). */
  readonly requests: string[];
  readonly route: (path: string, handler: Route) => void;
  readonly close: () => Promise<void>;
}

export async function startServer(): Promise<LocalServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push(url);
    const route = routes.get(url.split("?")[0] ?? url);
    if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("no route");
      return;
    }
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export const serve =
  (
    body: Buffer,
    contentType: string | undefined,
    extraHeaders: Record<string, string> = {},
  ): Route =>
  (_req, res) => {
    const headers: Record<string, string | number> = {
      "content-length": body.length,
      ...extraHeaders,
    };
    if (contentType !== undefined) headers["content-type"] = contentType;
    res.writeHead(200, headers).end(body);
  };

export const redirect =
  (location: string, status = 302): Route =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };

// --- network seams ----------------------------------------------------------------------------

/** A resolver from a fixed table (IPv4 or IPv6 literals); unknown names fail like DNS does. */
export function tableResolver(
  table: Record<string, readonly string[]>,
  calls?: string[],
): Resolver {
  return (hostname) => {
    calls?.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) {
      return Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
      );
    }
    return Promise.resolve(
      addresses.map((address): LookupAddress => ({
        address,
        family: address.includes(":") ? 6 : 4,
      })),
    );
  };
}

/** The production policy, except that the local test server's address is allowed. */
export const loopbackServerPolicy: AddressPolicy = (address) =>
  address === "127.0.0.1" ? { allowed: true } : publicAddressPolicy(address);

/** Network for tests that exercise size/time/type limits against the local http server. */
export const permissiveNetwork = (
  table: Record<string, readonly string[]> = {},
): Partial<NetworkOptions> => ({
  addressPolicy: loopbackServerPolicy,
  allowedProtocols: ["http:", "https:"],
  resolve: tableResolver({ "img.test": ["127.0.0.1"], ...table }),
});

// --- fake SageMaker runtime -------------------------------------------------------------------

export interface InvokeCall {
  readonly endpointName: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly bytes: Buffer;
  readonly signal: AbortSignal | undefined;
}

export const body = (value: unknown): InvokeEndpointCommandOutput => ({
  // The SDK wraps bodies in Uint8ArrayBlobAdapter (from @smithy/core, not a direct dependency);
  // the handler only reads it as a Uint8Array.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  Body: Buffer.from(
    typeof value === "string" ? value : JSON.stringify(value),
  ) as Uint8Array as InvokeEndpointCommandOutput["Body"],
  ContentType: "application/json",
  $metadata: {},
});

export const MODEL_ANSWER = {
  predictions: [
    {
      top_k: [
        { label: "Labrador_retriever", index: 95, probability: 0.81 },
        { label: "Chesapeake_bay_retriever", index: 40, probability: 0.1 },
        { label: "Golden_retriever", index: 75, probability: 0.05 },
        { label: "Flat-coated_retriever", index: 66, probability: 0.02 },
      ],
      scores: [0.1, 0.2, 0.3],
    },
  ],
};

export class FakeRuntime implements EndpointRuntime {
  readonly calls: InvokeCall[] = [];

  constructor(
    private readonly respond: (call: InvokeCall) => Promise<InvokeEndpointCommandOutput> = () =>
      Promise.resolve(body(MODEL_ANSWER)),
  ) {}

  send(
    command: InvokeEndpointCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<InvokeEndpointCommandOutput> {
    const input = command.input;
    const call: InvokeCall = {
      endpointName: input.EndpointName,
      contentType: input.ContentType,
      accept: input.Accept,
      bytes: Buffer.from(input.Body as Uint8Array),
      signal: options?.abortSignal,
    };
    this.calls.push(call);
    return this.respond(call);
  }
}

// --- handler under test -----------------------------------------------------------------------

export const ENV = { MLOPS_ENDPOINT_NAME: "dog-breeds-prod" } as const;

export interface Harness {
  readonly handler: Handler;
  readonly runtime: FakeRuntime;
  readonly logs: string[];
}

export function harness(
  options: {
    env?: Record<string, string | undefined>;
    network?: Partial<NetworkOptions>;
    runtime?: FakeRuntime;
  } = {},
): Harness {
  const runtime = options.runtime ?? new FakeRuntime();
  const logs: string[] = [];
  const deps: HandlerDeps = {
    runtime,
    env: { ...ENV, ...options.env },
    logSink: (line) => logs.push(line),
    ...(options.network === undefined ? {} : { network: options.network }),
  };
  return { handler: createHandler(deps), runtime, logs };
}

export const context = { awsRequestId: "req-test-1" };

/**
 * Asserts the status, a JSON content type and a JSON body without stack traces or source paths;
 * returns the parsed body.
 */
export function expectJson(response: LambdaResponse, status: number): Record<string, unknown> {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers["Content-Type"]).toBe("application/json");
  expect(response.body).not.toMatch(
    /\n\s*at |\bat .*\(.*:\d+:\d+\)|node_modules|\.ts:\d+|Traceback/,
  );
  const parsed: unknown = JSON.parse(response.body);
  expect(parsed).toBeTypeOf("object");
  return parsed as Record<string, unknown>;
}

/** Asserts an error answer with the given status and code; returns its message. */
export function expectError(response: LambdaResponse, status: number, code: string): string {
  const parsed = expectJson(response, status);
  expect(parsed).toMatchObject({ error: { code } });
  const error = parsed.error as { message: unknown };
  expect(error.message).toBeTypeOf("string");
  return error.message as string;
}

/** Parsed log lines; each must be one JSON object with level, msg and requestId. */
export function parsedLogs(logs: readonly string[]): Record<string, unknown>[] {
  return logs.map((line) => {
    expect(line).not.toContain("\n");
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: expect.any(String) as unknown,
      msg: expect.any(String) as unknown,
      requestId: expect.any(String) as unknown,
    });
    return record;
  });
}

// --- events -----------------------------------------------------------------------------------

export function restV1Event(
  bodyText: string | null,
  headers: Record<string, string> = { "Content-Type": "application/json" },
  isBase64Encoded = false,
  httpMethod = "POST",
): Record<string, unknown> {
  return {
    resource: "/predict",
    path: "/predict",
    httpMethod,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    pathParameters: null,
    requestContext: { requestId: "apigw-1", stage: "prod", httpMethod },
    body: bodyText,
    isBase64Encoded,
  };
}

export function httpV2Event(
  bodyText: string | undefined,
  headers: Record<string, string> = { "content-type": "application/json" },
  isBase64Encoded = false,
  method = "POST",
): Record<string, unknown> {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers,
    requestContext: {
      http: { method, path: "/", protocol: "HTTP/1.1", sourceIp: "203.0.113.9" },
      requestId: "fnurl-1",
    },
    ...(bodyText === undefined ? {} : { body: bodyText }),
    isBase64Encoded,
  };
}

// The handler's flow, with every outside dependency passed in: parse the event, get the image
// bytes (fetch the URL safely, or decode them), invoke the endpoint, shape the answer, log one
// line. handler.ts wires the production dependencies; tests wire fakes and local servers.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Env } from "./config.js";
import { corsOrigin, readConfig } from "./config.js";
import { badRequest, HttpError } from "./errors.js";
import { parseEvent } from "./event.js";
import type { ImageType } from "./image.js";
import { endpointContentType, sniffImageType } from "./image.js";
import type { EndpointRuntime } from "./invoke.js";
import { errorName, invokeEndpoint } from "./invoke.js";
import type { LogSink } from "./log.js";
import { createLogger, redactUrl, stdoutSink } from "./log.js";
import { parseModelOutput } from "./predictions.js";
import type { LambdaResponse } from "./response.js";
import { errorResponse, preflightResponse, successResponse } from "./response.js";
import type { NetworkOptions } from "./safe-fetch.js";
import { fetchImage, productionNetwork } from "./safe-fetch.js";

/** The parts of the Lambda context the handler reads. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  readonly getRemainingTimeInMillis?: () => number;
}

export interface HandlerDeps {
  readonly runtime: EndpointRuntime;
  /** Defaults to process.env, read at each invocation. */
  readonly env?: Env;
  /** Overrides of the production network settings (tests only). */
  readonly network?: Partial<NetworkOptions>;
  readonly logSink?: LogSink;
}

export type Handler = (event: unknown, context?: LambdaContextLike) => Promise<LambdaResponse>;

/** Time kept back from the Lambda deadline so that a timeout is answered, not killed. */
const DEADLINE_MARGIN_MS = 300;

const elapsed = (since: number): number => Math.round(performance.now() - since);

export function createHandler(deps: HandlerDeps): Handler {
  const network: NetworkOptions = { ...productionNetwork, ...deps.network };
  const sink = deps.logSink ?? stdoutSink;

  return async (event, context) => {
    const started = performance.now();
    const requestId = context?.awsRequestId ?? randomUUID();
    const env = deps.env ?? process.env;
    const origin = corsOrigin(env);
    const log = createLogger(sink, { requestId });
    const fields: Record<string, unknown> = {};
    const budget = (configured: number): number => {
      const remaining = context?.getRemainingTimeInMillis?.();
      if (remaining === undefined) return configured;
      return Math.max(1, Math.min(configured, remaining - DEADLINE_MARGIN_MS));
    };

    try {
      const config = readConfig(env);
      fields.endpoint = config.endpointName;
      const parsed = parseEvent(event, config.maxImageBytes);
      if (parsed.kind === "preflight") {
        log.info("preflight", { status: 204, durationMs: elapsed(started) });
        return preflightResponse(origin);
      }
      const { request } = parsed;
      fields.input = request.kind === "url" ? "url" : request.source;
      fields.proxy = parsed.proxy;

      let bytes: Uint8Array;
      let type: ImageType;
      if (request.kind === "url") {
        fields.url = redactUrl(request.url);
        const fetchStarted = performance.now();
        try {
          const fetched = await fetchImage(request.url, network, {
            maxBytes: config.maxImageBytes,
            timeoutMs: budget(config.fetchTimeoutMs),
            maxRedirects: config.maxRedirects,
          });
          ({ bytes, type } = fetched);
          fields.redirects = fetched.redirects;
        } finally {
          fields.fetchMs = elapsed(fetchStarted);
        }
      } else {
        bytes = request.bytes;
        const sniffed = sniffImageType(bytes);
        if (sniffed === undefined) {
          throw badRequest("not_an_image", "the image is not a JPEG, PNG, GIF or WebP image");
        }
        type = sniffed;
      }
      fields.imageBytes = bytes.length;
      fields.imageType = type;

      const invokeStarted = performance.now();
      let raw: Uint8Array;
      try {
        raw = await invokeEndpoint(deps.runtime, {
          endpointName: config.endpointName,
          bytes,
          contentType: endpointContentType(type),
          timeoutMs: budget(config.invokeTimeoutMs),
        });
      } finally {
        fields.invokeMs = elapsed(invokeStarted);
      }
      const output = parseModelOutput(raw, config.topK);
      log.info("prediction served", {
        status: 200,
        durationMs: elapsed(started),
        ...fields,
        top: output.predictions[0]?.label,
      });
      return successResponse(output, config.endpointName, origin);
    } catch (err) {
      const known = err instanceof HttpError ? err : undefined;
      const status = known?.statusCode ?? 500;
      const code = known?.code ?? "internal_error";
      const message = known?.message ?? "internal error";
      const cause: unknown = known === undefined ? err : known.cause;
      const failure: Record<string, unknown> = {
        status,
        errorCode: code,
        durationMs: elapsed(started),
        ...fields,
      };
      if (cause !== undefined) failure.causeName = errorName(cause);
      if (status >= 500) {
        // Server-side detail belongs in the log (never in the body); 4xx causes are user input.
        if (cause instanceof Error) failure.causeMessage = cause.message;
        if (known === undefined && err instanceof Error) failure.stack = err.stack;
        log.error(message, failure);
      } else {
        log.warn(message, failure);
      }
      return errorResponse(status, code, message, requestId, origin);
    }
  };
}

// Calls the SageMaker endpoint with the image bytes and maps failures to HTTP answers without
// leaking internals (the full error goes to the log, not the body).
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { InvokeEndpointCommandOutput } from "@aws-sdk/client-sagemaker-runtime";
import { withDeadline } from "./deadline.js";
import { HttpError } from "./errors.js";

/** The part of SageMakerRuntimeClient the handler uses (a fake in tests). */
export interface EndpointRuntime {
  send(
    command: InvokeEndpointCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<InvokeEndpointCommandOutput>;
}

export interface InvokeRequest {
  readonly endpointName: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly timeoutMs: number;
}

const TIMEOUT_NAMES = new Set([
  "TimeoutError",
  "AbortError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return TIMEOUT_NAMES.has(err.name) || code === "ETIMEDOUT" || code === "ECONNABORTED";
}

/** The SDK error's name, for logs (e.g. ModelError, ValidationError). */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function endpointFailure(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isTimeout(err)) {
    return new HttpError(504, "endpoint_timeout", "the model endpoint did not answer in time", {
      cause: err,
    });
  }
  const name = errorName(err);
  // The model refused the input (inference.py answers 400 for an unreadable image or one over
  // its pixel budget, 415 for a content type it does not take; another model may answer 413):
  // the caller's to fix, not an endpoint failure. Its own message may carry a traceback (the
  // toolkit's answers do), so the body says it in our words only.
  const original = (err as { OriginalStatusCode?: unknown }).OriginalStatusCode;
  if (name === "ModelError" && (original === 400 || original === 415)) {
    return new HttpError(400, "model_rejected_image", "the model could not read the image", {
      cause: err,
    });
  }
  if (name === "ModelError" && original === 413) {
    return new HttpError(413, "image_too_large", "the image has more pixels than the model takes", {
      cause: err,
    });
  }
  const message =
    name === "ModelError"
      ? "the model failed to process the image"
      : "the model endpoint is unavailable or failed";
  return new HttpError(502, "endpoint_error", message, { cause: err });
}

export async function invokeEndpoint(
  runtime: EndpointRuntime,
  request: InvokeRequest,
): Promise<Uint8Array> {
  const command = new InvokeEndpointCommand({
    EndpointName: request.endpointName,
    Body: request.bytes,
    ContentType: request.contentType,
    Accept: "application/json",
  });
  try {
    const output = await withDeadline(
      request.timeoutMs,
      () =>
        new HttpError(
          504,
          "endpoint_timeout",
          `the model endpoint did not answer within ${request.timeoutMs} ms`,
        ),
      (abortSignal) => runtime.send(command, { abortSignal }),
    );
    const body: unknown = output.Body;
    if (!(body instanceof Uint8Array)) {
      throw new HttpError(502, "bad_endpoint_response", "the model endpoint returned no body");
    }
    return body;
  } catch (err) {
    throw endpointFailure(err);
  }
}

// The HTTP-shaped answer (API Gateway / Function URL format; direct invocations get the same
// object, as the original function returned).
import type { ModelOutput } from "./predictions.js";

export interface LambdaResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function corsHeaders(origin: string): Record<string, string> {
  return origin === "" ? {} : { "Access-Control-Allow-Origin": origin };
}

export function jsonResponse(statusCode: number, payload: unknown, origin: string): LambdaResponse {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", ...corsHeaders(origin) },
    body: JSON.stringify(payload),
  };
}

export function successResponse(
  output: ModelOutput,
  endpointName: string,
  origin: string,
): LambdaResponse {
  return jsonResponse(
    200,
    { predictions: output.predictions, scores: output.scores, model: { endpoint: endpointName } },
    origin,
  );
}

export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  requestId: string,
  origin: string,
): LambdaResponse {
  return jsonResponse(statusCode, { error: { code, message }, requestId }, origin);
}

export function preflightResponse(origin: string): LambdaResponse {
  return {
    statusCode: 204,
    headers: {
      ...corsHeaders(origin),
      ...(origin === ""
        ? {}
        : {
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
          }),
    },
    body: "",
  };
}

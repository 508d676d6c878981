// Settings from the environment, read per invocation (cheap, and tests can vary them).
import { HttpError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface HandlerConfig {
  readonly endpointName: string;
  readonly topK: number;
  readonly maxImageBytes: number;
  readonly fetchTimeoutMs: number;
  readonly invokeTimeoutMs: number;
  readonly maxRedirects: number;
}

export const DEFAULTS = {
  topK: 3,
  maxImageBytes: 5 * 1024 * 1024,
  fetchTimeoutMs: 5_000,
  invokeTimeoutMs: 10_000,
  maxRedirects: 3,
  // No CORS header unless the deployment says which origin (the tool always sets
  // MLOPS_CORS_ORIGIN from the config): a wildcard would be a default nobody chose.
  corsOrigin: "",
} as const;

const configError = (message: string): HttpError =>
  new HttpError(500, "configuration_error", `the function is misconfigured: ${message}`);

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw configError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** The CORS origin: MLOPS_CORS_ORIGIN; unset or empty: no CORS header. */
export function corsOrigin(env: Env): string {
  return env.MLOPS_CORS_ORIGIN ?? DEFAULTS.corsOrigin;
}

export function readConfig(env: Env): HandlerConfig {
  const endpointName = env.MLOPS_ENDPOINT_NAME?.trim() ?? "";
  if (endpointName === "") throw configError("MLOPS_ENDPOINT_NAME is not set");
  return {
    endpointName,
    topK: integer(env, "MLOPS_TOP_K", DEFAULTS.topK, 1, 1000),
    maxImageBytes: integer(
      env,
      "MLOPS_MAX_IMAGE_BYTES",
      DEFAULTS.maxImageBytes,
      1,
      100 * 1024 * 1024,
    ),
    fetchTimeoutMs: integer(env, "MLOPS_FETCH_TIMEOUT_MS", DEFAULTS.fetchTimeoutMs, 1, 900_000),
    invokeTimeoutMs: integer(env, "MLOPS_INVOKE_TIMEOUT_MS", DEFAULTS.invokeTimeoutMs, 1, 900_000),
    maxRedirects: integer(env, "MLOPS_MAX_REDIRECTS", DEFAULTS.maxRedirects, 0, 10),
  };
}

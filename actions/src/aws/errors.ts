// SDK errors translated once: not-found, retryable (busy or throttled), access denied, or
// terminal. Handlers wrap calls with context so a failure says what the tool was doing.
import { OperationalError } from "../operational-errors.js";

export type ErrorClass = "not-found" | "retryable" | "access-denied" | "terminal";

const NOT_FOUND_NAMES = new Set([
  "NotFound",
  "NoSuchKey",
  "NoSuchBucket",
  "NoSuchEntity",
  "NoSuchEntityException",
  "ResourceNotFoundException",
  "ResourceNotFound",
  "ProvisionedConcurrencyConfigNotFoundException",
  "ObjectNotFound",
  "NoSuchBucketPolicy",
  "NoSuchTagSet",
  "NoSuchPublicAccessBlockConfiguration",
  "ServerSideEncryptionConfigurationNotFoundError",
  "ParameterNotFound",
  "InvalidInstanceID.NotFound",
]);

const SAGEMAKER_NOT_FOUND = [
  "Could not find endpoint",
  "Could not find endpoint configuration",
  "Could not find model",
  // The emulator (moto) words a missing training job this way; AWS says "Requested resource
  // not found".
  "Could not find training job",
  "Requested resource not found",
  // DescribeModelPackage of a missing version (moto: "Model package ARN not found").
  " not found",
  "does not exist",
];

const RETRYABLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "ConcurrentUpdateException",
  "ResourceConflictException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "InternalServerError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ConcurrentModification",
  "ConcurrentModificationException",
  "ResourceInUse",
  "ResourceInUseException",
  "ResourceLimitExceeded",
  "OperationAbortedException",
  "OperationAborted",
]);

const RETRYABLE_MESSAGES = [
  "Cannot update in-progress endpoint",
  "The role defined for the function cannot be assumed by Lambda",
  "An update is in progress",
  "cannot be assumed",
  "is not authorized to perform: sts:AssumeRole",
  "Rate exceeded",
  "The function is currently in the following state: Pending",
];

const ACCESS_DENIED_NAMES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
]);

interface SdkLikeError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function classifyError(error: unknown): ErrorClass {
  if (!error || typeof error !== "object") return "terminal";
  const e = error as SdkLikeError;
  const name = e.name ?? e.Code ?? "";
  const message = e.message ?? "";
  const status = e.$metadata?.httpStatusCode;
  if (ACCESS_DENIED_NAMES.has(name)) return "access-denied";
  if (RETRYABLE_MESSAGES.some((m) => message.includes(m))) return "retryable";
  if (NOT_FOUND_NAMES.has(name)) return "not-found";
  if (name === "ValidationException" && SAGEMAKER_NOT_FOUND.some((m) => message.includes(m))) {
    return "not-found";
  }
  if (RETRYABLE_NAMES.has(name)) return "retryable";
  if (status === 404) return "not-found";
  if (status === 429 || (status !== undefined && status >= 500)) return "retryable";
  return "terminal";
}

export const isNotFound = (error: unknown): boolean => classifyError(error) === "not-found";

/** An AWS failure with what the tool was doing, and the class that decides what happens next. */
export class AwsOperationError extends OperationalError {
  readonly errorClass: ErrorClass;
  override readonly cause: unknown;
  constructor(what: string, cause: unknown) {
    const errorClass = classifyError(cause);
    super(`${what}: ${describeCause(cause, errorClass)}`);
    this.name = "AwsOperationError";
    this.errorClass = errorClass;
    this.cause = cause;
  }
}

function describeCause(cause: unknown, errorClass: ErrorClass): string {
  const e = (cause ?? {}) as SdkLikeError;
  const name = e.name ?? "Error";
  const message = e.message ?? String(cause);
  if (errorClass === "access-denied") {
    const action = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    return action
      ? `access denied: the credentials lack ${action} (${message})`
      : `access denied (${name}): ${message}`;
  }
  return `${name}: ${message}`;
}

/** Runs `fn`, returning undefined when AWS says the thing does not exist. */
export async function readOrUndefined<T>(
  what: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new AwsOperationError(what, error);
  }
}

/** Runs `fn`, wrapping any failure with context. */
export async function withContext<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AwsOperationError) throw error;
    throw new AwsOperationError(what, error);
  }
}

/**
 * Runs a delete, treating "already gone" as done: every handler's delete() goes through it, so
 * deleting twice (a retried step, a resource removed by hand) is not an error.
 */
export async function deleteIfPresent(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof AwsOperationError) {
      // A step of a longer delete (list, detach, then delete) that already said what it did.
      if (error.errorClass === "not-found") return;
      throw error;
    }
    if (isNotFound(error)) return;
    throw new AwsOperationError(what, error);
  }
}

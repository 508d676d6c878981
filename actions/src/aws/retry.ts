// Our own retry for busy and throttled errors (the SDK's retry covers throttling on a single
// call, not busy resources such as an in-progress endpoint update or IAM propagation).
import { AwsOperationError, classifyError } from "./errors.js";
import type { Clock } from "../clock.js";

export interface RetryOptions {
  /** Give up after this long (ms). */
  deadlineMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  clock: Clock;
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  signal?: AbortSignal;
}

function isSdkError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "$metadata" in error;
}

export async function retryBusy<T>(
  what: string,
  fn: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { clock, baseDelayMs = 1000, maxDelayMs = 15_000 } = options;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const cls = error instanceof AwsOperationError ? error.errorClass : classifyError(error);
      const elapsed = clock.now() - started;
      if (cls !== "retryable" || elapsed >= options.deadlineMs || options.signal?.aborted) {
        // Our own errors (a failed gate, a failed training run) pass through as they are;
        // raw SDK errors get the context of what we were doing.
        throw error instanceof AwsOperationError || !isSdkError(error)
          ? error
          : new AwsOperationError(what, error);
      }
      // Exponential back-off with full jitter, capped, never past the deadline.
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.min(
        Math.round(ceiling / 2 + Math.random() * (ceiling / 2)),
        options.deadlineMs - elapsed,
      );
      options.onRetry?.(attempt, error, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}

// Our own poller for long operations: a fixed short interval and a deadline, with a progress
// line whenever the status changes (and every minute while it does not). Never the SDK
// waiters, whose back-off grows to many minutes between polls.
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import { OperationalError } from "./operational-errors.js";

export interface WaitOptions<T> {
  what: string;
  poll: () => Promise<T>;
  /** "ready" ends the wait, "failed" throws with describe(), anything else keeps polling. */
  status: (value: T) => "pending" | "ready" | "failed";
  describe: (value: T) => string;
  intervalMs: number;
  deadlineMs: number;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
}

export class WaitError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "WaitError";
  }
}

const HEARTBEAT_MS = 60_000;

/**
 * A poll interval: the given default, or $MLOPS_POLL_MS for every poll at once (the demo and
 * tests against the local emulator, where nothing takes seconds).
 */
export function pollInterval(defaultMs: number): number {
  const override = Number(process.env["MLOPS_POLL_MS"]);
  return Number.isFinite(override) && override > 0 ? override : defaultMs;
}

/** What every wait takes from where it runs: a handler context, a session. */
export type WaitContext = Pick<WaitOptions<unknown>, "clock" | "logger" | "signal">;

/** waitFor() with the clock, logger and signal of `ctx` (a HandlerContext fits). */
export function waitIn<T>(
  ctx: WaitContext,
  options: Omit<WaitOptions<T>, keyof WaitContext>,
): Promise<T> {
  return waitFor({
    ...options,
    clock: ctx.clock,
    logger: ctx.logger,
    ...(ctx.signal !== undefined && { signal: ctx.signal }),
  });
}

export async function waitFor<T>(options: WaitOptions<T>): Promise<T> {
  const { clock, logger } = options;
  const started = clock.now();
  let lastLine = "";
  let lastLogged = started;
  for (;;) {
    const value = await options.poll();
    const status = options.status(value);
    const line = options.describe(value);
    const elapsed = clock.now() - started;
    if (status === "failed") throw new WaitError(`${options.what}: ${line}`);
    if (status === "ready") {
      logger.info(`${options.what}: ${line} after ${formatElapsed(elapsed)}`);
      return value;
    }
    if (line !== lastLine || clock.now() - lastLogged >= HEARTBEAT_MS) {
      logger.info(`${options.what}: ${line} (${formatElapsed(elapsed)})`);
      lastLine = line;
      lastLogged = clock.now();
    }
    if (options.signal?.aborted)
      throw new WaitError(`${options.what}: interrupted while ${line}; it goes on in AWS`);
    if (elapsed >= options.deadlineMs) {
      throw new WaitError(
        `${options.what}: still ${line} after ${formatElapsed(elapsed)}; gave up waiting (it goes on in AWS; re-run to continue)`,
      );
    }
    await clock.sleep(
      Math.min(options.intervalMs, Math.max(0, options.deadlineMs - elapsed)),
      options.signal,
    );
  }
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

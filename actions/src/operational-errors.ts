// Errors that describe a situation needing attention (AWS said no, a lock is held, a quality
// gate failed, a runner never came online, a value the user can fix) rather than a bug. The CLI
// and every action report these with their message alone; anything else is an internal fault,
// reported with its stack. Each such error class extends OperationalError.

export class OperationalError extends Error {
  override name = "OperationalError";
}

export function isOperationalError(error: unknown): error is Error {
  // An AbortError is an interruption (Ctrl-C, a deadline) reaching the SDK or fetch: the run
  // stops where it was, which is nothing to report as a bug.
  return (
    error instanceof OperationalError || (error instanceof Error && error.name === "AbortError")
  );
}

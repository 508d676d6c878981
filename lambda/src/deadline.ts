// Runs work that takes an AbortSignal, racing it against a deadline: past the deadline the
// given error is thrown and the work is aborted (closing its socket); a late failure of the
// abandoned work is never an unhandled rejection.
export async function withDeadline<T>(
  timeoutMs: number,
  onTimeout: () => Error,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(onTimeout());
    }, timeoutMs);
  });
  const running = work(controller.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// Bounded concurrency for the whole core. runPool keeps at most `concurrency` tasks in flight;
// on the first failure (or when `signal` aborts) it starts no new task, waits for the ones in
// flight, then rejects. mapLimit is the same with results.
import { OperationalError } from "./operational-errors.js";

/** Thrown by runPool when its signal aborted before every task started. */
export class PoolAbortedError extends OperationalError {
  constructor() {
    super("aborted");
    this.name = "PoolAbortedError";
  }
}

export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && signal?.aborted !== true && next < items.length) {
      const index = next++;
      try {
        await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const width = Math.max(1, Math.min(Math.floor(concurrency), items.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (failure !== undefined) throw failure.error;
  if (signal?.aborted === true && next < items.length) throw new PoolAbortedError();
}

/** At most `width` calls of the returned runner in flight at once (a freed slot passes in order). */
export function semaphore(width: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < width) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // inherits a slot
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    }
  };
}

/** Maps with at most `limit` calls in flight, keeping results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  await runPool(items, limit, async (item, index) => {
    results[index] = await fn(item, index);
  });
  return results;
}

// SIGINT/SIGTERM: the first stops new work and lets in-flight steps finish and the lock be
// released; a second one exits at once.
import type { Logger } from "../logger.js";

export function interruptSignal(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      logger.error(`${name} again: exiting now; re-run apply to converge`);
      process.exit(130);
    }
    logger.warn(
      `${name}: finishing the steps in flight, starting nothing new (send again to exit at once)`,
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

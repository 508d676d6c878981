// The core's Logger port on the runner: info/warning/error/debug workflow commands, progress as
// a line at most every 10 s (and at the end) so logs stay readable, and collapsible groups.
import * as core from "@actions/core";
import type { Logger } from "../logger.js";

export function actionsLogger(now: () => number = Date.now): Logger {
  const lastLine = new Map<string, number>();
  return {
    info: (m) => {
      core.info(m);
    },
    warn: (m) => {
      core.warning(m);
    },
    error: (m) => {
      core.error(m);
    },
    debug: (m) => {
      core.debug(m);
    },
    progress(label, done, total) {
      const last = lastLine.get(label);
      if (done === total || last === undefined || now() - last >= 10_000) {
        lastLine.set(label, now());
        core.info(`${label}: ${done}/${total}`);
      }
    },
  };
}

/** Runs `fn` inside a collapsible log group. */
export function inGroup<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return core.group(name, fn);
}

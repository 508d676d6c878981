// The CLI's Logger: lines to stderr (stdout stays clean for plans and JSON); a redrawn progress
// bar on a TTY, and a line at most every 10 s (or at the end) otherwise, so CI logs stay short.
import type { Logger } from "../logger.js";

export function consoleLogger(options: {
  debug: boolean;
  stream?: NodeJS.WriteStream;
  now?: () => number;
}): Logger {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY;
  let barShown = false;
  const lastLine = new Map<string, number>();
  const write = (line: string): void => {
    if (barShown) {
      stream.write("\r\u001b[2K");
      barShown = false;
    }
    stream.write(`${line}\n`);
  };
  return {
    info: write,
    warn: (m) => {
      write(`warning: ${m}`);
    },
    error: (m) => {
      write(`error: ${m}`);
    },
    debug: (m) => {
      if (options.debug) write(`debug: ${m}`);
    },
    progress(label, done, total) {
      if (tty) {
        const width = 30;
        const filled = total > 0 ? Math.round((done / total) * width) : width;
        stream.write(
          `\r\u001b[2K${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`,
        );
        barShown = done < total;
        if (!barShown) stream.write("\n");
        return;
      }
      const last = lastLine.get(label) ?? 0;
      if (done === total || now() - last >= 10_000) {
        lastLine.set(label, now());
        write(`${label}: ${done}/${total}`);
      }
    },
  };
}

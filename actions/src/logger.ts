// The Logger port: the core reports progress through it and never writes to the console or
// imports @actions/* itself. The CLI, the actions and tests each provide their own.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Progress of a counted task (data sync): a bar on a TTY, periodic lines in CI. */
  progress(label: string, done: number, total: number): void;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  progress: () => undefined,
};

/** A logger that keeps every line, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    progress: (label, done, total) => lines.push(`progress: ${label} ${done}/${total}`),
  };
}

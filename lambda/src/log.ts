// Structured logs: one JSON object per line on stdout (CloudWatch Logs Insights parses them).
// Callers must never pass image bytes or full URLs; use redactUrl for URLs.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogSink = (line: string) => void;
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly info: (msg: string, fields?: LogFields) => void;
  readonly warn: (msg: string, fields?: LogFields) => void;
  readonly error: (msg: string, fields?: LogFields) => void;
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export function createLogger(sink: LogSink, base: LogFields): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    const record = { time: new Date().toISOString(), level, msg, ...base, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg, ...base, logError: "unserialisable" });
    }
    sink(line);
  };
  return {
    info: (msg, fields) => {
      write("info", msg, fields);
    },
    warn: (msg, fields) => {
      write("warn", msg, fields);
    },
    error: (msg, fields) => {
      write("error", msg, fields);
    },
  };
}

/**
 * A URL safe to log: scheme, host, port and path only (no credentials, query or fragment, which
 * may carry signatures or tokens), truncated to 200 characters.
 */
export function redactUrl(raw: string): string {
  let text: string;
  try {
    const url = new URL(raw);
    text = `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    text = "<unparseable url>";
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

// Runs `mlops ARGV` in this process, as the CLI would (process.env must point at the emulator).
// The console logger writes to process.stderr: it is captured for the duration of the call.
import { main } from "../../actions/src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  /** What main() reported as errors plus what the console logger wrote to stderr. */
  stderr: string;
  /** Both, in the order they were written. */
  out: string;
}

export async function cli(argv: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    err.push(text);
    all.push(text);
    return true;
  };
  try {
    const code = await main(argv, {
      out: (t) => {
        out.push(`${t}\n`);
        all.push(`${t}\n`);
      },
      err: (t) => {
        err.push(`${t}\n`);
        all.push(`${t}\n`);
      },
    });
    return { code, stdout: out.join(""), stderr: err.join(""), out: all.join("") };
  } finally {
    process.stderr.write = write;
  }
}

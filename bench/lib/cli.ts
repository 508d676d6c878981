// The mlops CLI run in this process, its output captured.
import { main } from "../../actions/src/cli/main.js";

/**
 * Runs `mlops ARGV` in this process with its output captured (the console logger writes to
 * process.stderr, taken over for the call). process.env must already point at the emulator.
 */
export async function runCli(argv: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  try {
    const code = await main(argv, {
      out: (t) => lines.push(`${t}\n`),
      err: (t) => lines.push(`${t}\n`),
    });
    return { code, output: lines.join("") };
  } finally {
    process.stderr.write = write;
  }
}

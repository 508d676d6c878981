// The local AWS emulator (emulator/launcher.py) started with --verbose, so that every request it
// serves is one werkzeug log line: a request counter that sees any client (the AWS CLI included)
// without moto's recorder, which would store every uploaded body.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { emulatorEnv, READY_PREFIX } from "../../actions/src/emulator/index.js";
import { REPO } from "./common.js";
import { processCpuSeconds } from "./sync-tree.js";

export interface RequestCounts {
  total: number;
  byMethod: Record<string, number>;
}

export interface CountingEmulator {
  endpoint: string;
  env: Record<string, string>;
  /** Requests served since the last reset (waits until the log has been quiet for a moment). */
  counts(): Promise<RequestCounts>;
  reset(): Promise<void>;
  /** CPU seconds (user + system) the emulator process has used so far (Linux /proc). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const REQUEST_LINE = /"(GET|PUT|POST|HEAD|DELETE|OPTIONS|PATCH) [^"]*HTTP\/[\d.]+" \d{3}/;

export async function startCountingEmulator(
  options: { updateDelayMs?: number } = {},
): Promise<CountingEmulator> {
  const args = [
    join(REPO, "emulator", "launcher.py"),
    "--port",
    "0",
    "--exit-on-stdin-eof",
    "--verbose",
    "--update-delay-ms",
    String(options.updateDelayMs ?? 200),
  ];
  const child = spawn(process.env["MLOPS_PYTHON"] ?? "python3", args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let counts: RequestCounts = { total: 0, byMethod: {} };
  let lastLine = Date.now();
  let stderrTail = "";
  let pending = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const match = REQUEST_LINE.exec(line);
      if (match?.[1] === undefined) {
        stderrTail = `${stderrTail}\n${line}`.slice(-4000);
        continue;
      }
      lastLine = Date.now();
      counts.total++;
      counts.byMethod[match[1]] = (counts.byMethod[match[1]] ?? 0) + 1;
    }
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      reject(new Error(`emulator not ready after 60 s${stderrTail}`));
    }, 60_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const at = out.indexOf(READY_PREFIX);
      const end = out.indexOf("\n", at);
      if (at >= 0 && end > at) {
        clearTimeout(timer);
        resolve(out.slice(at + READY_PREFIX.length, end).trim());
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${String(code)}) before it was ready${stderrTail}`));
    });
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  const settle = async (): Promise<void> => {
    // The log line is written before the response completes; give the pipe a moment.
    while (Date.now() - lastLine < 150) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
  };
  return {
    endpoint,
    env: emulatorEnv(endpoint),
    async counts() {
      await settle();
      return { total: counts.total, byMethod: { ...counts.byMethod } };
    },
    async reset() {
      await settle();
      counts = { total: 0, byMethod: {} };
    },
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// Starts bench/workers/s3-server.ts (s3rver, a concurrent local S3) as its own process and
// creates buckets on it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BUNDLE_DIR } from "./common.js";
import { processCpuSeconds } from "./sync-tree.js";

export interface LocalS3 {
  endpoint: string;
  /** CPU seconds (user + system) the server has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "bench-s3rver-"));
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", join(BUNDLE_DIR, "s3-server.mjs"), directory],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once("line", (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => {
      reject(new Error(`s3rver exited ${String(code)} before it listened`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      child.stdin.end();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

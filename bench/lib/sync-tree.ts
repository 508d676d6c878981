// Shared by the data-sync benchmarks: the generated data set, running a tool as its own process,
// and the CPU time a server process has used.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ms } from "./common.js";

const CLASSES = 133;

/**
 * The original's layout: train/valid/test (about 80/10/10), 133 breed folders, `files` files of
 * random bytes whose sizes `sizeOf(i)` gives (deterministic by index). Returns the paths.
 */
export function generateTree(root: string, files: number, sizeOf: (i: number) => number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const split = i % 10 < 8 ? "train" : i % 10 === 8 ? "valid" : "test";
    const cls = (i % CLASSES) + 1;
    const folder = join(root, split, `${String(cls).padStart(3, "0")}.Breed_${cls}`);
    if (i < CLASSES * 10) mkdirSync(folder, { recursive: true });
    const path = join(folder, `Breed_${cls}_${String(i).padStart(5, "0")}.jpg`);
    writeFileSync(path, randomBytes(sizeOf(i)));
    paths.push(path);
  }
  return paths;
}

/** A deterministic spread of sizes between `low` and `high` bytes by index. */
export const spread =
  (low: number, high: number) =>
  (i: number): number =>
    Math.round(low + (high - low) * (((i * 7919) % 1000) / 999));

/**
 * Runs `command` and returns its wall time and the CPU seconds (user + system) it and its
 * children used: bash runs it and prints its children's times (`times`) last on stderr.
 */
export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ ms: number; cpuS: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const timed = ['"$@"; status=$?; times >&2; exit $status', "bash", command, ...args];
    const child = spawn("bash", ["-c", ...timed], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr
      .setEncoding("utf8")
      .on("data", (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.once("error", reject);
    child.once("exit", (code) => {
      const elapsed = ms(performance.now() - started);
      if (code === 0) resolve({ ms: elapsed, cpuS: childrenCpu(stderr), stdout, stderr });
      else reject(new Error(`${command} ${args.join(" ")} exited ${String(code)}: ${stderr}`));
    });
  });
}

/** The children's line of bash's `times` ("0m1.250s 0m0.310s"), in seconds. */
function childrenCpu(stderr: string): number {
  const line = stderr.trimEnd().split("\n").at(-1) ?? "";
  const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  return Math.round(seconds.reduce((a, b) => a + b, 0) * 100) / 100;
}

export async function awsVersion(env: Record<string, string>): Promise<string> {
  const run = await runProcess("aws", ["--version"], env).catch(() => undefined);
  return run === undefined ? "unknown" : `${run.stdout}${run.stderr}`.trim();
}

/** CPU seconds (user + system) process `pid` has used so far (Linux /proc). */
export function processCpuSeconds(pid: number | undefined): number {
  // Fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks (USER_HZ, 100 on
  // Linux); the command name in field 2 may hold spaces, so count from its closing ")".
  const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

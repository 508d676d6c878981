// Shared by the benchmarks: where results go, the machine they ran on, sizes from env/flags,
// timing, and the PASS/FAIL lines. Every figure a benchmark reports is a ratio against a
// baseline measured in the same run on the same machine.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

/** The repository root (bench bundles live in bench/out/bundle/, two levels below bench/). */
export const REPO = findRepo();
export const OUT_DIR = join(REPO, "bench", "out");
export const BUNDLE_DIR = join(OUT_DIR, "bundle");
/** The training Python `npm run setup` chose (scripts/setup.sh), else Debian's. */
export const PYTHON = process.env["MLOPS_TRAINING_PYTHON"] ?? "/usr/bin/python3";

function findRepo(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const at = here.lastIndexOf("/bench/");
  return at >= 0 ? here.slice(0, at) : process.cwd();
}

export interface Machine {
  nproc: number;
  memoryGiB: number;
  node: string;
  python: string;
  cpu: string;
}

export function machine(): Machine {
  let python = "unknown";
  try {
    python = execFileSync(PYTHON, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // left as unknown
  }
  return {
    nproc: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    python,
    cpu: cpus()[0]?.model ?? "unknown",
  };
}

/** `--name value` or `--name=value` from argv, else env, else the default. */
export function setting(flag: string, env: string, fallback: number): number {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === `--${flag}`) return Number(args[i + 1]);
    if (arg.startsWith(`--${flag}=`)) return Number(arg.slice(flag.length + 3));
  }
  const value = process.env[env];
  return value === undefined || value === "" ? fallback : Number(value);
}

export interface Target {
  name: string;
  pass: boolean;
  detail: string;
}

export function target(name: string, pass: boolean, detail: string): Target {
  return { name, pass, detail };
}

export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
export const ms = (value: number): number => Math.round(value * 10) / 10;

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: ms(performance.now() - started), value };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Writes bench/out/<name>.json (with the machine and the targets) and prints the one-line
 * result, then one PASS/FAIL line per target. Never sets a failing exit code for a missed
 * target: a benchmark reports, it does not gate.
 */
export function report(
  name: string,
  line: string,
  result: Record<string, unknown>,
  targets: readonly Target[] = [],
): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const body = {
    name,
    line,
    when: new Date().toISOString(),
    machine: machine(),
    ...result,
    targets,
  };
  writeFileSync(join(OUT_DIR, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`${name}: ${line}`);
  for (const t of targets) console.log(`  ${t.pass ? "PASS" : "FAIL"} ${t.name}: ${t.detail}`);
}

/** The error's message for a one-line failure report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// `npm run bench [-- NAME ...] [-- --flag value ...]`: bundles the TypeScript benchmarks under
// bench/src and bench/workers with esbuild into bench/out/bundle/ (ESM with the require shim, as
// scripts/build.mjs does), then runs the named ones (default: all, in the order below), each as
// its own process. Each prints a one-line result and writes bench/out/<name>.json. Flags (any
// argument starting with --) are passed to every benchmark; sizes also come from BENCH_* env.
import { spawnSync } from "node:child_process";
import console from "node:console";
import process from "node:process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const out = join(root, "bench/out");
const bundleDir = join(out, "bundle");
const BENCHMARKS = [
  "data-sync",
  "data-sync-latency",
  "noop-plan",
  "apply-critical-path",
  "startup-and-size",
  "training-throughput",
];

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`usage: npm run bench [-- NAME ...] [--files N] [--file-kb K] [--repeat R] [--latency-ms MS]
       npm run bench -- --bundle-only   (bundle into bench/out/bundle/ and stop)
benchmarks: ${BENCHMARKS.join(", ")}
sizes also from env: BENCH_FILES, BENCH_FILE_KB, BENCH_REPEAT, BENCH_LATENCY_MS, BENCH_RUNS,
  BENCH_TRAIN_S, BENCH_ENDPOINT_S, BENCH_STARTUP_RUNS (flags: --train-s, --endpoint-s, --startup-runs),
  BENCH_LATENCY_FILES, BENCH_S3_DELAY_MS (flags: --latency-files, --delay-ms)`);
  process.exit(0);
}
const flags = [];
const names = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg.startsWith("--")) {
    flags.push(arg);
    if (!arg.includes("=") && i + 1 < args.length && !args[i + 1].startsWith("--")) {
      flags.push(args[++i]);
    }
  } else names.push(arg);
}
const unknown = names.filter((n) => !BENCHMARKS.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHMARKS.join(", ")}`);
  process.exit(2);
}
const selected = names.length > 0 ? BENCHMARKS.filter((n) => names.includes(n)) : BENCHMARKS;

mkdirSync(bundleDir, { recursive: true });
// Flat output: bench/out/bundle/<file>.mjs for bench/src/<file>.ts and bench/workers/<file>.ts.
const entries = ["src", "workers"].flatMap((dir) =>
  readdirSync(join(root, "bench", dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ in: join(root, "bench", dir, f), out: f.slice(0, -3) })),
);
// The CLI from the working tree's sources, for benchmarks that run it as a process.
entries.push({ in: join(root, "actions/src/entries/cli.ts"), out: "mlops-cli" });
// One build per entry, so that a file another change left broken only stops the benchmarks
// that import it.
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "silent",
  // Loaded from node_modules at run time (bench/lib/s3-server.ts): it reads its own files.
  external: ["s3rver"],
  banner: {
    js:
      "import { createRequire as __mlopsCreateRequire } from 'node:module';" +
      "const require = __mlopsCreateRequire(import.meta.url);",
  },
};
const built = await Promise.allSettled(
  entries.map((entry) =>
    build({ ...common, entryPoints: [entry.in], outfile: join(bundleDir, `${entry.out}.mjs`) }),
  ),
);
const unbundled = new Map();
built.forEach((result, i) => {
  if (result.status === "rejected") {
    const name = entries[i].out;
    unbundled.set(
      name,
      String(result.reason?.message ?? result.reason)
        .split("\n")
        .slice(0, 4)
        .join("\n"),
    );
    console.error(`bench: cannot bundle ${name}: ${unbundled.get(name)}`);
  }
});
if (args.includes("--bundle-only")) process.exit(0);

const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const failed = [];
const started = Date.now();
for (const name of selected) {
  const command =
    name === "training-throughput"
      ? [
          process.env["MLOPS_TRAINING_PYTHON"] ?? "/usr/bin/python3",
          [
            join(root, "bench/training_throughput.py"),
            "--out",
            join(out, "training-throughput.json"),
          ],
        ]
      : [process.execPath, [join(bundleDir, `${name}.mjs`), ...flags]];
  if (unbundled.has(name)) {
    failed.push(name);
    console.error(`${name}: FAILED to bundle`);
    continue;
  }
  const t0 = Date.now();
  const run = spawnSync(command[0], command[1], { cwd: root, env, stdio: "inherit" });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed.push(name);
    console.error(
      `${name}: FAILED to run (exit ${String(run.status ?? run.signal)}) after ${seconds} s`,
    );
  } else console.error(`(${name} took ${seconds} s)`);
}

// One summary of the latest results, for bench/RESULTS.md.
const summary = {};
for (const name of BENCHMARKS) {
  try {
    const result = JSON.parse(readFileSync(join(out, `${name}.json`), "utf8"));
    summary[name] = { line: result.line ?? null, targets: result.targets ?? [], when: result.when };
  } catch {
    // not run yet
  }
}
writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
console.error(
  `bench: ${selected.length} benchmark(s) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
// The bundles are rebuilt on every run; removing them keeps `eslint bench` to the sources.
rmSync(bundleDir, { recursive: true, force: true });
// A missed target is reported, not failed; a benchmark that could not run is a failure.
process.exitCode = failed.length > 0 ? 1 : 0;

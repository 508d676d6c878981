// startup-and-size: cold start of the shipped bundles in actions/dist against an empty node start
// (`node -e ""`), runs interleaved, medians:
//   - `node actions/dist/cli.js validate --config config/mlops.yaml` (a whole command);
//   - the validate action (actions/dist/validate.js) on the same config, with the GitHub
//     runner's output files pointed at a temp dir;
//   - for every entry, loading every chunk it can import (statically or dynamically: the most
//     code it can load);
//   - time to the first AWS request of the plan, apply and train actions (a local server
//     stands in for AWS, bench/lib/first-request.ts) against a bare node sending one request;
//     the targets: at most 3x. The actions call module.enableCompileCache() (Node >= 22.1) before
//     loading the SDK; on Node 20 that is a no-op, so these figures are without a code cache;
// and the sizes: actions/dist in total and per entry (its file plus every chunk it imports,
// statically or dynamically), the Lambda bundle and its deterministic zip (zipped twice: the
// bytes must be identical).
//
// --startup-runs / BENCH_STARTUP_RUNS (default 3).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { zipDirectory } from "../../actions/src/resources/lambda/package-zip.js";
import { median, ms, ratio, REPO, report, setting, target, type Target } from "../lib/common.js";
import { startFirstRequestServer } from "../lib/first-request.js";

const RUNS = Math.max(1, setting("startup-runs", "BENCH_STARTUP_RUNS", 3));
const DIST = join(REPO, "actions", "dist");
const LAMBDA_DIST = join(REPO, "lambda", "dist");
const CONFIG = join(REPO, "config", "mlops.yaml");
const FIRST_REQUEST_ACTIONS = ["plan.js", "apply.js", "train.js"];
const FIRST_REQUEST_TARGET = 3;

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** Files an entry loads: itself and every relative import, transitively. */
function graphOf(entry: string): { static: string[]; all: string[] } {
  const walk = (start: string, dynamic: boolean): string[] => {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.pop() ?? "";
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const isDynamic = match[0].includes("(");
        if (isDynamic && !dynamic) continue;
        queue.push(join(dirname(file), match[1] ?? ""));
      }
    }
    return [...seen];
  };
  return { static: walk(entry, false), all: walk(entry, true) };
}

function bytes(files: readonly string[]): number {
  return files.reduce((sum, f) => sum + statSync(f).size, 0);
}

function timeRun(args: string[], env: NodeJS.ProcessEnv): { ms: number; code: number | null } {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, { env, stdio: "ignore", cwd: REPO });
  return { ms: ms(performance.now() - t0), code: run.status };
}

async function main(): Promise<void> {
  const entries = readdirSync(DIST)
    .filter((f) => f.endsWith(".js"))
    .sort();
  if (entries.length === 0) throw new Error(`${DIST} has no bundles: run npm run build`);
  const work = mkdtempSync(join(tmpdir(), "bench-startup-"));
  try {
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    const actionEnv = {
      ...env,
      INPUT_CONFIG: CONFIG,
      GITHUB_OUTPUT: join(work, "output"),
      GITHUB_STEP_SUMMARY: join(work, "summary"),
    };
    // The runner creates these files before a step runs; @actions/core refuses missing ones.
    writeFileSync(actionEnv.GITHUB_OUTPUT, "");
    writeFileSync(actionEnv.GITHUB_STEP_SUMMARY, "");
    const graphs = Object.fromEntries(entries.map((e) => [e, graphOf(join(DIST, e))]));
    const cases: { name: string; args: string[]; env: NodeJS.ProcessEnv }[] = [
      { name: 'node -e ""', args: ["-e", ""], env },
      {
        name: "cli.js validate",
        args: [join(DIST, "cli.js"), "validate", "--config", CONFIG],
        env,
      },
      { name: "validate action", args: [join(DIST, "validate.js")], env: actionEnv },
      ...entries.map((e) => {
        const chunks = (graphs[e]?.all ?? []).filter((f) => f !== join(DIST, e));
        const code = `await Promise.all(${JSON.stringify(chunks.map((c) => `file://${c}`))}.map((u) => import(u)));`;
        return {
          name: `load ${e}`,
          args: ["--input-type=module", "-e", code],
          env,
        };
      }),
    ];
    const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const codes = new Map<string, number | null>();
    for (let i = 0; i < RUNS; i++) {
      for (const c of cases) {
        const run = timeRun(c.args, c.env);
        times.get(c.name)?.push(run.ms);
        codes.set(c.name, run.code);
      }
    }
    const firstRequest = await timeFirstRequests(actionEnv);
    const baseline = median(times.get('node -e ""') ?? []);
    const startup = Object.fromEntries(
      cases.map((c) => {
        const m = median(times.get(c.name) ?? []);
        return [
          c.name,
          {
            medianMs: ms(m),
            overBaseline: ratio(m, baseline),
            extraMs: ms(m - baseline),
            exitCode: codes.get(c.name) ?? null,
            runsMs: times.get(c.name),
          },
        ];
      }),
    );

    const allFiles = readdirSync(DIST, { recursive: true, encoding: "utf8" })
      .map((f) => join(DIST, f))
      .filter((f) => statSync(f).isFile());
    const perEntry = Object.fromEntries(
      entries.map((e) => {
        const g = graphs[e] ?? { static: [], all: [] };
        return [
          e,
          {
            entryBytes: statSync(join(DIST, e)).size,
            staticGraphBytes: bytes(g.static),
            withDynamicBytes: bytes(g.all),
            chunks: g.all.filter((f) => f !== join(DIST, e)).map((f) => relative(DIST, f)),
          },
        ];
      }),
    );
    const lambdaFiles = readdirSync(LAMBDA_DIST).map((f) => join(LAMBDA_DIST, f));
    const zipA = await zipDirectory(LAMBDA_DIST);
    const zipB = await zipDirectory(LAMBDA_DIST);
    const deterministic = zipA.codeSha256 === zipB.codeSha256;
    const sizes = {
      distTotalBytes: bytes(allFiles),
      distTotalGzipBytes: allFiles.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0),
      perEntry,
      lambdaBundleBytes: bytes(lambdaFiles),
      lambdaZipBytes: zipA.bytes.length,
      lambdaZipSha256: zipA.codeSha256,
      lambdaZipDeterministic: deterministic,
    };
    const firstBaseline = median(firstRequest.get(BARE_REQUEST) ?? []);
    const timeToFirstRequest = Object.fromEntries(
      [...firstRequest].map(([name, runs]) => [
        name,
        {
          medianMs: ms(median(runs)),
          overBareNode: ratio(median(runs), firstBaseline),
          runsMs: runs.map(ms),
        },
      ]),
    );
    const firstTargets: Target[] = FIRST_REQUEST_ACTIONS.map((entry) => {
      const t = timeToFirstRequest[`${entry} action`];
      return target(
        `${entry} action: time to first AWS request <= ${FIRST_REQUEST_TARGET}x a bare node's`,
        (t?.overBareNode ?? Infinity) <= FIRST_REQUEST_TARGET,
        `${t?.overBareNode ?? "?"}x (${t?.medianMs ?? "?"} ms vs ${ms(firstBaseline)} ms; ${process.version}, compile cache ${hasCompileCache() ? "on" : "not available"})`,
      );
    });
    const cli = startup["cli.js validate"];
    const action = startup["validate action"];
    const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
    report(
      "startup-and-size",
      `cli.js validate ${cli?.overBaseline ?? "?"}x node -e "" (+${cli?.extraMs ?? "?"} ms), validate action ${action?.overBaseline ?? "?"}x; first AWS request: ${FIRST_REQUEST_ACTIONS.map((e) => `${e.slice(0, -3)} ${timeToFirstRequest[`${e} action`]?.overBareNode ?? "?"}x`).join(", ")} a bare node's; actions/dist ${kib(sizes.distTotalBytes)} (${kib(sizes.distTotalGzipBytes)} gzip), cli.js graph ${kib(perEntry["cli.js"]?.staticGraphBytes ?? 0)}; Lambda bundle ${kib(sizes.lambdaBundleBytes)}, zip ${kib(sizes.lambdaZipBytes)}`,
      {
        baseline: 'node -e "" cold start, interleaved with the measured runs',
        settings: { runs: RUNS },
        startup,
        timeToFirstRequest,
        sizes,
      },
      [
        ...firstTargets,
        target(
          "Lambda zip is deterministic",
          deterministic,
          `two zips of lambda/dist: ${zipA.codeSha256} ${deterministic ? "==" : "!="} ${zipB.codeSha256}`,
        ),
        target(
          "commands ran",
          cli?.exitCode === 0 && action?.exitCode === 0,
          `cli.js validate exit ${String(cli?.exitCode)}, validate action exit ${String(action?.exitCode)}`,
        ),
      ],
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const BARE_REQUEST = "bare node, one request";

/** Runs of each action to its first AWS request, and of a bare node sending one, interleaved. */
async function timeFirstRequests(actionEnv: NodeJS.ProcessEnv): Promise<Map<string, number[]>> {
  const server = await startFirstRequestServer();
  const env = {
    ...actionEnv,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    // What the runner sets and the actions read before they talk to AWS.
    GITHUB_REPOSITORY: "bench/bench",
    GITHUB_EVENT_NAME: "push",
    GITHUB_REF: "refs/heads/main",
    GITHUB_SHA: "0".repeat(40),
  };
  const cases = [
    {
      name: BARE_REQUEST,
      args: ["-e", "require('node:http').get(process.env.AWS_ENDPOINT_URL).on('error', () => {})"],
    },
    ...FIRST_REQUEST_ACTIONS.map((entry) => ({
      name: `${entry} action`,
      args: [join(DIST, entry)],
    })),
  ];
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const c of cases) times.get(c.name)?.push(await server.time(c.args, env, REPO));
    }
  } finally {
    await server.close();
  }
  return times;
}

function hasCompileCache(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 1);
}

await main();

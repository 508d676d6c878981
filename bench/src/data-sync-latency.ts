// data-sync-latency: the data sync where a real S3 is fast and far away. The server is s3rver
// (bench/workers/s3-server.ts), which serves requests concurrently, unlike moto (one at a time,
// which caps any client: see data-sync); in front of it, the latency proxy (bench/lib/proxy.ts)
// holds every request for --delay-ms (default 30 ms, a same-region round trip) before passing it
// on. Through the same proxy, in the same run, each tool as its own process, each to its own
// bucket, on a generated tree of the original data set's shape (8,351 files, 133 classes,
// 20-150 KB):
//   - ours, the apply path (bench/workers/sync-once.ts "reconcile": what `mlops plan`/`apply`
//     do: stat-cached content hashes against the recorded manifest, uploading the difference);
//   - ours, `mlops sync` ("verify": the same against a listing of the prefix, its pages listed in
//     parallel);
//   - `aws s3 sync` (the preinstalled AWS CLI, default settings: 10 requests at once).
// Runs: initial upload, no change, one file changed (medians of --repeat), and a same-size edit
// with an older mtime (read back: we upload it, the CLI misses it). Each run reports its wall
// time, the requests the proxy passed, and the CPU time s3rver spent on them (its ceiling), and
// the load average is recorded beside the figures (the machine is shared).
//
// Sizes: --latency-files N / BENCH_LATENCY_FILES (default 8351), --delay-ms / BENCH_S3_DELAY_MS
// (default 30), --repeat R / BENCH_REPEAT (default 3).
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BUNDLE_DIR, median, ratio, report, setting, target } from "../lib/common.js";
import { startLatencyProxy } from "../lib/proxy.js";
import { startLocalS3 } from "../lib/s3-server.js";
import { awsVersion, generateTree, runProcess, spread } from "../lib/sync-tree.js";

const FILES = setting("latency-files", "BENCH_LATENCY_FILES", 8351);
const DELAY_MS = setting("delay-ms", "BENCH_S3_DELAY_MS", 30);
const REPEAT = Math.max(1, setting("repeat", "BENCH_REPEAT", 3));
const OURS_BUCKET = "bench-mlops-sync";
const AWS_BUCKET = "bench-aws-cli-sync";
const PREFIX = "dogImages/";
// s3rver's one key pair; it checks every signature.
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

type Tool = "apply path" | "mlops sync" | "aws s3 sync";

interface Run {
  ms: number;
  /** Requests the proxy passed. */
  requests: number;
  uploaded: number;
  /** CPU seconds the tool's process used, s3rver spent, and this process (the proxy) used. */
  clientCpuS: number;
  serverCpuS: number;
  proxyCpuS: number;
  /** 1-minute load average when the run ended. */
  load: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 10_000) / 100;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-data-sync-latency-"));
  const data = join(work, "dogImages");
  const server = await startLocalS3();
  const proxy = await startLatencyProxy(server.endpoint, DELAY_MS, { keepBodies: false });
  const loadBefore = loadavg()[0] ?? 0;
  try {
    const paths = generateTree(data, FILES, spread(20 * 1024, 150 * 1024));
    const totalBytes = paths.reduce((sum, p) => sum + statSync(p).size, 0);
    // Set-up and checks go to s3rver directly, not through the proxy.
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    for (const Bucket of [OURS_BUCKET, AWS_BUCKET])
      await s3.send(new CreateBucketCommand({ Bucket }));

    const awsConfig = join(work, "aws-config");
    writeFileSync(awsConfig, ""); // the CLI's defaults, whatever ~/.aws/config says
    const env = {
      AWS_ENDPOINT_URL: proxy.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: awsConfig,
      AWS_SHARED_CREDENTIALS_FILE: awsConfig,
      AWS_PAGER: "",
    };
    const cacheDir = join(work, "cache");
    const run = async (tool: Tool): Promise<Run> => {
      proxy.reset();
      const cpu = server.cpuSeconds();
      const proxyCpu = process.cpuUsage();
      let uploaded: number;
      let elapsed: number;
      let clientCpuS: number;
      if (tool === "aws s3 sync") {
        const args = ["s3", "sync", data, `s3://${AWS_BUCKET}/${PREFIX}`, "--no-progress"];
        const out = await runProcess("aws", args, env);
        uploaded = out.stdout.split("\n").filter((l) => l.startsWith("upload:")).length;
        elapsed = out.ms;
        clientCpuS = out.cpuS;
      } else {
        const mode = tool === "apply path" ? "reconcile" : "verify";
        const script = join(BUNDLE_DIR, "sync-once.mjs");
        const out = await runProcess(
          process.execPath,
          [script, mode, data, OURS_BUCKET, PREFIX, cacheDir],
          env,
        );
        uploaded = (JSON.parse(out.stdout) as { uploaded: number }).uploaded;
        elapsed = out.ms;
        clientCpuS = out.cpuS;
      }
      return {
        ms: elapsed,
        requests: proxy.requests.length,
        uploaded,
        clientCpuS,
        serverCpuS: Math.round((server.cpuSeconds() - cpu) * 100) / 100,
        proxyCpuS: cpuSince(proxyCpu),
        load: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      };
    };

    const mib = (totalBytes / 2 ** 20).toFixed(0);
    console.error(`data-sync-latency: ${FILES} files, ${mib} MiB, ${DELAY_MS} ms; initial…`);
    const initial = { ours: await run("apply path"), aws: await run("aws s3 sync") };
    console.error("data-sync-latency: no change…");
    const noChange: Record<Tool, Run[]> = { "apply path": [], "mlops sync": [], "aws s3 sync": [] };
    for (let i = 0; i < REPEAT; i++) {
      for (const tool of Object.keys(noChange) as Tool[]) noChange[tool].push(await run(tool));
    }
    console.error("data-sync-latency: one file changed…");
    const oneChanged: Record<Tool, Run[]> = {
      "apply path": [],
      "mlops sync": [],
      "aws s3 sync": [],
    };
    for (let i = 0; i < REPEAT; i++) {
      const path = paths[(i * 977) % paths.length] ?? "";
      writeFileSync(path, randomBytes(statSync(path).size)); // new content, mtime now
      oneChanged["apply path"].push(await run("apply path"));
      oneChanged["aws s3 sync"].push(await run("aws s3 sync"));
      // The same change again for `mlops sync`, which the apply path has just uploaded: what it
      // costs is the listing and the one upload.
      writeFileSync(path, randomBytes(statSync(path).size));
      oneChanged["mlops sync"].push(await run("mlops sync"));
      await run("aws s3 sync"); // keeps the CLI's bucket level with ours
    }

    console.error("data-sync-latency: same-size edit with an older mtime…");
    const victim = paths[Math.floor(paths.length / 2)] ?? "";
    const before = statSync(victim);
    writeFileSync(victim, randomBytes(before.size));
    const older = new Date(before.mtimeMs - 86_400_000);
    utimesSync(victim, older, older);
    const stale = { ours: await run("apply path"), aws: await run("aws s3 sync") };
    const key = PREFIX + victim.slice(data.length + 1).replaceAll("\\", "/");
    const md5 = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");
    const localMd5 = md5(readFileSync(victim));
    const remoteMd5 = async (Bucket: string): Promise<string> => {
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
      return md5(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
    };
    const oursCorrect = (await remoteMd5(OURS_BUCKET)) === localMd5;
    const awsCorrect = (await remoteMd5(AWS_BUCKET)) === localMd5;
    s3.destroy();

    const med = (runs: readonly Run[]): number => median(runs.map((r) => r.ms));
    const awsNoChange = med(noChange["aws s3 sync"]);
    const awsOneChanged = med(oneChanged["aws s3 sync"]);
    const speedup = {
      initial: ratio(initial.aws.ms, initial.ours.ms),
      noChangeApply: ratio(awsNoChange, med(noChange["apply path"])),
      noChangeSync: ratio(awsNoChange, med(noChange["mlops sync"])),
      oneChangedApply: ratio(awsOneChanged, med(oneChanged["apply path"])),
      oneChangedSync: ratio(awsOneChanged, med(oneChanged["mlops sync"])),
    };
    const first = (runs: readonly Run[]): Run => runs[0] as Run;
    const one = (run: Run): string =>
      `${run.ms} ms, ${run.requests} requests, CPU s: own ${run.clientCpuS}, s3rver ${run.serverCpuS}, proxy ${run.proxyCpuS}`;
    const detail = (ours: Run, aws: Run): string =>
      `ours ${one(ours)}; aws s3 sync ${one(aws)}; load ${aws.load}`;
    // On this machine's cores, a run cannot take less wall time than its CPU time spread over all
    // of them: the fastest the initial upload could be here, were the machine otherwise idle.
    const cores = cpus().length;
    const cpuFloorS = (run: Run): number =>
      Math.round(((run.clientCpuS + run.serverCpuS + run.proxyCpuS) / cores) * 100) / 100;
    const targets = [
      target(
        "initial upload >= 3x faster",
        speedup.initial >= 3,
        `${speedup.initial}x (${detail(initial.ours, initial.aws)}); CPU floor on ${cores} idle cores: ours ${cpuFloorS(initial.ours)} s, aws s3 sync ${cpuFloorS(initial.aws)} s`,
      ),
      target(
        "no change, apply path >= 10x faster",
        speedup.noChangeApply >= 10,
        `${speedup.noChangeApply}x (${detail(first(noChange["apply path"]), first(noChange["aws s3 sync"]))})`,
      ),
      target(
        "no change, `mlops sync` >= 3x faster",
        speedup.noChangeSync >= 3,
        `${speedup.noChangeSync}x (${detail(first(noChange["mlops sync"]), first(noChange["aws s3 sync"]))})`,
      ),
      target(
        "one file changed >= 5x faster",
        speedup.oneChangedApply >= 5,
        `apply path ${speedup.oneChangedApply}x, \`mlops sync\` ${speedup.oneChangedSync}x (${detail(first(oneChanged["apply path"]), first(oneChanged["aws s3 sync"]))})`,
      ),
      target(
        "same-size edit with older mtime uploaded (aws s3 sync skips it)",
        oursCorrect && !awsCorrect,
        `ours ${oursCorrect ? "uploaded it (object matches the file)" : "MISSED it"}; aws s3 sync ${awsCorrect ? "uploaded it too" : "skipped it (object is stale)"}`,
      ),
    ];
    report(
      "data-sync-latency",
      `vs aws s3 sync through a ${DELAY_MS} ms proxy to s3rver (${FILES} files, ${mib} MiB): initial ${speedup.initial}x, no change ${speedup.noChangeApply}x (apply path) / ${speedup.noChangeSync}x (mlops sync), one changed ${speedup.oneChangedApply}x / ${speedup.oneChangedSync}x; requests initial ${initial.ours.requests} vs ${initial.aws.requests}; load ${loadBefore.toFixed(2)}-${(loadavg()[0] ?? 0).toFixed(2)}`,
      {
        baseline:
          "aws s3 sync (preinstalled AWS CLI, default settings), same proxy and server, own bucket",
        server: "s3rver 3.7.1 (bench/workers/s3-server.ts) behind bench/lib/proxy.ts",
        awsCli: await awsVersion(env),
        settings: { files: FILES, delayMs: DELAY_MS, repeat: REPEAT, totalBytes },
        loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
        speedup,
        initial,
        noChange,
        oneChanged,
        staleMtime: { ...stale, oursCorrect, awsCorrect },
      },
      targets,
    );
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

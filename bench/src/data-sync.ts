// data-sync: our data sync against the preinstalled `aws s3 sync`, both as their own processes
// against the same local S3 (the emulator), each to its own bucket, on a generated ImageFolder
// tree: initial upload, re-sync with no change, re-sync with one file changed (median of
// --repeat), and correctness: a same-size edit with an older mtime (aws s3 sync compares size
// and mtime, so it skips it; we compare content and upload it), checked by reading the object
// back.
// Ours is the data set's reconcile as every `mlops plan`/`apply` runs it (bench/workers/
// sync-once.ts "reconcile": stat-cached content hashes against the recorded manifest, listing
// and uploading only when they differ); `mlops sync`, which always checks a listing, is measured
// too ("verify"). The no-change figure is with the stat cache warm (a laptop's second run); a
// cold-cache run (a fresh CI checkout) is reported beside it.
// Requests: every request the emulator served during each run (its --verbose log); ours are also
// counted inside the process by SDK middleware. The emulator's own CPU time per run is read from
// /proc: moto serves requests one at a time, so for the initial upload it bounds any client's
// speed-up; the report prints that bound.
//
// Sizes: --files N / BENCH_FILES (default 500 to keep `npm run bench` short; 8351 is the
// original data set's count), --file-kb K / BENCH_FILE_KB (default 20; sizes vary +-25% around
// it), --repeat R / BENCH_REPEAT (default 3).
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  BUNDLE_DIR,
  median,
  ms,
  ratio,
  report,
  setting,
  target,
  type Target,
} from "../lib/common.js";
import { startCountingEmulator, type RequestCounts } from "../lib/emulator.js";
import { awsVersion, generateTree, runProcess, spread } from "../lib/sync-tree.js";

const FILES = setting("files", "BENCH_FILES", 500);
const FILE_KB = setting("file-kb", "BENCH_FILE_KB", 20);
const REPEAT = Math.max(1, setting("repeat", "BENCH_REPEAT", 3));
const OURS_BUCKET = "bench-mlops-sync";
const AWS_BUCKET = "bench-aws-cli-sync";
const PREFIX = "dogImages/";

interface Run {
  ms: number;
  /** Requests the emulator served during the run. */
  requests: RequestCounts;
  /** Files the tool uploaded. */
  uploaded: number;
  /** CPU seconds the emulator spent serving the run. */
  emulatorCpuS: number;
  /** Ours only: requests counted by SDK middleware, by command. */
  sdkRequests?: Record<string, number>;
  /** Ours only: time spent hashing (or taking hashes from the stat cache). */
  prepareMs?: number;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-data-sync-"));
  const data = join(work, "dogImages");
  const emulator = await startCountingEmulator();
  try {
    const genStart = performance.now();
    // Sizes spread +-25% around FILE_KB.
    const paths = generateTree(data, FILES, spread(FILE_KB * 768, FILE_KB * 1280));
    const generateMs = ms(performance.now() - genStart);
    const totalBytes = paths.reduce((sum, p) => sum + statSync(p).size, 0);

    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: emulator.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    for (const Bucket of [OURS_BUCKET, AWS_BUCKET])
      await s3.send(new CreateBucketCommand({ Bucket }));

    // An empty config file: the CLI's defaults (10 threads), whatever ~/.aws/config says.
    const awsConfig = join(work, "aws-config");
    writeFileSync(awsConfig, "");
    const env = { ...emulator.env, AWS_CONFIG_FILE: awsConfig, AWS_PAGER: "" };

    const cacheDir = join(work, "cache");
    const ours = async (mode: "reconcile" | "verify" = "reconcile"): Promise<Run> => {
      await emulator.reset();
      const cpu = emulator.cpuSeconds();
      const run = await runProcess(
        process.execPath,
        [join(BUNDLE_DIR, "sync-once.mjs"), mode, data, OURS_BUCKET, PREFIX, cacheDir],
        env,
      );
      const out = JSON.parse(run.stdout) as {
        uploaded: number;
        requests: Record<string, number>;
        prepareMs: number;
      };
      return {
        ms: run.ms,
        requests: await emulator.counts(),
        uploaded: out.uploaded,
        emulatorCpuS: emulator.cpuSeconds() - cpu,
        sdkRequests: out.requests,
        prepareMs: out.prepareMs,
      };
    };
    const awsCli = async (): Promise<Run> => {
      await emulator.reset();
      const cpu = emulator.cpuSeconds();
      const run = await runProcess(
        "aws",
        [
          "s3",
          "sync",
          data,
          `s3://${AWS_BUCKET}/${PREFIX}`,
          "--endpoint-url",
          emulator.endpoint,
          "--no-progress",
        ],
        env,
      );
      const uploaded = run.stdout.split("\n").filter((l) => l.startsWith("upload:")).length;
      return {
        ms: run.ms,
        requests: await emulator.counts(),
        uploaded,
        emulatorCpuS: emulator.cpuSeconds() - cpu,
      };
    };

    console.error(`data-sync: ${FILES} files, ${(totalBytes / 2 ** 20).toFixed(1)} MiB; initial…`);
    const initial = { ours: await ours(), aws: await awsCli() };

    // A fresh checkout (CI) has no stat cache: every file is hashed again.
    console.error("data-sync: no-change, cold stat cache…");
    rmSync(cacheDir, { recursive: true, force: true });
    const coldCache = await ours();
    console.error("data-sync: no-change…");
    const noChange: { ours: Run[]; aws: Run[]; oursVerify: Run[] } = {
      ours: [],
      aws: [],
      oursVerify: [],
    };
    for (let i = 0; i < REPEAT; i++) {
      noChange.ours.push(await ours());
      noChange.oursVerify.push(await ours("verify"));
      noChange.aws.push(await awsCli());
    }

    console.error("data-sync: one file changed…");
    const oneChanged: { ours: Run[]; aws: Run[] } = { ours: [], aws: [] };
    for (let i = 0; i < REPEAT; i++) {
      const path = paths[(i * 977) % paths.length] ?? "";
      writeFileSync(path, randomBytes(statSync(path).size)); // new content, mtime now
      oneChanged.ours.push(await ours());
      oneChanged.aws.push(await awsCli());
    }

    // Same size, different content, mtime put back a day earlier than it was.
    console.error("data-sync: same-size edit with an older mtime…");
    const victimIndex = Math.floor(paths.length / 2);
    const victim = paths[victimIndex] ?? "";
    const before = statSync(victim);
    writeFileSync(victim, randomBytes(before.size));
    const older = new Date(before.mtimeMs - 86_400_000);
    utimesSync(victim, older, older);
    const stale = { ours: await ours(), aws: await awsCli() };
    const key =
      PREFIX +
      victim
        .slice(data.length + 1)
        .split("\\")
        .join("/");
    const md5 = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");
    const localMd5 = md5(readFileSync(victim));
    const remoteMd5 = async (Bucket: string): Promise<string> => {
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
      return md5(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
    };
    const correctness = {
      key,
      localMd5,
      ours: { remoteMd5: await remoteMd5(OURS_BUCKET), uploaded: stale.ours.uploaded },
      aws: { remoteMd5: await remoteMd5(AWS_BUCKET), uploaded: stale.aws.uploaded },
    };
    s3.destroy();

    const med = (runs: Run[]): number => median(runs.map((r) => r.ms));
    const speedup = {
      initial: ratio(initial.aws.ms, initial.ours.ms),
      noChange: ratio(med(noChange.aws), med(noChange.ours)),
      noChangeColdCache: ratio(med(noChange.aws), coldCache.ms),
      noChangeVerify: ratio(med(noChange.aws), med(noChange.oursVerify)),
      oneChanged: ratio(med(oneChanged.aws), med(oneChanged.ours)),
    };
    // The emulator serves one request at a time: no client uploads faster than the emulator
    // spends CPU on its requests, so this is the largest initial speed-up it allows.
    const emulatorBound = ratio(
      initial.aws.ms,
      Math.min(initial.ours.emulatorCpuS, initial.aws.emulatorCpuS) * 1000,
    );
    const oursCorrect = correctness.ours.remoteMd5 === localMd5;
    const awsCorrect = correctness.aws.remoteMd5 === localMd5;
    const targets: Target[] = [
      target(
        "initial upload >= 3x faster",
        speedup.initial >= 3,
        `${speedup.initial}x (ours ${initial.ours.ms} ms, aws s3 sync ${initial.aws.ms} ms); the emulator alone spent ${ms(initial.ours.emulatorCpuS * 1000)} ms of CPU serving our ${initial.ours.requests.total} requests, which caps any client at ${emulatorBound}x here`,
      ),
      target(
        "no-change re-sync >= 10x faster",
        speedup.noChange >= 10,
        `${speedup.noChange}x (median ours ${med(noChange.ours)} ms, aws s3 sync ${med(noChange.aws)} ms); cold stat cache ${speedup.noChangeColdCache}x (${coldCache.ms} ms); \`mlops sync\` (always lists) ${speedup.noChangeVerify}x`,
      ),
      target(
        "same-size edit with older mtime uploaded (aws s3 sync skips it)",
        oursCorrect && !awsCorrect,
        `ours ${oursCorrect ? "uploaded it (object matches the file)" : "MISSED it"}; aws s3 sync ${awsCorrect ? "uploaded it too" : "skipped it (object is stale)"}`,
      ),
    ];
    const requests = (runs: { ours: Run; aws: Run }): string =>
      `${runs.ours.requests.total} vs ${runs.aws.requests.total}`;
    report(
      "data-sync",
      `vs aws s3 sync (${FILES} files, ${(totalBytes / 2 ** 20).toFixed(0)} MiB): initial ${speedup.initial}x, no-change ${speedup.noChange}x, one-changed ${speedup.oneChanged}x faster; requests initial ${requests(initial)}, no-change ${requests({ ours: noChange.ours[0] as Run, aws: noChange.aws[0] as Run })}`,
      {
        baseline: "aws s3 sync (preinstalled AWS CLI, default settings), same emulator, own bucket",
        awsCli: await awsVersion(env),
        settings: { files: FILES, fileKb: FILE_KB, repeat: REPEAT, totalBytes, generateMs },
        speedup,
        emulatorBoundInitial: emulatorBound,
        initial,
        noChangeColdCache: coldCache,
        noChange,
        oneChanged,
        staleMtime: { ...stale, correctness },
      },
      targets,
    );
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

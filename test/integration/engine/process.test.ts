// The CLI as a real process (bundled from source once): SIGKILL in the middle of the data
// upload and re-run, SIGINT (clean exit, lock released), and two applies at once. Uses the run's
// shared emulator (no recorder assertions here), with project names of its own.
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { IAMClient } from "@aws-sdk/client-iam";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../../support/emulator.js";
import { cli } from "../../support/cli.js";
import { bundleCli, makeWorkspace, roleNames, type Workspace } from "./helpers.js";

const FILES = 150;

let bundle: Awaited<ReturnType<typeof bundleCli>>;
let s3: S3Client;
let iam: IAMClient;
let env: NodeJS.ProcessEnv;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  const aws = useEmulator();
  bundle = await bundleCli();
  s3 = new S3Client(aws.s3ClientConfig);
  iam = new IAMClient(aws.clientConfig);
  env = { ...process.env, ...aws.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  // For the in-process runs (cli()): this worker's environment points at the emulator too.
  Object.assign(process.env, aws.env);
});

afterAll(() => {
  bundle.remove();
  for (const w of workspaces) w.remove();
});

function workspace(): Workspace {
  const w = makeWorkspace({ files: FILES, fileBytes: 1024 });
  workspaces.push(w);
  return w;
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function mlops(args: string[]): Running {
  const child = spawn(process.execPath, [bundle.path, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
    for (const w of waiters) w();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // "close", not "exit": by then stdout and stderr have been read to the end.
    child.once("close", (code, signal) => {
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const test = (): boolean =>
          typeof text === "string" ? err.includes(text) : text.test(err);
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${String(text)} in:\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          if (test()) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        void exit.then(() => {
          if (!test()) {
            clearTimeout(timer);
            reject(new Error(`exited before ${String(text)}:\n${err}\n${out}`));
          }
        });
        check();
      }),
  };
}

async function countObjects(bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }),
    );
    count += page.KeyCount ?? 0;
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return count;
}

async function lockExists(w: Workspace): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: w.bucket, Key: ".mlops/lock.json" }));
    return true;
  } catch {
    return false;
  }
}

// Each test runs several CLI processes; generous limits so a loaded CI machine does not flake.
describe("mlops as a process", { timeout: 90_000 }, () => {
  it("killed (SIGKILL) during the upload: the re-run names the stale lock, unlock, re-run converges", async () => {
    const w = workspace();
    const first = mlops(["apply", "--config", w.config, "--auto-approve"]);
    await first.waitFor("uploading: 0/");
    first.child.kill("SIGKILL");
    expect((await first.exit).signal).toBe("SIGKILL");
    const uploaded = await countObjects(w.bucket, "images/");
    expect(uploaded).toBeLessThan(FILES);

    // The dead run's lock stays; a re-run waits, then names it.
    expect(await lockExists(w)).toBe(true);
    const blocked = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`(pid ${String(first.child.pid)}) for apply`);
    // Same machine, dead process: said so, with the command that removes it.
    expect(blocked.stderr).toContain("its process is gone");
    expect(blocked.stderr).toMatch(/remove it with: mlops unlock [0-9a-f-]{36}/);
    const id = /\[lock ([0-9a-f-]{36})/.exec(blocked.stderr)?.[1];
    expect(id).toBeDefined();

    const unlocked = await cli(["unlock", id ?? "", "--config", w.config]);
    expect(unlocked.code).toBe(0);

    const rerun = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(rerun.stderr).not.toMatch(/error:/);
    expect(rerun.code).toBe(0);
    // Everything is there once: every file, one role of each kind.
    expect(await countObjects(w.bucket, "images/")).toBe(FILES);
    expect(await roleNames(iam, w.project)).toEqual([`${w.project}-sagemaker`]);
    const plan = await cli(["plan", "--config", w.config, "--detailed-exitcode"]);
    expect(plan.stdout).toContain("No changes");
    expect(plan.code).toBe(0);
  });

  it("interrupted (SIGINT) during the upload: exits by itself, releases the lock; re-run converges", async () => {
    const w = workspace();
    const first = mlops(["apply", "--config", w.config, "--auto-approve"]);
    await first.waitFor("uploading: 0/");
    first.child.kill("SIGINT");
    const exit = await first.exit;
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(1);
    expect(first.stderr()).toContain("SIGINT: finishing the steps in flight, starting nothing new");
    expect(first.stdout()).toContain("Apply incomplete");
    expect(await lockExists(w)).toBe(false);

    const rerun = await cli(["apply", "--config", w.config, "--auto-approve"]);
    expect(rerun.code).toBe(0);
    expect(await countObjects(w.bucket, "images/")).toBe(FILES);
    expect((await cli(["plan", "--config", w.config, "--detailed-exitcode"])).code).toBe(0);
  });

  it("two applies at once: one takes the lock, the other waits naming it (then goes on or fails)", async () => {
    const w = makeWorkspace({ files: 3 });
    workspaces.push(w);
    expect((await cli(["apply", "--config", w.config, "--auto-approve"])).code).toBe(0);
    // Enough new data that the winner holds the lock for a while.
    for (let i = 0; i < FILES; i++) w.writeData(`train/new/img${i}.jpg`, `${i}`.padEnd(1024, "y"));
    const runs = [0, 1].map(() => mlops(["apply", "--config", w.config, "--auto-approve"]));
    const exits = await Promise.all(runs.map((r) => r.exit));
    const output = runs
      .map((r, i) => `run ${i}: ${JSON.stringify(exits[i])}\n${r.stderr()}${r.stdout()}`)
      .join("\n");
    const waited = runs.findIndex((r) => r.stderr().includes("waiting for the lock"));
    expect(waited, output).toBeGreaterThanOrEqual(0);
    const winner = runs[1 - waited];
    const loser = runs[waited];
    expect(exits[1 - waited]?.code, output).toBe(0);
    expect(winner?.stdout(), output).toContain("Apply complete");
    expect(loser?.stderr(), output).toMatch(
      new RegExp(
        `waiting for the lock: held by .*\\(pid ${String(winner?.child.pid)}\\) for apply since \\S+ \\[lock [0-9a-f-]{36}\\]`,
      ),
    );
    if (exits[waited]?.code === 0) {
      // It got the lock once the winner was done, and found nothing left to do.
      expect(loser?.stdout(), output).toContain("No changes");
    } else {
      expect(exits[waited]?.code, output).toBe(1);
      expect(loser?.stderr(), output).toContain("could not take the lock");
    }
    expect(await countObjects(w.bucket, "images/")).toBe(FILES + 3);
    expect(await roleNames(iam, w.project)).toEqual([`${w.project}-sagemaker`]);
    expect(await lockExists(w)).toBe(false);
  });
});

// `npm run demo`: the whole product on this machine with no AWS account. Starts the local AWS
// emulator, generates a small data set, then validates, plans, applies, re-plans (no changes),
// changes the config and applies the minimal plan. Each step checks its outcome; the exit code
// is 0 only if every step did what it should.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../cli/main.js";
import type { Output } from "../cli/output.js";
import { startEmulator } from "../emulator/index.js";
import { demoConfig } from "./demo-config.js";

export interface DemoOptions {
  repoRoot: string;
  workDir: string;
  keep: boolean;
  say: (line: string) => void;
}

export interface DemoStep {
  name: string;
  ok: boolean;
  detail: string;
}

interface Captured {
  code: number;
  out: string;
  err: string;
}

export async function runDemo(options: DemoOptions): Promise<DemoStep[]> {
  const { repoRoot, workDir, say } = options;
  const steps: DemoStep[] = [];
  const check = (name: string, ok: boolean, detail: string): void => {
    steps.push({ name, ok, detail });
    say(`${ok ? "✔" : "✘"} ${name}${detail ? `: ${detail}` : ""}`);
    if (!ok) throw new Error(`demo step failed: ${name}`);
  };

  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const dataDir = join(workDir, "data");
  const configFile = join(workDir, "mlops.yaml");
  const writeConfig = (maxCapacity: number, epochs: number): void => {
    writeFileSync(configFile, demoConfig({ repoRoot, dataDir, maxCapacity, epochs }));
  };

  say("Starting the local AWS emulator (moto plus the operations it lacks)...");
  const emulator = await startEmulator({ updateDelayMs: 500, keepAlive: options.keep });
  const savedEnv = { ...process.env };
  Object.assign(process.env, emulator.env(), { MLOPS_CACHE_DIR: join(workDir, "cache") });
  try {
    check("emulator", true, emulator.endpoint);

    const gen = spawnSync(
      "/usr/bin/python3",
      [
        join(repoRoot, "training/generate_data.py"),
        "--out",
        dataDir,
        "--classes",
        "4",
        "--per-class-train",
        "30",
        "--per-class-valid",
        "8",
        "--per-class-test",
        "8",
        "--seed",
        "0",
      ],
      { encoding: "utf8" },
    );
    check(
      "generate sample data",
      gen.status === 0,
      gen.status === 0 ? gen.stdout.trim() : gen.stderr.trim(),
    );

    writeConfig(3, 2);
    const mlops = async (...args: string[]): Promise<Captured> =>
      run([...args, "--config", configFile]);

    const valid = await mlops("validate");
    check("mlops validate", valid.code === 0, valid.out.trim());

    const plan = await mlops(
      "plan",
      "--markdown-out",
      join(workDir, "plan.md"),
      "--out",
      join(workDir, "plan.json"),
    );
    say(indent(plan.out));
    const planned = JSON.parse(readFileSync(join(workDir, "plan.json"), "utf8")) as {
      changes: { action: string }[];
    };
    check(
      "mlops plan: everything to create",
      plan.code === 0 && planned.changes.every((c) => c.action === "create"),
      `${planned.changes.length} resources; the PR comment is in ${join(workDir, "plan.md")}`,
    );

    const apply = await mlops("apply", "--plan", join(workDir, "plan.json"), "--auto-approve");
    say(indent(apply.out));
    check("mlops apply", apply.code === 0, lastLine(apply.out));

    const again = await mlops("plan", "--detailed-exitcode");
    check("second mlops plan reports no changes", again.code === 0, lastLine(again.out, 1));

    writeConfig(5, 2);
    const changed = await mlops("plan", "--detailed-exitcode");
    say(indent(changed.out));
    check("changed config gives a plan with changes", changed.code === 2, "");

    const apply2 = await mlops("apply", "--auto-approve");
    check("apply the change", apply2.code === 0, lastLine(apply2.out));

    const final = await mlops("plan", "--detailed-exitcode");
    check("converged", final.code === 0, "no changes");
    return steps;
  } finally {
    if (options.keep) {
      say(
        `\nThe emulator keeps running at ${emulator.endpoint} (pid ${emulator.pid}). To use the CLI against it:`,
      );
      for (const [k, v] of Object.entries(emulator.env())) say(`  export ${k}=${v}`);
      say(`  node actions/dist/cli.js plan --config ${configFile}`);
      say(`Stop it with: kill ${emulator.pid}`);
      emulator.release();
    } else {
      await emulator.stop();
    }
    process.env = savedEnv;
  }
}

async function run(argv: string[]): Promise<Captured> {
  let out = "";
  let err = "";
  const io: Output = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(argv, io);
  if (code !== 0 && code !== 2 && err) process.stderr.write(err);
  return { code, out, err };
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function lastLine(text: string, fromEnd = 0): string {
  const lines = text.trimEnd().split("\n");
  return lines[lines.length - 1 - fromEnd] ?? "";
}

export function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "training", "train.py")) || !existsSync(join(dir, "package.json"))) {
    const parent = join(dir, "..");
    if (parent === dir) throw new Error("run the demo from the project's folder");
    dir = parent;
  }
  return dir;
}

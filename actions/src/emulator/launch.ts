// Starts emulator/launcher.py (moto plus the operations moto lacks) as a child process and
// stops it without leaving anything behind.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { EmulatorControl } from "./control.js";
import { OperationalError } from "../operational-errors.js";
import { setupPythons } from "../setup-pythons.js";

export const READY_PREFIX = "MLOPS_EMULATOR_READY ";
export const MOTO_INSTALL_HINT =
  "in this repository, npm run setup installs it; elsewhere: pip install 'moto[server]==5.2.1'";
const MOTO_MISSING_EXIT = 3;
const LAUNCHER = join("emulator", "launcher.py");

export interface StartEmulatorOptions {
  /** Port to bind on 127.0.0.1; default: a free one. */
  readonly port?: number;
  /** Python interpreter; default: $MLOPS_PYTHON or python3. */
  readonly python?: string;
  /** How long UpdateEndpoint / provisioned concurrency stay in progress; default 1000. */
  readonly updateDelayMs?: number;
  /** Receives the emulator's stdout/stderr lines (after the ready line). */
  readonly log?: (line: string) => void;
  /** Give up waiting for the ready line after this long; default 60 000. */
  readonly startTimeoutMs?: number;
  /** Path of launcher.py; default: found by walking up from this module, or $MLOPS_EMULATOR_LAUNCHER. */
  readonly launcherPath?: string;
  /** Let the emulator outlive this process once release() is called (`npm run demo -- --keep`). */
  readonly keepAlive?: boolean;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

export class Emulator extends EmulatorControl {
  readonly pid: number;
  readonly #child: Child;
  readonly #exited: Promise<void>;
  #stopping: Promise<void> | undefined;

  constructor(endpoint: string, child: Child, exited: Promise<void>) {
    super(endpoint);
    if (child.pid === undefined) throw new OperationalError("emulator process has no pid");
    this.pid = child.pid;
    this.#child = child;
    this.#exited = exited;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM the process group, wait for it (SIGKILL after 10 s). Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    live.delete(this);
    if (this.running) {
      killGroup(this.pid, "SIGTERM");
      const timer = setTimeout(() => {
        killGroup(this.pid, "SIGKILL");
      }, 10_000);
      try {
        await this.#exited;
      } finally {
        clearTimeout(timer);
      }
    }
    this.#child.stdin.destroy();
  }

  /**
   * Leaves the emulator running after this process exits (needs keepAlive): it is no longer
   * stopped by the exit hook, and our ends of its pipes are closed.
   */
  release(): void {
    live.delete(this);
    this.#child.stdin.destroy();
    this.#child.stdout.destroy();
    this.#child.stderr.destroy();
  }

  /** Synchronous last resort for process exit handlers. */
  kill(): void {
    if (this.running) killGroup(this.pid, "SIGKILL");
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  // Never signal group 0 (our own) or a negative pid.
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

const live = new Set<Emulator>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const emulator of live) emulator.kill();
  });
}

/** Directory holding emulator/launcher.py: walks up from this module (works from actions/dist too). */
export function findLauncher(startUrl: string = import.meta.url): string {
  const fromEnv = process.env["MLOPS_EMULATOR_LAUNCHER"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  let dir = dirname(fileURLToPath(startUrl));
  for (;;) {
    const candidate = join(dir, LAUNCHER);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new OperationalError(
        `cannot find ${LAUNCHER} above ${fileURLToPath(startUrl)}; set MLOPS_EMULATOR_LAUNCHER`,
      );
    }
    dir = parent;
  }
}

/**
 * The Python with moto that scripts/setup.sh chose for this checkout (recorded beside its .venv),
 * so `npx mlops emulator` works after `npm run demo` or `npm test` even where moto was installed
 * into the project's .venv rather than for python3.
 */
export function setupEmulatorPython(launcher: string): string | undefined {
  return setupPythons(dirname(dirname(launcher)))["MLOPS_PYTHON"];
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const launcher = options.launcherPath ?? findLauncher();
  const python =
    options.python ?? process.env["MLOPS_PYTHON"] ?? setupEmulatorPython(launcher) ?? "python3";
  const args = [launcher, "--port", String(options.port ?? 0)];
  if (options.keepAlive !== true) args.push("--exit-on-stdin-eof");
  if (options.updateDelayMs !== undefined) {
    args.push("--update-delay-ms", String(Math.round(options.updateDelayMs)));
  }
  const log = options.log ?? (() => undefined);

  // detached: the emulator leads its own process group, so stop() can signal the whole group.
  // stdin stays a pipe: if this process dies without stop(), the emulator sees EOF and exits.
  const child: Child = spawn(python, args, {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  const exited = new Promise<void>((resolve) => {
    child.once("close", () => {
      resolve();
    });
  });

  const stderrTail: string[] = [];
  let ready = false;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const fail = (message: string): void => {
      clearTimeout(timer);
      killGroup(child.pid, "SIGKILL");
      const tail = stderrTail.join("\n").trim();
      reject(new OperationalError(tail === "" ? message : `${message}\n${tail}`));
    };
    const timer = setTimeout(() => {
      fail(`emulator did not report ready within ${timeoutMs} ms`);
    }, timeoutMs);

    forEachLine(child.stdout, (line) => {
      if (!ready && line.startsWith(READY_PREFIX)) {
        ready = true;
        clearTimeout(timer);
        resolve(line.slice(READY_PREFIX.length).trim());
      } else {
        log(line);
      }
    });
    forEachLine(child.stderr, (line) => {
      if (!ready) {
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
      log(line);
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      const hint = error.code === "ENOENT" ? ` (set MLOPS_PYTHON to a Python with moto)` : "";
      fail(`cannot start ${python}: ${error.message}${hint}`);
    });
    child.once("exit", (code, signal) => {
      if (ready) return;
      if (code === MOTO_MISSING_EXIT) {
        fail(`moto is not importable by ${python}; ${MOTO_INSTALL_HINT}`);
      } else {
        fail(
          `emulator exited before it was ready (code ${String(code)}, signal ${String(signal)})`,
        );
      }
    });
  });

  const emulator = new Emulator(endpoint, child, exited);
  live.add(emulator);
  installExitHook();
  // A forgotten emulator must not keep this process alive; the exit hook (or, failing that,
  // stdin EOF) still ends it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as Partial<{ unref: () => void }>).unref?.();
  }
  return emulator;
}

function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      onLine(buffer.slice(0, newline).replace(/\r$/, ""));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  });
  stream.on("end", () => {
    if (buffer !== "") onLine(buffer);
    buffer = "";
  });
}

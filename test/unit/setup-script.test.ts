// scripts/setup.sh, which `npm run demo` and `npm test` run first: quick and silent when the
// checkout is ready, says what it installs before installing, and without root or working
// wheels stops with the exact commands to run, having written nothing.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "../..");
let dir: string;
let checkout: string;
let bin: string;
let calls: string;

/** A command on PATH that records each call; `body` decides what it does. */
function shim(name: string, body: string): string {
  const file = join(bin, name);
  writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "${calls}"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function runSetup(profile: string, command: string[], env: Record<string, string> = {}) {
  return spawnSync("bash", [join(checkout, "scripts/setup.sh"), profile, ...command], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...env },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mlops-setup-"));
  checkout = join(dir, "checkout");
  bin = join(dir, "bin");
  calls = join(dir, "calls.log");
  writeFileSync(calls, "");
  mkdirSync(bin);
  for (const file of ["scripts/setup.sh", "training/requirements-dev.txt", "package-lock.json"]) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(checkout, file));
  }
  symlinkSync(process.execPath, join(bin, "node"));
  // Installers that must not run unless the test says so.
  for (const name of ["npm", "pip", "apt-get", "sudo"]) shim(name, "exit 1");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("scripts/setup.sh", () => {
  it("runs the command at once when the checkout is ready, installing nothing", () => {
    const python = shim("python-ready", "exit 0");
    const key = createHash("sha256")
      .update(readFileSync(join(checkout, "scripts/setup.sh")))
      .update(readFileSync(join(checkout, "training/requirements-dev.txt")))
      .digest("hex")
      .slice(0, 16);
    mkdirSync(join(checkout, ".venv"));
    writeFileSync(
      join(checkout, ".venv/mlops-python.env"),
      `MLOPS_SETUP_KEY=${key}\nMLOPS_TRAINING_PYTHON=${python}\nMLOPS_PYTHON=${python}\n`,
    );

    const result = runSetup("demo", ["sh", "-c", 'echo "training=$MLOPS_TRAINING_PYTHON"']);

    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`training=${python}`);
    // No installer and no Python was started: the check reads files only.
    expect(readFileSync(calls, "utf8")).toBe("");
  });

  it("without root and without working wheels, names what it needs and the exact commands", () => {
    // python3 cannot make a venv (no working wheels route); Debian's python lacks torch.
    shim("python3", "exit 1");
    const systemPython = shim("system-python", "exit 1");
    shim("id", '[ "$1" = "-u" ] && echo 1000 || /usr/bin/id "$@"');

    const result = runSetup("demo", ["echo", "must not run"], {
      MLOPS_SYSTEM_PYTHON: systemPython,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain("must not run");
    const said = result.stderr;
    // What it is about to install comes first...
    expect(said.indexOf("installing what this checkout lacks")).toBe("setup: ".length);
    expect(said).toContain("the Python environment .venv: torch, torchvision");
    // ...then, unable to, the commands that would.
    expect(said).toContain(
      "sudo apt-get update && sudo apt-get install -y python3-torch python3-torchvision python3-pil python3-numpy python3-pytest python3-venv",
    );
    // Asking sudo whether it needs a password is all; nothing was installed.
    expect(readFileSync(calls, "utf8")).not.toMatch(/^(apt-get |sudo (?!-n true$)|pip |npm )/m);
    expect(existsSync(join(checkout, ".venv/mlops-python.env"))).toBe(false);
  });

  it("redoes the set-up when the pinned tools change", () => {
    const python = shim("python-ready", "exit 0");
    mkdirSync(join(checkout, ".venv"));
    writeFileSync(
      join(checkout, ".venv/mlops-python.env"),
      `MLOPS_SETUP_KEY=0000000000000000\nMLOPS_TRAINING_PYTHON=${python}\nMLOPS_PYTHON=${python}\n`,
    );
    shim("python3", "exit 1");
    shim("id", '[ "$1" = "-u" ] && echo 1000 || /usr/bin/id "$@"');

    const result = runSetup("demo", ["true"], { MLOPS_SYSTEM_PYTHON: join(bin, "python3") });

    expect(result.stderr).toContain("installing what this checkout lacks");
    expect(result.status).toBe(1);
  });
});

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RUNNER_RELEASE,
  encodeUserData,
  JOB_STARTED_HOOK,
  renderJobStartedHook,
  renderUserData,
  USER_DATA_MAX_BYTES,
} from "../../../actions/src/ec2-runner/index.js";

// A realistic JIT config is ~2-3 KB of base64; use 4 KB to keep a margin in the size check.
const JIT = Buffer.from("x".repeat(3000)).toString("base64");
const EXPECTED = { repository: "acme/dog-breeds", runId: "123456789" };
const script = renderUserData({
  jitConfig: JIT,
  expectedJob: EXPECTED,
  maxLifetimeSeconds: 10800,
  idleTimeoutSeconds: 900,
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
if (!hasShellcheck) {
  console.warn(
    "user-data.test: shellcheck is not installed; skipping the shellcheck test (CI installs it: apt-get install -y shellcheck)",
  );
}

describe("runner user data", () => {
  it("registers the JIT runner from the pinned, checksummed release", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain(`readonly JIT_CONFIG='${JIT}'`);
    expect(script).toContain('./run.sh --jitconfig "$JIT_CONFIG"');
    expect(script).toContain(`readonly RUNNER_VERSION=${DEFAULT_RUNNER_RELEASE.version}`);
    expect(script).toContain(`readonly RUNNER_SHA256=${DEFAULT_RUNNER_RELEASE.sha256}`);
    expect(script).toContain("sha256sum --check --strict");
    expect(script).toContain(
      "https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/$tarball",
    );
  });

  it("arms the lifetime and idle watchdogs before installing anything", () => {
    expect(script).toContain("readonly MAX_LIFETIME_SECONDS=10800");
    expect(script).toContain("readonly IDLE_TIMEOUT_SECONDS=900");
    const lifetime = script.indexOf(
      'systemd-run --unit=mlops-max-lifetime --on-active="${MAX_LIFETIME_SECONDS}s" /sbin/shutdown -h now',
    );
    const idle = script.indexOf(
      'systemd-run --unit=mlops-idle-watchdog /bin/bash "$self" --idle-watchdog',
    );
    const download = script.indexOf("curl --fail");
    expect(lifetime).toBeGreaterThan(0);
    expect(idle).toBeGreaterThan(lifetime);
    expect(download).toBeGreaterThan(idle);
    expect(script).toContain('pgrep -f "$RUNNER_DIR/bin/Runner.Worker"');
    // Whatever the runner does, the instance ends when it exits (shutdown -> terminate).
    expect(script.trimEnd().endsWith('halt "runner exited with status $status"')).toBe(true);
  });

  it("stays under EC2's 16 KB user data limit (base64)", () => {
    const encoded = encodeUserData(script);
    expect(encoded.length).toBeLessThan(USER_DATA_MAX_BYTES);
    expect(Buffer.from(encoded, "base64").toString("utf8")).toBe(script);
    expect(() => encodeUserData("#".repeat(13_000))).toThrow(/at most 16384/);
  });

  it("refuses values that could break out of the script", () => {
    const base = { maxLifetimeSeconds: 60, idleTimeoutSeconds: 30, expectedJob: EXPECTED };
    expect(() => renderUserData({ ...base, jitConfig: "abc'; rm -rf /" })).toThrow(/not base64/);
    expect(() => renderUserData({ ...base, jitConfig: JIT, maxLifetimeSeconds: 1.5 })).toThrow(
      /maxLifetimeSeconds/,
    );
    expect(() =>
      renderUserData({ ...base, jitConfig: JIT, runner: { version: "2.3;x", sha256: "0" } }),
    ).toThrow(/runner version/);
    expect(() =>
      renderUserData({ ...base, jitConfig: JIT, runner: { version: "2.330.0", sha256: "ABC" } }),
    ).toThrow(/sha256/);
    expect(() =>
      renderUserData({
        ...base,
        jitConfig: JIT,
        expectedJob: { ...EXPECTED, repository: "a/b'c" },
      }),
    ).toThrow(/OWNER\/REPO/);
    expect(() =>
      renderUserData({ ...base, jitConfig: JIT, expectedJob: { ...EXPECTED, runId: "1;x" } }),
    ).toThrow(/run id/);
  });

  it("installs the job-started hook and points the runner at it before it starts", () => {
    const hook = renderJobStartedHook(EXPECTED);
    expect(script).toContain(`<<'MLOPS_JOB_STARTED_HOOK'\n${hook}MLOPS_JOB_STARTED_HOOK\n`);
    expect(script).toContain(
      `echo "ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_STARTED_HOOK}" >>"$RUNNER_DIR/.env"`,
    );
    expect(script).toContain(`env ACTIONS_RUNNER_HOOK_JOB_STARTED="${JOB_STARTED_HOOK}"`);
    expect(script.indexOf("ACTIONS_RUNNER_HOOK_JOB_STARTED=")).toBeLessThan(
      script.indexOf("./run.sh --jitconfig"),
    );
  });

  it.runIf(hasShellcheck)("its job-started hook passes shellcheck", () => {
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "-"], {
      input: renderJobStartedHook(EXPECTED),
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  describe("the job-started hook (run as the runner runs it, sudo stubbed)", () => {
    const hook = (
      env: Record<string, string>,
    ): { code: number | null; halted: boolean; err: string } => {
      const dir = mkdtempSync(join(tmpdir(), "mlops-hook-"));
      const marker = join(dir, "halted");
      writeFileSync(join(dir, "sudo"), `#!/bin/sh\necho "$@" >> "${marker}"\n`);
      chmodSync(join(dir, "sudo"), 0o755);
      const path = join(dir, "job-started.sh");
      writeFileSync(path, renderJobStartedHook(EXPECTED));
      const { GITHUB_REPOSITORY: _r, GITHUB_RUN_ID: _i, ...outer } = process.env;
      const result = spawnSync("bash", [path], {
        env: { ...outer, PATH: `${dir}:${process.env["PATH"] ?? ""}`, ...env },
        encoding: "utf8",
      });
      const halted = existsSync(marker);
      rmSync(dir, { recursive: true, force: true });
      return { code: result.status, halted, err: result.stderr };
    };

    it("accepts the job of the run that started the runner", () => {
      expect(hook({ GITHUB_REPOSITORY: "acme/dog-breeds", GITHUB_RUN_ID: "123456789" })).toEqual({
        code: 0,
        halted: false,
        err: "",
      });
    });

    it.each([
      [
        "another run of the repository",
        { GITHUB_REPOSITORY: "acme/dog-breeds", GITHUB_RUN_ID: "123456790" },
      ],
      [
        "a fork's run with the same id",
        { GITHUB_REPOSITORY: "mallory/dog-breeds", GITHUB_RUN_ID: "123456789" },
      ],
      [
        "a run id with a suffix",
        { GITHUB_REPOSITORY: "acme/dog-breeds", GITHUB_RUN_ID: "1234567890" },
      ],
      ["a job that says nothing", {}],
    ])("refuses %s: fails the job and shuts the instance down", (_what, env) => {
      const { code, halted, err } = hook(env);
      expect(code).toBe(1);
      expect(halted).toBe(true);
      expect(err).toContain("this runner is for run 123456789 of acme/dog-breeds");
    });
  });

  it.runIf(hasShellcheck)("passes shellcheck", () => {
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "-"], {
      input: script,
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  describe("the idle watchdog (the script run with --idle-watchdog, shutdown stubbed)", () => {
    const run = (
      idleSeconds: number,
      workerSeconds: number,
    ): Promise<{ ms: number; halted: boolean }> => {
      const dir = mkdtempSync(join(tmpdir(), "mlops-watchdog-"));
      const marker = join(dir, "halted");
      writeFileSync(join(dir, "shutdown"), `#!/bin/sh\necho "$@" > "${marker}"\n`);
      chmodSync(join(dir, "shutdown"), 0o755);
      const path = join(dir, "user-data.sh");
      writeFileSync(
        path,
        renderUserData({
          jitConfig: JIT,
          expectedJob: EXPECTED,
          maxLifetimeSeconds: 3600,
          idleTimeoutSeconds: idleSeconds,
          idleCheckSeconds: 1,
        }),
      );
      // A stand-in for a running job (matched by its path, so a CI job's own Runner.Worker is not).
      const worker =
        workerSeconds > 0
          ? spawn(
              "bash",
              ["-c", `exec -a /opt/actions-runner/bin/Runner.Worker sleep ${workerSeconds}`],
              {
                stdio: "ignore",
              },
            )
          : undefined;
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const child = spawn("bash", [path, "--idle-watchdog"], {
          env: { ...process.env, PATH: `${dir}:${process.env["PATH"] ?? ""}` },
          stdio: "ignore",
        });
        child.on("error", reject);
        child.on("exit", () => {
          worker?.kill();
          const halted = existsSync(marker);
          rmSync(dir, { recursive: true, force: true });
          resolve({ ms: Date.now() - started, halted });
        });
      });
    };

    it("shuts down after the idle timeout when no job runs", async () => {
      const { ms, halted } = await run(1, 0);
      expect(halted).toBe(true);
      expect(ms).toBeLessThan(4000);
    });

    it("does not count a running job as idle", async () => {
      const { ms, halted } = await run(1, 3);
      expect(halted).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(3000);
    });
  });
});

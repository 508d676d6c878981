// scripts/release-notes.sh, which release.yml runs before tagging: the notes list the commits
// since the previous vX.Y.Z (merges left out), and a wrong version or an existing tag stops it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "../../scripts/release-notes.sh");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
  GITHUB_REPOSITORY: "acme/mlops",
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", env: ENV });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

function commit(dir: string, message: string, version?: string): void {
  if (version !== undefined) {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version }));
    git(dir, "add", "package.json");
  }
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
}

function notes(dir: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync("bash", [SCRIPT, ...args], { cwd: dir, encoding: "utf8", env: ENV });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-release-"));
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  commit(dir, "Start", "0.1.0");
  return dir;
}

describe("release notes", () => {
  it("lists every commit of a first release", () => {
    const dir = repo();
    commit(dir, "Add plan");
    const r = notes(dir, "0.1.0");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^First release\. Changes:\n\n- Add plan \([0-9a-f]+\)\n- Start /);
  });

  it("lists the commits since the previous release, no merges, and how to pin it", () => {
    const dir = repo();
    git(dir, "tag", "-a", "v0.1.0", "-m", "v0.1.0");
    git(dir, "tag", "v0"); // the moving major tag must not be taken for a release
    commit(dir, "Fix the plan comment");
    git(dir, "checkout", "-q", "-b", "feature");
    commit(dir, "Add init");
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--no-ff", "-m", "Merge pull request #2", "feature");
    commit(dir, "Bump to 0.2.0", "0.2.0");
    const sha = git(dir, "rev-parse", "HEAD");
    const r = notes(dir, "0.2.0");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Changes since v0.1.0:");
    expect(r.out).toContain("- Fix the plan comment");
    expect(r.out).toContain("- Add init");
    expect(r.out).not.toContain("Merge pull request");
    expect(r.out).not.toContain("- Start");
    expect(r.out).toContain(`uses: acme/mlops/actions/plan@${sha} # v0.2.0`);
    expect(r.out).toContain("`uses: acme/mlops/actions/plan@v0`");
  });

  it.each([
    [["v0.2.0"], /is not X\.Y\.Z/],
    [["0.2"], /is not X\.Y\.Z/],
    [["0.3.0"], /package\.json at HEAD has version 0\.2\.0, not 0\.3\.0/],
    [["0.1.0", "HEAD~1"], /tag v0\.1\.0 exists already/],
  ])("refuses %j", (args, message) => {
    const dir = repo();
    git(dir, "tag", "v0.1.0");
    commit(dir, "Bump", "0.2.0");
    const r = notes(dir, ...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });
});

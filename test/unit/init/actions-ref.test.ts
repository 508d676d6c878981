// Which actions release `mlops init` pins: a tag's commit read with git (lightweight and
// annotated tags), GitHub repository names from package.json URL forms, bad input refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { remoteTagCommit, resolveActionsRef } from "../../../actions/src/init/actions-ref.js";
import { githubRepository } from "../../../actions/src/init/tool-files.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** A repository with two commits: v1.0.0 (annotated) on the first, v1 (lightweight) on both. */
function releasedRepo(): { dir: string; first: string; second: string } {
  const dir = mkdtempSync(join(tmpdir(), "mlops-actions-ref-"));
  dirs.push(dir);
  git(dir, "init", "-q");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ version: "1.2.0" }));
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "one");
  const first = git(dir, "rev-parse", "HEAD");
  git(dir, "tag", "-a", "v1.0.0", "-m", "release");
  git(dir, "commit", "-q", "--allow-empty", "-m", "two");
  const second = git(dir, "rev-parse", "HEAD");
  git(dir, "tag", "v1");
  return { dir, first, second };
}

describe("actions release resolution", () => {
  it("reads a tag's commit with ls-remote, peeling an annotated tag", () => {
    const { dir, first, second } = releasedRepo();
    expect(remoteTagCommit(dir, "v1.0.0")).toBe(first);
    expect(remoteTagCommit(dir, "v1")).toBe(second);
    expect(() => remoteTagCommit(dir, "v2")).toThrow(/has no tag v2; pass --actions-ref/);
  });

  it("uses the tool checkout's own tag of its major version, offline", () => {
    const { dir, second } = releasedRepo();
    expect(resolveActionsRef(dir, { repository: "acme/mlops" })).toEqual({
      repository: "acme/mlops",
      tag: "v1",
      sha: second,
    });
  });

  it("asks for --actions-repo when nothing names the repository", () => {
    const { dir } = releasedRepo();
    expect(() => resolveActionsRef(dir, {})).toThrow(/pass --actions-repo OWNER\/REPO/);
    git(dir, "remote", "add", "origin", "git@github.com:acme/ml-tools.git");
    expect(resolveActionsRef(dir, {}).repository).toBe("acme/ml-tools");
  });

  it("refuses a malformed repository or SHA", () => {
    const { dir } = releasedRepo();
    expect(() => resolveActionsRef(dir, { repository: "acme" })).toThrow(/OWNER\/REPO/);
    expect(() => resolveActionsRef(dir, { repository: "a/b", sha: "v1" })).toThrow(/40-character/);
  });

  it.each([
    ["https://github.com/acme/mlops.git", "acme/mlops"],
    ["git+https://github.com/acme/mlops", "acme/mlops"],
    ["git@github.com:acme/mlops.git", "acme/mlops"],
    ["github:acme/mlops", "acme/mlops"],
    ["https://gitlab.com/acme/mlops.git", undefined],
  ])("github repository of %s", (url, repo) => {
    expect(githubRepository(url)).toBe(repo);
  });
});

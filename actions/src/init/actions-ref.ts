// Which release of the actions the generated workflows use: `OWNER/REPO/actions/plan@SHA # vX`.
// A tag can be moved (vX moves on every release), a commit SHA cannot, so the workflows pin the
// SHA and name the tag beside it, as they pin every third-party action.
import { spawnSync } from "node:child_process";
import { OperationalError } from "../operational-errors.js";
import { UsageError } from "../cli/usage-error.js";
import { githubRepository, readToolPackage } from "./tool-files.js";

export interface ActionsRef {
  /** owner/repo the actions are released from. */
  readonly repository: string;
  /** The tag named in the comment, e.g. v1. */
  readonly tag: string;
  /** The commit the tag points at (40 hex digits). */
  readonly sha: string;
}

const SHA = /^[0-9a-f]{40}$/;
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;

export function resolveActionsRef(
  toolRoot: string,
  given: { repository?: string | undefined; tag?: string | undefined; sha?: string | undefined },
): ActionsRef {
  const pkg = readToolPackage(toolRoot);
  const repository = given.repository ?? pkg.repository ?? originRepository(toolRoot);
  if (repository === undefined)
    throw new UsageError(
      "cannot tell which GitHub repository the actions come from (package.json has no repository and this checkout no GitHub origin): pass --actions-repo OWNER/REPO",
    );
  if (!REPOSITORY.test(repository))
    throw new UsageError(`--actions-repo must be OWNER/REPO, not "${repository}"`);
  // The moving major tag of this CLI's own version: workflows get actions as new as the CLI.
  const tag = given.tag ?? `v${pkg.version.split(".")[0] ?? "0"}`;
  if (given.sha !== undefined) {
    const sha = given.sha.toLowerCase();
    if (!SHA.test(sha))
      throw new UsageError(
        `--actions-sha must be a full 40-character commit SHA, not "${given.sha}"`,
      );
    return { repository, tag, sha };
  }
  const sha =
    localTagCommit(toolRoot, tag) ?? remoteTagCommit(`https://github.com/${repository}.git`, tag);
  return { repository, tag, sha };
}

/** owner/repo of the tool checkout's `origin`, when it is on GitHub. */
function originRepository(toolRoot: string): string | undefined {
  const r = git(toolRoot, ["remote", "get-url", "origin"]);
  return r.ok ? githubRepository(r.out) : undefined;
}

/** The commit of tag in the tool's own checkout (offline), if it is one and has the tag. */
function localTagCommit(toolRoot: string, tag: string): string | undefined {
  const r = git(toolRoot, ["rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`]);
  return r.ok && SHA.test(r.out) ? r.out : undefined;
}

/**
 * The commit a tag of a remote repository points at, via `git ls-remote` (an annotated tag's
 * peeled `^{}` line names the commit; a lightweight tag's own line does).
 */
export function remoteTagCommit(url: string, tag: string): string {
  const r = git(process.cwd(), [
    "ls-remote",
    "--tags",
    url,
    `refs/tags/${tag}`,
    `refs/tags/${tag}^{}`,
  ]);
  if (!r.ok)
    throw new OperationalError(
      `cannot read tag ${tag} of ${url} (git ls-remote: ${r.err || "failed"}); pass --actions-sha with the commit of the release to use`,
    );
  let plain: string | undefined;
  let peeled: string | undefined;
  for (const line of r.out.split("\n")) {
    const [sha, ref] = line.split("\t");
    if (sha === undefined || !SHA.test(sha)) continue;
    if (ref === `refs/tags/${tag}^{}`) peeled = sha;
    else if (ref === `refs/tags/${tag}`) plain = sha;
  }
  const sha = peeled ?? plain;
  if (sha === undefined)
    throw new OperationalError(
      `${url} has no tag ${tag}; pass --actions-ref with a released tag, or --actions-sha`,
    );
  return sha;
}

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    timeout: 30_000,
    // Never prompt for credentials: a missing or private repository is an error, not a hang.
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return {
    ok: r.status === 0,
    out: r.stdout.trim(),
    err: r.stderr.trim() || (r.error?.message ?? ""),
  };
}

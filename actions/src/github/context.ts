// What the runner tells an action about the run: repository, event payload, pull request,
// and the URL of this run (whose summary holds the full plan).
import * as github from "@actions/github";

export interface PullRequestInfo {
  number: number;
  headSha: string;
  /** True when the head branch lives in another repository: the token is read-only there. */
  fromFork: boolean;
}

export interface RunContext {
  owner: string;
  repo: string;
  eventName: string;
  sha: string;
  runUrl: string;
  pullRequest: PullRequestInfo | undefined;
}

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

export function runContext(): RunContext {
  const ctx = github.context;
  const { owner, repo } = ctx.repo;
  const server = (process.env["GITHUB_SERVER_URL"] ?? "https://github.com").replace(/\/+$/, "");
  const runId = process.env["GITHUB_RUN_ID"] ?? "";
  const attempt = process.env["GITHUB_RUN_ATTEMPT"];
  const runUrl =
    `${server}/${owner}/${repo}/actions/runs/${runId}` +
    (attempt !== undefined && attempt !== "" && attempt !== "1" ? `/attempts/${attempt}` : "");
  const pr = ctx.payload.pull_request as PullRequestPayload | undefined;
  let pullRequest: PullRequestInfo | undefined;
  if (pr?.number !== undefined) {
    const base = pr.base?.repo?.full_name ?? `${owner}/${repo}`;
    const head = pr.head?.repo?.full_name;
    pullRequest = {
      number: pr.number,
      headSha: pr.head?.sha ?? ctx.sha,
      fromFork: head === undefined || head.toLowerCase() !== base.toLowerCase(),
    };
  }
  return { owner, repo, eventName: ctx.eventName, sha: ctx.sha, runUrl, pullRequest };
}

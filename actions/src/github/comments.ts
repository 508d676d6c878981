// Pull-request comments through the REST API: ONE sticky plan comment per config file, found by
// its hidden marker (every page of comments is read) and edited in place on each push.
import type * as github from "@actions/github";
import { commentMarker, digestFromComment, type PlanDigest } from "./plan-binding.js";

export type Octokit = ReturnType<typeof github.getOctokit>;

interface Repo {
  owner: string;
  repo: string;
}

interface IssueComment {
  id: number;
  body?: string | undefined;
  html_url: string;
  user: { login: string; type: string } | null;
}

/** GitHub rejects comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;

/** Who posts plan comments with the workflow's GITHUB_TOKEN. */
export const PLAN_COMMENT_AUTHOR = "github-actions[bot]";

const byBot = (c: IssueComment): boolean => c.user?.type === "Bot";

async function listComments(octokit: Octokit, repo: Repo, issue: number): Promise<IssueComment[]> {
  return octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
}

export interface UpsertResult {
  action: "created" | "updated" | "unchanged";
  url: string;
}

/** Creates the sticky comment for `configPath`, or edits the one already there. */
export async function upsertPlanComment(
  octokit: Octokit,
  repo: Repo,
  issue: number,
  configPath: string,
  body: string,
): Promise<UpsertResult> {
  const marker = commentMarker(configPath);
  const existing = (await listComments(octokit, repo, issue)).find(
    (c) => byBot(c) && (c.body ?? "").trimStart().startsWith(marker),
  );
  if (existing) {
    if (existing.body === body) return { action: "unchanged", url: existing.html_url };
    const { data } = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: existing.id,
      body,
    });
    return { action: "updated", url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issue, body });
  return { action: "created", url: data.html_url };
}

export interface ReviewedPlan {
  pullRequest: number;
  digest: PlanDigest;
  url: string;
}

/**
 * The plan reviewers saw for the pull request that brought `sha` in: the PR is looked up with
 * GET /repos/{owner}/{repo}/commits/{sha}/pulls, the digest read from its sticky comment. Only
 * comments by `authors` count (the bot the plan workflow posts as): any other account, another
 * app's bot included, could post a marker with the digest of a plan nobody reviewed.
 */
export async function reviewedPlanForCommit(
  octokit: Octokit,
  repo: Repo,
  sha: string,
  configPath: string,
  authors: readonly string[] = [PLAN_COMMENT_AUTHOR],
): Promise<ReviewedPlan | undefined> {
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: sha,
  });
  const merged = pulls.filter((p) => p.merged_at !== null);
  for (const pr of merged.length > 0 ? merged : pulls) {
    const comments = await listComments(octokit, repo, pr.number);
    for (const c of [...comments].reverse()) {
      if (!byBot(c) || !authors.includes(c.user?.login ?? "")) continue;
      const digest = digestFromComment(c.body ?? "", configPath);
      if (digest) return { pullRequest: pr.number, digest, url: c.html_url };
    }
  }
  return undefined;
}

/** The HTTP status of an Octokit RequestError, if that is what `error` is. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "status" in error) {
    if (typeof error.status === "number") return error.status;
  }
  return undefined;
}

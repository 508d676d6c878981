// Where a registration or an approval comes from, for reviewers: the git commit and the
// workflow run (GitHub Actions' standard variables), or the local user.
import { userInfo } from "node:os";

export interface Provenance {
  commit?: string;
  repository?: string;
  runUrl?: string;
  /** Who acted: the workflow run's actor, else the local user. */
  actor: string;
}

export function provenance(env: NodeJS.ProcessEnv = process.env): Provenance {
  const server = env["GITHUB_SERVER_URL"] ?? "https://github.com";
  const repo = env["GITHUB_REPOSITORY"];
  const runId = env["GITHUB_RUN_ID"];
  return {
    ...(env["GITHUB_SHA"] !== undefined && { commit: env["GITHUB_SHA"] }),
    ...(repo !== undefined && { repository: `${server}/${repo}` }),
    ...(repo !== undefined &&
      runId !== undefined && { runUrl: `${server}/${repo}/actions/runs/${runId}` }),
    actor: env["GITHUB_ACTOR"] ?? localUser(),
  };
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown user";
  }
}

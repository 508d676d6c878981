// The few GitHub REST calls the EC2 runner needs: a single-use (JIT) runner config, the repository's
// runners, and removing one. Plain fetch (the core does not import @actions/*); the token must be
// allowed to administer the repository's runners (a GitHub App installation token or a
// fine-grained token with "Administration: write").
import { systemClock, type Clock } from "../clock.js";
import { OperationalError } from "../operational-errors.js";

export interface GitHubRunner {
  id: number;
  name: string;
  /** "online" or "offline". */
  status: string;
  busy: boolean;
  labels: string[];
}

export interface JitConfig {
  runner: GitHubRunner;
  /** Base64; a credential until the runner has used it. */
  encodedJitConfig: string;
}

export interface JitConfigRequest {
  name: string;
  runnerGroupId: number;
  labels: string[];
  workFolder?: string;
}

/** The port the core uses; tests may give a fake. */
export interface RunnerApi {
  generateJitConfig(request: JitConfigRequest): Promise<JitConfig>;
  listRunners(): Promise<GitHubRunner[]>;
  /** "not-found" when it is already gone (a JIT runner removes itself after its job). */
  deleteRunner(id: number): Promise<"deleted" | "not-found">;
}

export class GitHubApiError extends OperationalError {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "GitHubApiError";
    this.status = status;
  }
}

export interface GitHubRunnerApiOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** Default https://api.github.com (GITHUB_API_URL on GitHub Enterprise). */
  apiUrl?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Attempts for network errors, 5xx and 429; default 4. */
  attempts?: number;
}

const PAGE_SIZE = 100;

export class GitHubRunnerApi implements RunnerApi {
  readonly #token: string;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  readonly #attempts: number;

  constructor(options: GitHubRunnerApiOptions) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
      throw new GitHubApiError(`repository must be owner/name, got "${options.repository}"`);
    }
    if (options.token === "") throw new GitHubApiError("no GitHub token given");
    this.#token = options.token;
    const api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.#base = `${api}/repos/${options.repository}/actions/runners`;
    this.#fetch = options.fetch ?? fetch;
    this.#clock = options.clock ?? systemClock;
    this.#attempts = options.attempts ?? 4;
  }

  async generateJitConfig(request: JitConfigRequest): Promise<JitConfig> {
    const body = await this.#call("POST", "/generate-jitconfig", "generating a JIT runner config", {
      name: request.name,
      runner_group_id: request.runnerGroupId,
      labels: request.labels,
      work_folder: request.workFolder ?? "_work",
    });
    const parsed = body as { runner?: RawRunner; encoded_jit_config?: unknown } | undefined;
    if (!parsed?.runner || typeof parsed.encoded_jit_config !== "string") {
      throw new GitHubApiError("generate-jitconfig answered without runner and encoded_jit_config");
    }
    return { runner: toRunner(parsed.runner), encodedJitConfig: parsed.encoded_jit_config };
  }

  async listRunners(): Promise<GitHubRunner[]> {
    const runners: GitHubRunner[] = [];
    for (let page = 1; ; page++) {
      const body = (await this.#call(
        "GET",
        `?per_page=${PAGE_SIZE}&page=${page}`,
        "listing the repository's runners",
      )) as { runners?: RawRunner[] } | undefined;
      const batch = body?.runners ?? [];
      runners.push(...batch.map(toRunner));
      if (batch.length < PAGE_SIZE) return runners;
    }
  }

  async deleteRunner(id: number): Promise<"deleted" | "not-found"> {
    try {
      await this.#call("DELETE", `/${id}`, `removing runner ${id}`);
      return "deleted";
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return "not-found";
      throw error;
    }
  }

  async #call(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${this.#token}`,
        "x-github-api-version": "2022-11-28",
        "user-agent": "mlops-ec2-runner",
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    };
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(`${this.#base}${path}`, init);
      } catch (error) {
        if (attempt < this.#attempts) {
          await this.#clock.sleep(1000 * attempt);
          continue;
        }
        throw new GitHubApiError(
          `${what}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const text = await response.text();
      if (response.ok) return text === "" ? undefined : (JSON.parse(text) as unknown);
      if ((response.status >= 500 || response.status === 429) && attempt < this.#attempts) {
        await this.#clock.sleep(1000 * attempt);
        continue;
      }
      throw new GitHubApiError(`${what}: ${explain(response.status, text)}`, response.status);
    }
  }
}

interface RawRunner {
  id: number;
  name: string;
  status?: string;
  busy?: boolean;
  labels?: ({ name?: string } | string)[];
}

function toRunner(raw: RawRunner): GitHubRunner {
  return {
    id: raw.id,
    name: raw.name,
    status: raw.status ?? "offline",
    busy: raw.busy === true,
    labels: (raw.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
  };
}

function explain(status: number, text: string): string {
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  if (status === 401) return `HTTP 401 ${message} (the GitHub token is invalid or expired)`;
  if (status === 403 || status === 404) {
    return `HTTP ${status} ${message} (the token must be allowed to administer this repository's runners: a GitHub App installation token or a fine-grained token with "Administration: write")`;
  }
  return `HTTP ${status} ${message}`;
}

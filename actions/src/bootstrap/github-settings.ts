// The GitHub side of bootstrap (docs/setup.md steps 7-8), planned and applied like the IAM
// side when `mlops bootstrap --configure-github` has a token: each deploy role's environment
// restricted to main (a deploy role trusts its environment, not a branch, so this rule is what
// keeps other branches out) and the repository variables the workflows read.
import { OperationalError } from "../operational-errors.js";
import type { Step } from "./bootstrap.js";

export interface GitHubApi {
  /** JSON of the response, or undefined for a 404; throws on any other failure. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function gitHubApi(token: string, apiUrl: string): GitHubApi {
  const base = apiUrl.replace(/\/+$/, "");
  return {
    async request(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.status === 404) return undefined;
      const text = await response.text();
      if (!response.ok) {
        const message = /"message"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? text.slice(0, 200);
        throw new OperationalError(
          `GitHub said ${response.status} to ${method} ${path}: ${message}${
            response.status === 403 || response.status === 401
              ? " (the token needs repository Administration: write and Variables: write)"
              : ""
          }`,
        );
      }
      return text === "" ? undefined : (JSON.parse(text) as unknown);
    },
  };
}

interface Environment {
  deployment_branch_policy?: {
    protected_branches: boolean;
    custom_branch_policies: boolean;
  } | null;
}

const MAIN_ONLY = { protected_branches: false, custom_branch_policies: true };

export async function planGitHub(
  api: GitHubApi,
  repository: string,
  environments: readonly string[],
  variables: Readonly<Record<string, string>>,
  /** Variables a config without them must not have (left by an earlier config): deleted. */
  stale: readonly string[] = [],
): Promise<{ steps: Step<GitHubApi>[]; warnings: string[] }> {
  const repo = `/repos/${repository}`;
  const steps: Step<GitHubApi>[] = [];
  const warnings: string[] = [];
  for (const environment of environments) {
    const planned = await planEnvironment(api, repo, environment);
    steps.push(...planned.steps);
    warnings.push(...planned.warnings);
  }

  for (const [name, value] of Object.entries(variables)) {
    const current = (await api.request("GET", `${repo}/actions/variables/${name}`)) as
      { value?: string } | undefined;
    if (current === undefined)
      steps.push({
        symbol: "+",
        text: `set the repository variable ${name} = ${value}`,
        run: async (a) => {
          await a.request("POST", `${repo}/actions/variables`, { name, value });
        },
      });
    else if (current.value !== value)
      steps.push({
        symbol: "~",
        text: `change the repository variable ${name} from ${current.value ?? ""} to ${value}`,
        run: async (a) => {
          await a.request("PATCH", `${repo}/actions/variables/${name}`, { name, value });
        },
      });
  }
  for (const name of stale) {
    const current = await api.request("GET", `${repo}/actions/variables/${name}`);
    if (current !== undefined)
      steps.push({
        symbol: "-",
        text: `delete the repository variable ${name}`,
        run: async (a) => {
          await a.request("DELETE", `${repo}/actions/variables/${name}`);
        },
      });
  }
  return { steps, warnings };
}

/** One deploy role's environment, deployable from main only. */
async function planEnvironment(
  api: GitHubApi,
  repo: string,
  environment: string,
): Promise<{ steps: Step<GitHubApi>[]; warnings: string[] }> {
  const envPath = `${repo}/environments/${encodeURIComponent(environment)}`;
  const steps: Step<GitHubApi>[] = [];
  const warnings: string[] = [];
  const addMain = async (a: GitHubApi): Promise<void> => {
    await a.request("POST", `${envPath}/deployment-branch-policies`, {
      name: "main",
      type: "branch",
    });
  };

  const live = (await api.request("GET", envPath)) as Environment | undefined;
  if (live === undefined) {
    steps.push({
      symbol: "+",
      text: `create the GitHub environment ${environment}, deployable from main only`,
      run: async (a) => {
        await a.request("PUT", envPath, { deployment_branch_policy: MAIN_ONLY });
        await addMain(a);
      },
    });
  } else {
    const policy = live.deployment_branch_policy;
    const custom = policy?.custom_branch_policies === true && !policy.protected_branches;
    const branches = custom
      ? (
          (
            (await api.request("GET", `${envPath}/deployment-branch-policies`)) as
              { branch_policies?: { name: string }[] } | undefined
          )?.branch_policies ?? []
        ).map((b) => b.name)
      : [];
    if (!custom || !branches.includes("main"))
      steps.push({
        symbol: "~",
        text: `restrict the GitHub environment ${environment} to deployments from main`,
        run: async (a) => {
          if (!custom) await a.request("PUT", envPath, { deployment_branch_policy: MAIN_ONLY });
          await addMain(a);
        },
      });
    const others = branches.filter((b) => b !== "main");
    // Not removed: someone chose them; but the deploy role is then open to those branches too.
    if (others.length > 0)
      warnings.push(
        `the ${environment} environment also allows ${others.join(", ")}: jobs on those branches can assume the deploy role`,
      );
  }
  return { steps, warnings };
}

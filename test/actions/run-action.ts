// Runs a bundled action the way the runner does: `node actions/dist/<name>.js` in the workspace,
// with every input as INPUT_<NAME> (defaults from its action.yml, as the runner fills them in),
// the event payload in GITHUB_EVENT_PATH, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export const REPO = new URL("../../", import.meta.url).pathname;
export const OWNER = "acme";
export const NAME = "ml-service";
export const RUN_ID = "4242";
export const RUN_URL = `https://github.com/${OWNER}/${NAME}/actions/runs/${RUN_ID}`;

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
}

export interface Annotation {
  level: "error" | "warning" | "notice";
  properties: Record<string, string>;
  message: string;
}

interface ActionYaml {
  inputs?: Record<string, { default?: string }>;
  outputs?: Record<string, unknown>;
  runs: { using: string; main: string };
}

export function actionYaml(name: string): ActionYaml {
  return parseYaml(readFileSync(join(REPO, "actions", name, "action.yml"), "utf8")) as ActionYaml;
}

export interface RunOptions {
  cwd: string;
  inputs?: Record<string, string>;
  event: { name: string; payload: unknown };
  sha?: string;
  env?: Record<string, string>;
}

export async function runAction(name: string, options: RunOptions): Promise<ActionRun> {
  const meta = actionYaml(name);
  const declared = meta.inputs ?? {};
  for (const key of Object.keys(options.inputs ?? {}))
    if (!(key in declared)) throw new Error(`input ${key} is not declared in ${name}/action.yml`);
  const dir = mkdtempSync(join(tmpdir(), `mlops-action-${name}-`));
  try {
    const eventPath = join(dir, "event.json");
    const outputPath = join(dir, "output");
    const summaryPath = join(dir, "summary.md");
    writeFileSync(eventPath, JSON.stringify(options.event.payload));
    writeFileSync(outputPath, "");
    writeFileSync(summaryPath, "");
    mkdirSync(join(dir, "runner-temp"));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_)/.test(key)) env[key] = value;
    for (const [key, spec] of Object.entries(declared)) {
      // The runner evaluates `${{ github.token }}`; here a fake token stands in.
      const value = (spec.default ?? "").replace("${{ github.token }}", "ghs_faketoken");
      env[`INPUT_${key.replace(/ /g, "_").toUpperCase()}`] = value;
    }
    for (const [key, value] of Object.entries(options.inputs ?? {}))
      env[`INPUT_${key.replace(/ /g, "_").toUpperCase()}`] = value;
    Object.assign(env, {
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_REPOSITORY: `${OWNER}/${NAME}`,
      GITHUB_REPOSITORY_OWNER: OWNER,
      GITHUB_EVENT_NAME: options.event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_SHA: options.sha ?? "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REF: "refs/heads/main",
      GITHUB_RUN_ID: RUN_ID,
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_WORKSPACE: options.cwd,
      RUNNER_TEMP: join(dir, "runner-temp"),
      MLOPS_CACHE_DIR: join(dir, "cache"),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...options.env,
    });
    const main = join(REPO, "actions", name, meta.runs.main);
    const child = spawn(process.execPath, [main], {
      cwd: options.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.once("close", (c) => {
        resolve(c);
      });
    });
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputPath, "utf8")),
      summary: readFileSync(summaryPath, "utf8"),
      annotations: parseAnnotations(stdout),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT's `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!m?.[1] || !m[2]) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? "");
    out[m[1]] = value.join("\n");
  }
  return out;
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
const unescapeProperty = (s: string): string =>
  unescapeData(s).replace(/%3A/g, ":").replace(/%2C/g, ",");

/** `::error file=…,line=…,col=…::message` workflow commands from stdout. */
export function parseAnnotations(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? "").split(",")) {
      const eq = pair.indexOf("=");
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    out.push({
      level: m[1] as Annotation["level"],
      properties,
      message: unescapeData(m[3] ?? ""),
    });
  }
  return out;
}

let counter = 0;

export interface Workspace {
  dir: string;
  /** Config path relative to the workspace, as the action's `config` input takes it. */
  config: string;
  project: string;
  bucket: string;
  edit(change: (text: string) => string): void;
  remove(): void;
}

/** A checkout: config/mlops.yaml, training code and a few data files. */
export function makeWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "mlops-actions-ws-"));
  const project = `act${process.pid.toString(36)}${(counter++).toString(36)}`;
  mkdirSync(join(dir, "config"));
  mkdirSync(join(dir, "training"));
  writeFileSync(join(dir, "training/train.py"), "print('test_accuracy=0.9')\n");
  for (let i = 0; i < 6; i++) {
    const split = ["train", "valid", "test"][i % 3] ?? "train";
    mkdirSync(join(dir, "data", split, `class${i % 2}`), { recursive: true });
    writeFileSync(join(dir, "data", split, `class${i % 2}`, `img${i}.jpg`), `${i}`.repeat(64));
  }
  const fixture = readFileSync(join(REPO, "test/actions/fixtures/mlops.yaml"), "utf8");
  const config = "config/mlops.yaml";
  writeFileSync(join(dir, config), fixture.replaceAll("__PROJECT__", project));
  return {
    dir,
    config,
    project,
    bucket: `${project}-123456789012-us-east-1`,
    edit(change) {
      const path = join(dir, config);
      writeFileSync(path, change(readFileSync(path, "utf8")));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pull_request (opened/synchronize) payload as GitHub sends it, trimmed to what matters. */
export function pullRequestEvent(
  number: number,
  options: { headSha?: string; fork?: boolean } = {},
): { name: string; payload: unknown } {
  const full = `${OWNER}/${NAME}`;
  const headRepo = options.fork === true ? `contributor/${NAME}` : full;
  return {
    name: "pull_request",
    payload: {
      action: "synchronize",
      number,
      pull_request: {
        number,
        state: "open",
        title: "Bump epochs",
        user: { login: "contributor", type: "User" },
        head: {
          ref: "bump-epochs",
          sha: options.headSha ?? "feedfacefeedfacefeedfacefeedfacefeedface",
          repo: { full_name: headRepo, fork: options.fork === true },
        },
        base: {
          ref: "main",
          sha: "0000000000000000000000000000000000000000",
          repo: { full_name: full },
        },
      },
      repository: { full_name: full, name: NAME, owner: { login: OWNER } },
      sender: { login: "contributor", type: "User" },
    },
  };
}

export function pushEvent(sha: string): { name: string; payload: unknown } {
  return {
    name: "push",
    payload: {
      ref: "refs/heads/main",
      after: sha,
      head_commit: { id: sha, message: "Merge pull request #7 from acme/bump-epochs" },
      repository: { full_name: `${OWNER}/${NAME}`, name: NAME, owner: { login: OWNER } },
    },
  };
}

// Shared by the config tests: a workspace in a temp dir with its own training/train.py,
// lambda/dist/ and data/ folders, so configs validate without the repo's real ones.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../actions/src/cli/main.js";
import type { ConfigIssue } from "../../../actions/src/config/issues.js";
import { ConfigError } from "../../../actions/src/config/issues.js";
import { loadConfig } from "../../../actions/src/config/load.js";

export const REPO = new URL("../../../", import.meta.url).pathname;
export const BASE_CONFIG = readFileSync(join(REPO, "test/fixtures/config/base.yaml"), "utf8");

export interface Workspace {
  dir: string;
  /** Writes `text` (or bytes) to `name` in the workspace and returns its absolute path. */
  write(name: string, content: string | Uint8Array): string;
  remove(): void;
}

export function makeWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "mlops-config-"));
  mkdirSync(join(dir, "training"));
  writeFileSync(join(dir, "training/train.py"), "print('test_accuracy=0.9')\n");
  mkdirSync(join(dir, "lambda/dist"), { recursive: true });
  writeFileSync(join(dir, "lambda/dist/index.mjs"), "export const handler = () => 1;\n");
  mkdirSync(join(dir, "data/train"), { recursive: true });
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replaces `from` (which must occur exactly once) with `to`. */
export function sub(from: string, to: string): (text: string) => string {
  return (text) => {
    const at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new Error(`test setup: ${JSON.stringify(from)} must occur exactly once`);
    }
    return text.slice(0, at) + to + text.slice(at + from.length);
  };
}

/** The issues loading `path` reports (an empty list when it is valid). */
export function issuesOf(path: string): readonly ConfigIssue[] {
  try {
    loadConfig(path);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's main() in-process with a capturing Output. */
export async function runCli(argv: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

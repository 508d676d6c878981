// Files of the tool itself that `mlops init` copies or reads (training/, the workflows,
// package.json). They are found by walking up from this module, as the emulator launcher is, so
// the same code works from actions/src (tests) and from the bundle in actions/dist.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OperationalError } from "../operational-errors.js";

/** The tool's root: the first folder above this module holding package.json and training/. */
export function toolRoot(startUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(startUrl));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "training", "train.py")))
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new OperationalError(
        `cannot find the tool's training/train.py above ${fileURLToPath(startUrl)}: this mlops was installed without its training code`,
      );
    dir = parent;
  }
}

export interface ToolPackage {
  readonly version: string;
  /** "owner/repo" from package.json's repository field, when it names a GitHub repository. */
  readonly repository: string | undefined;
}

export function readToolPackage(root: string): ToolPackage {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    version?: unknown;
    repository?: unknown;
  };
  const repo = pkg.repository;
  const url =
    typeof repo === "string"
      ? repo
      : typeof repo === "object" && repo !== null && "url" in repo
        ? String(repo.url)
        : "";
  return {
    version: typeof pkg.version === "string" ? pkg.version : "0.0.0",
    repository: githubRepository(url),
  };
}

/** "owner/repo" from any of GitHub's URL forms (https, ssh, git+https, "github:owner/repo"). */
export function githubRepository(url: string): string | undefined {
  const m =
    /^(?:github:|(?:git\+)?https:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    );
  return m?.[1];
}

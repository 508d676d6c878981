// `mlops init [DIR]`: scaffolds a project in an empty or existing repository: the config, the
// training code, the workflows (using the released actions by pinned SHA) and a README section.
// Nothing is overwritten without --force; without it, init names every file in the way and
// writes nothing, so a refused run leaves the repository as it was.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { loadConfig } from "../config/load.js";
import { ConfigError, formatIssue } from "../config/issues.js";
import { OperationalError } from "../operational-errors.js";
import { resolveActionsRef } from "../init/actions-ref.js";
import {
  readmeSection,
  scaffold,
  withReadmeSection,
  README_BEGIN,
  type Backend,
} from "../init/scaffold.js";
import { toolRoot } from "../init/tool-files.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface InitOptions {
  readonly dir: string;
  readonly config: string;
  readonly project: string | undefined;
  readonly region: string;
  readonly backend: Backend;
  readonly force: boolean;
  readonly actionsRepo: string | undefined;
  readonly actionsRef: string | undefined;
  readonly actionsSha: string | undefined;
}

// The schema's own rules for these two fields, checked before anything is written.
const PROJECT = /^[a-z0-9](-?[a-z0-9])*$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;

export function initCommand(options: InitOptions, io: Output): number {
  const dir = resolve(options.dir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`${options.dir} is not a folder`);
  if (isAbsolute(options.config) || options.config.split(/[\\/]/).includes(".."))
    throw new UsageError(
      `--config must be a path inside the project folder, not ${options.config}`,
    );
  const configPath = options.config.replace(/\\/g, "/").replace(/^\.\//, "");
  const project = options.project ?? projectFromFolder(dir);
  if (!PROJECT.test(project) || project.length < 2 || project.length > 40)
    throw new UsageError(
      `--project "${project}" must be 2 to 40 lower-case letters, digits and single hyphens (it prefixes AWS names)`,
    );
  if (!REGION.test(options.region))
    throw new UsageError(`--region "${options.region}" is not an AWS region name (e.g. eu-west-1)`);

  const root = toolRoot();
  const actions = resolveActionsRef(root, {
    repository: options.actionsRepo,
    tag: options.actionsRef,
    sha: options.actionsSha,
  });
  const scaffoldOptions = {
    project,
    region: options.region,
    backend: options.backend,
    configPath,
    actions,
  };
  const files = scaffold(root, scaffoldOptions);

  // README.md is the user's: init only adds (or, with --force, replaces) its own section.
  const readmePath = join(dir, "README.md");
  const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : undefined;
  const newReadme = withReadmeSection(readme, readmeSection(scaffoldOptions));
  const hadSection = readme?.includes(README_BEGIN) === true;

  const existing = [...files.keys()].filter((path) => {
    const full = join(dir, path);
    return existsSync(full) && readFileSync(full, "utf8") !== files.get(path);
  });
  if (hadSection && newReadme !== readme) existing.push("README.md (its mlops section)");
  if (existing.length > 0 && !options.force) {
    io.err(
      `mlops init: these already exist in ${options.dir} and differ from what init writes:\n${existing
        .map((p) => `  ${p}`)
        .join("\n")}\nNothing was written. Run again with --force to overwrite them.`,
    );
    return 1;
  }

  for (const [path, contents] of files) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, contents);
  }
  writeFileSync(readmePath, newReadme);

  // What init wrote must be valid: checked here so a broken template is our error, not the
  // user's first `mlops validate`.
  try {
    loadConfig(join(dir, configPath));
  } catch (error) {
    if (error instanceof ConfigError)
      throw new OperationalError(
        `init wrote an invalid ${configPath} (please report it):\n${error.issues.map(formatIssue).join("\n")}`,
      );
    throw error;
  }

  const overwritten = new Set(existing);
  io.out(
    `Initialised ${project} in ${options.dir} (actions ${actions.repository}@${actions.tag}, ${actions.sha.slice(0, 12)}):`,
  );
  for (const path of files.keys())
    io.out(`  ${overwritten.has(path) ? "overwrote" : "wrote"} ${path}`);
  io.out(`  ${readme === undefined ? "wrote" : "updated"} README.md (the mlops section)`);
  io.out(`
Next:
  1. put the data set in data/ (data/README.md), or point data.source at it
  2. npx mlops validate --config ${join(options.dir, configPath)}
  3. npx mlops plan --config ${join(options.dir, configPath)}   (needs AWS credentials)
  4. set up the CI roles and GitHub settings once: docs/setup.md of ${actions.repository}`);
  return 0;
}

/** A project name from the folder's name: lower-case, other characters as single hyphens. */
function projectFromFolder(dir: string): string {
  return basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

// Loading a config: parse YAML with positions -> JSON Schema -> typed Config -> semantic rules.
// Every problem found is collected and reported once, sorted by line, as a ConfigError.
import {
  ConfigError,
  pathToString,
  sortIssues,
  type ConfigIssue,
  type ConfigPath,
} from "./issues.js";
import { normalize } from "./normalize.js";
import { parseYamlFile } from "./parse-yaml.js";
import { locate } from "./positions.js";
import { validateAgainstSchema } from "./schema-validate.js";
import { semanticProblems, trainingCodeProblems } from "./semantic-rules.js";
import type { Config } from "./types.js";
import { configWarnings } from "./warnings.js";
import { relative, resolve } from "node:path";

export const DEFAULT_CONFIG_PATH = "config/mlops.yaml";

/** Loads and validates a config file; throws ConfigError listing every problem. */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH): Config {
  return loadConfigWithWarnings(path).config;
}

/** loadConfig, with what the config does on purpose but a reviewer should see (warnings.ts). */
export function loadConfigWithWarnings(path: string = DEFAULT_CONFIG_PATH): {
  config: Config;
  warnings: ConfigIssue[];
} {
  const parsed = parseYamlFile(path);
  const schemaIssues = validateAgainstSchema(parsed);
  if (schemaIssues.length > 0) throw new ConfigError(sortIssues(schemaIssues));

  const config = normalize(parsed.data, resolve(path));
  const issues: ConfigIssue[] = semanticProblems(config).map((p) => ({
    file: path,
    ...locate(parsed, p.path),
    path: pathToString(p.path),
    message: p.message,
  }));
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  const warnings = configWarnings(config).map((w) => ({
    file: path,
    ...locate(parsed, w.path),
    path: pathToString(w.path),
    message: w.message,
  }));
  return { config, warnings: sortIssues(warnings) };
}

/** A problem found after loading (at plan or train time), located in the config's file. */
export function issueIn(config: Config, path: ConfigPath, message: string): ConfigIssue {
  const file = relative(process.cwd(), config.file) || config.file;
  return { file, ...locate(parseYamlFile(config.file), path), path: pathToString(path), message };
}

/**
 * Before training on demand: a config that serves a model (model.serve) validates without its
 * training code, which training needs.
 */
export function requireTrainingCode(config: Config): void {
  const missing = config.model.serve ? trainingCodeProblems(config) : [];
  if (missing.length > 0)
    throw new ConfigError(missing.map((p) => issueIn(config, p.path, p.message)));
}

// A problem found in a config file, located at its line and column. Every stage of loading
// reports problems this way so the user sees them all at once, sorted by line.

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Where in the document: e.g. "endpoint.autoscaling.maxCapacity" (empty for the root). */
  path: string;
  message: string;
}

/** A user mistake in a config file: reported without a stack trace. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path ? `${issue.path}: ` : "";
  return `${issue.file}:${issue.line}:${issue.column} ${where}${issue.message}`;
}

export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message),
  );
}

export function pathToString(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

// How an action ends when something throws. A config mistake becomes one annotation per problem
// at its file, line and column plus a short failure; an operational problem (AWS, lock, plan
// mismatch, bad input) fails with its message; anything else is an internal fault: its stack
// goes to the log and the failure says to report it.
import * as core from "@actions/core";
import { ConfigError, type ConfigIssue } from "../config/issues.js";
import { isOperationalError } from "../operational-errors.js";

export function annotateIssues(issues: readonly ConfigIssue[]): void {
  for (const issue of issues) {
    core.error(issue.message, {
      title: issue.path === "" ? "mlops config" : `mlops config: ${issue.path}`,
      file: issue.file,
      startLine: issue.line,
      startColumn: issue.column,
    });
  }
}

export function problemsLine(count: number, file: string): string {
  return `${count} problem${count === 1 ? "" : "s"} in ${file}`;
}

export function reportFailure(error: unknown): void {
  if (error instanceof ConfigError) {
    annotateIssues(error.issues);
    core.setFailed(problemsLine(error.issues.length, error.issues[0]?.file ?? "the config"));
    return;
  }
  if (isOperationalError(error)) {
    core.setFailed(error.message);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.stack) core.info(error.stack);
  core.setFailed(`internal error: ${message} (this is a bug in mlops; please report it)`);
}

/** Runs an action's body, reporting any failure the way the runner shows it best. */
export async function runAction(body: () => Promise<void>): Promise<void> {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  try {
    await body();
  } catch (error) {
    reportFailure(error);
  }
}

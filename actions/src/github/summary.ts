// The job summary ($GITHUB_STEP_SUMMARY), at most 1 MiB per step: longer text is cut safely.
import * as core from "@actions/core";
import { truncateMarkdown } from "./truncate.js";

const SUMMARY_LIMIT = 1_000_000;

export async function writeSummary(markdown: string, overflowNote: string): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  const { text } = truncateMarkdown(markdown, SUMMARY_LIMIT, overflowNote);
  await core.summary.addRaw(text, true).write();
}

// A search's trials for people: sorted best first, the chosen one marked, as text (the CLI and
// the action's log), as markdown with a chart of the objective per trial (the job summary), and
// as data (`mlops train --format json`).
import type { TrialResult, TuningResult } from "../resources/state-records.js";

export interface TrialRow extends TrialResult {
  /** Its place in the order the search ran them (1-based). */
  number: number;
  best: boolean;
}

/** Best objective first (by the goal), trials without one last, in the order they ran. */
export function sortedTrials(search: TuningResult, bestJob: string): TrialRow[] {
  const sign = search.objective.goal === "maximize" ? -1 : 1;
  return search.trials
    .map((t, i) => ({ ...t, number: i + 1, best: t.job === bestJob }))
    .sort((a, b) => {
      if (a.objective === undefined || b.objective === undefined)
        return a.objective === undefined
          ? b.objective === undefined
            ? a.number - b.number
            : 1
          : -1;
      return sign * (a.objective - b.objective) || a.number - b.number;
    });
}

const values = (t: TrialResult): string =>
  Object.entries(t.hyperparameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

const objectiveText = (t: TrialResult): string =>
  t.objective === undefined ? "-" : String(Number(t.objective.toPrecision(6)));

function headline(search: TuningResult): string {
  const failed = search.trials.filter((t) => t.status !== "Completed").length;
  return `search ${search.job}: ${String(search.trials.length)} trials${failed > 0 ? ` (${String(failed)} not completed)` : ""}, objective ${search.objective.metric} (${search.objective.goal})${search.warmStartFrom ? `, warm-started from ${search.warmStartFrom}` : ""}`;
}

export function tuningReportText(search: TuningResult, bestJob: string): string {
  const rows = sortedTrials(search, bestJob);
  const width = Math.max(...rows.map((r) => r.job.length), 5);
  return [
    headline(search),
    ...rows.map(
      (r) =>
        `  ${r.best ? "*" : " "} ${r.job.padEnd(width)}  ${r.status.padEnd(9)}  ${objectiveText(r).padStart(10)}  ${values(r)}${r.failureReason ? `  (${r.failureReason})` : ""}`,
    ),
    ...(rows.some((r) => r.best) ? ["  * the best trial: the run the model is made from"] : []),
  ].join("\n");
}

// Trial failure reasons come from the training log: no HTML reaches the job summary.
const cell = (text: string): string =>
  text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;");

export function tuningReportMarkdown(search: TuningResult, bestJob: string): string {
  const rows = sortedTrials(search, bestJob);
  const names = [...new Set(search.trials.flatMap((t) => Object.keys(t.hyperparameters)))];
  const lines = [
    `#### ${cell(headline(search))}`,
    "",
    `| | trial | status | ${cell(search.objective.metric)} | ${names.map(cell).join(" | ")} |`,
    `| --- | --- | --- | ---: | ${names.map(() => "---").join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${r.best ? "**best**" : ""} | ${cell(r.job)} | ${cell(r.failureReason ? `${r.status}: ${r.failureReason}` : r.status)} | ${objectiveText(r)} | ${names.map((n) => cell(r.hyperparameters[n] ?? "")).join(" | ")} |`,
    ),
  ];
  const scored = search.trials.filter((t) => t.objective !== undefined);
  if (scored.length > 0) {
    // In the order the trials ran: how the search moved. Unscored trials are left out.
    lines.push(
      "",
      "```mermaid",
      "xychart-beta",
      `  title "${search.objective.metric.replace(/"/g, "'")} per trial"`,
      `  x-axis [${search.trials
        .map((t, i) => (t.objective === undefined ? undefined : String(i + 1)))
        .filter((x) => x !== undefined)
        .map((x) => `"${x}"`)
        .join(", ")}]`,
      `  y-axis "${search.objective.metric.replace(/"/g, "'")}"`,
      `  bar [${scored.map(objectiveText).join(", ")}]`,
      "```",
    );
  }
  return lines.join("\n");
}

/** The search as data, sorted, the best marked. */
export function tuningReportJson(
  search: TuningResult,
  bestJob: string,
): Omit<TuningResult, "trials"> & { best?: string; trials: TrialRow[] } {
  const rows = sortedTrials(search, bestJob);
  return {
    ...search,
    ...(rows.some((r) => r.best) && { best: bestJob }),
    trials: rows,
  };
}

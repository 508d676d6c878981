// The validate action: check the config file; one annotation per problem at its exact file,
// line and column, a summary table, and outputs `valid` and `problems`.
import * as core from "@actions/core";
import { ConfigError } from "../config/issues.js";
import { DEFAULT_CONFIG_PATH, loadConfigWithWarnings } from "../config/load.js";
import { stringInput } from "./inputs.js";
import { annotateIssues, problemsLine } from "./report-error.js";
import { writeSummary } from "./summary.js";

export async function validateAction(): Promise<void> {
  const file = stringInput("config") ?? DEFAULT_CONFIG_PATH;
  try {
    const { config, warnings } = loadConfigWithWarnings(file);
    for (const w of warnings)
      core.warning(w.message, {
        title: `mlops validate: ${w.path}`,
        file: w.file,
        startLine: w.line,
        startColumn: w.column,
      });
    core.setOutput("valid", "true");
    core.setOutput("problems", "0");
    core.info(
      `${file} is valid (project ${config.project}, region ${config.region}, training on ${config.training.backend})`,
    );
    await writeSummary(`### mlops validate\n\n✅ \`${file}\` is valid.`, "");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    core.setOutput("valid", "false");
    core.setOutput("problems", String(error.issues.length));
    annotateIssues(error.issues);
    const rows = error.issues.map(
      (i) =>
        `| \`${i.file}:${i.line}:${i.column}\` | ${i.path === "" ? "" : `\`${i.path}\``} | ${i.message.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")} |`,
    );
    await writeSummary(
      [
        `### mlops validate`,
        "",
        `❌ ${problemsLine(error.issues.length, file)}`,
        "",
        "| Where | Field | Problem |",
        "|---|---|---|",
        ...rows,
      ].join("\n"),
      "> [!NOTE]\n> More problems than fit here: run `npx mlops validate` locally.",
    );
    core.setFailed(problemsLine(error.issues.length, file));
  }
}

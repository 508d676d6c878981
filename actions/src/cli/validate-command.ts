// `mlops validate`: exit 0 when the config is valid, 1 with every located problem otherwise.
import { loadConfigWithWarnings } from "../config/load.js";
import { ConfigError, formatIssue } from "../config/issues.js";
import type { Output } from "./output.js";

export function validateCommand(
  options: { config: string; format: "text" | "json" },
  io: Output,
): number {
  try {
    const { config, warnings } = loadConfigWithWarnings(options.config);
    if (options.format === "json") {
      io.out(JSON.stringify({ file: options.config, valid: true, issues: [], warnings }, null, 2));
    } else {
      for (const warning of warnings) io.err(`warning: ${formatIssue(warning)}`);
      const parts = [
        `project ${config.project}`,
        `region ${config.region}`,
        config.model.serve
          ? `serving ${config.model.serve.artifact}`
          : `training on ${config.training.backend}`,
      ];
      io.out(`${options.config} is valid (${parts.join(", ")})`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.format === "json") {
      io.out(JSON.stringify({ file: options.config, valid: false, issues: error.issues }, null, 2));
    } else {
      for (const issue of error.issues) io.err(formatIssue(issue));
      const n = error.issues.length;
      io.err(`${n} problem${n === 1 ? "" : "s"} in ${options.config}`);
    }
    return 1;
  }
}

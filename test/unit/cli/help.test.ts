// Every command explains itself: `mlops <command> --help` prints that command's usage, each of
// its options with a description, and examples; a usage mistake shows the same text.
import { describe, expect, it } from "vitest";
import { runCli } from "../config/helpers.js";

const COMMANDS: Record<string, readonly string[]> = {
  init: [
    "--project",
    "--region",
    "--backend",
    "--force",
    "--actions-repo",
    "--actions-ref",
    "--actions-sha",
  ],
  bootstrap: [
    "--github",
    "--environment",
    "--plan-role",
    "--deploy-role",
    "--destroy",
    "--configure-github",
    "--auto-approve",
  ],
  validate: ["--format"],
  plan: ["--out", "--markdown-out", "--format", "--detailed-exitcode", "--env"],
  status: ["--format", "--env"],
  apply: ["--plan", "--auto-approve", "--allow-rollback", "--adopt", "--env"],
  train: [
    "--set",
    "--backend",
    "--force",
    "--no-deploy",
    "--follow",
    "--tune",
    "--format",
    "--auto-approve",
  ],
  promote: ["--to", "--version", "--auto-approve"],
  rollback: ["--env", "--to", "--auto-approve"],
  models: ["--format"],
  sync: [],
  destroy: ["--auto-approve", "--include-data", "--env"],
  unlock: ["--env"],
  "iam-policy": ["--for", "--account", "--trust", "--repository", "--environment", "--stage"],
  janitor: ["--dry-run", "--orphans", "--env"],
  invoke: ["--image", "--url", "--top-k", "--format", "--env"],
  import: ["--endpoint", "--function", "--project", "--region", "--force"],
  emulator: ["--port"],
};

describe("mlops help", () => {
  it("lists every command and points at per-command help", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const name of Object.keys(COMMANDS))
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(stdout).toContain('Run "mlops <command> --help"');
  });

  it.each(Object.entries(COMMANDS))(
    "%s --help is that command's own usage",
    async (name, flags) => {
      const { code, stdout } = await runCli([name, "--help"]);
      expect(code).toBe(0);
      expect(stdout.split("\n")[0]).toMatch(new RegExp(`^Usage: mlops ${name}\\b`));
      for (const flag of [...flags, "--config", "--debug"]) {
        // Each option is on a line of its own with a description after it.
        expect(stdout).toMatch(new RegExp(`^  (-\\w, )?${flag}\\b[^\\n]* {2,}\\S`, "m"));
      }
      expect(stdout).toMatch(/^Examples:\n {2}mlops /m);
      expect(stdout).not.toContain("Commands:");
      // `mlops help NAME` says the same.
      expect((await runCli(["help", name])).stdout).toBe(stdout);
    },
  );

  it("answers a usage mistake with the command's usage, exit code 2", async () => {
    const { code, stderr } = await runCli(["plan", "--outt", "x.json"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--outt'");
    expect(stderr).toContain("Usage: mlops plan");
    expect(stderr).not.toContain("Usage: mlops apply");
  });
});

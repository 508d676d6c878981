// The validate action as the runner runs it: one annotation per problem, at the exact file, line
// and column the core reports, parsed from the `::error` workflow commands on stdout.
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { ConfigError } from "../../actions/src/config/issues.js";
import { loadConfig } from "../../actions/src/config/load.js";
import { makeWorkspace, pushEvent, runAction, type Workspace } from "./run-action.js";

const workspaces: Workspace[] = [];
afterAll(() => {
  for (const w of workspaces) w.remove();
});

describe("validate action", () => {
  it("passes a valid config and says so in its outputs", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    const run = await runAction("validate", { cwd: w.dir, event: pushEvent("a".repeat(40)) });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ valid: "true", problems: "0" });
    expect(run.annotations).toEqual([]);
    expect(run.summary).toContain("is valid");
  });

  it("annotates every problem at its file, line and column and fails with a short message", async () => {
    const w = makeWorkspace();
    workspaces.push(w);
    w.edit((text) =>
      text
        .replace("  backend: sagemaker", "  backend: gpu-box")
        .replace("endpoint:\n", "endpoint:\n  initialInstanceCount: 0\n"),
    );
    const run = await runAction("validate", {
      cwd: w.dir,
      event: pushEvent("b".repeat(40)),
      inputs: { config: w.config },
    });
    expect(run.code).toBe(1);
    expect(run.outputs["valid"]).toBe("false");

    // The same problems the core reports (run here in-process from the workspace).
    let expected: readonly { file: string; line: number; column: number; message: string }[] = [];
    const cwd = process.cwd();
    process.chdir(w.dir);
    try {
      loadConfig(w.config);
    } catch (error) {
      if (error instanceof ConfigError) expected = error.issues;
    } finally {
      process.chdir(cwd);
    }
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const errors = run.annotations.filter((a) => a.level === "error" && a.properties["file"]);
    expect(
      errors.map((a) => [a.properties["file"], a.properties["line"], a.properties["col"]]),
    ).toEqual(expected.map((i) => [i.file, String(i.line), String(i.column)]));
    expect(errors.map((a) => a.message)).toEqual(expected.map((i) => i.message));
    // The lines are where the mistakes were made.
    const text = (await import("node:fs")).readFileSync(join(w.dir, w.config), "utf8").split("\n");
    const lineOf = (needle: string): string =>
      String(text.findIndex((l) => l.includes(needle)) + 1);
    const lines = errors.map((a) => a.properties["line"]);
    expect(lines).toContain(lineOf("gpu-box"));
    expect(lines).toContain(lineOf("initialInstanceCount: 0"));
    // The failure itself is one short line, not the whole list.
    const failure = run.annotations.filter((a) => a.level === "error" && !a.properties["file"]);
    expect(failure.map((a) => a.message)).toEqual([`${expected.length} problems in ${w.config}`]);
    expect(run.summary).toContain("| Where | Field | Problem |");
  });
});

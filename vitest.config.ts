import { existsSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/**
 * Takes the interpreters scripts/setup.sh chose (MLOPS_TRAINING_PYTHON, MLOPS_PYTHON) into this
 * process, whence the emulator's global setup and the test workers read them, so a plain
 * `npx vitest` after `npm test` or `npm run setup` uses the same Python as `npm test`. Values
 * already in the environment win.
 */
function useSetupPythons(): void {
  const file = ".venv/mlops-python.env";
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^(MLOPS_[A-Z_]+)=(.+)$/.exec(line);
    if (match?.[1] && match[2]) process.env[match[1]] ??= match[2];
  }
}
useSetupPythons();

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Refuse stale bundles (the action tests run actions/dist), then start one local AWS
    // emulator for the whole run (test files that assert on the recorder start their own).
    globalSetup: ["./test/support/fresh-bundles.ts", "./test/support/emulator.ts"],
    // The SDK's Node 20 support notice would otherwise be printed by every worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});

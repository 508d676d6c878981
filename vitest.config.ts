import { defineConfig } from "vitest/config";
import { setupPythons } from "./actions/src/setup-pythons.js";

// The interpreters scripts/setup.sh chose, so a plain `npx vitest` after `npm test` or
// `npm run setup` uses the same Python as `npm test` (the emulator's global setup and the test
// workers read them from this process's environment). Values already set win.
for (const [name, value] of Object.entries(setupPythons(import.meta.dirname))) {
  process.env[name] ??= value;
}

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

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One local AWS emulator for the whole run (test files that assert on the recorder start
    // their own with startEmulator()).
    globalSetup: ["./test/support/emulator.ts"],
    // The SDK's Node 20 support notice would otherwise be printed by every worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});

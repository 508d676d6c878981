#!/usr/bin/env node
// Entry of the `mlops` command (bundled to actions/dist/cli.js).
import { enableCompileCache } from "../compile-cache.js";

// Before the commands' code is loaded, so that it is compiled from the cache.
enableCompileCache();
const { main } = await import("../cli/main.js");
const { processOutput } = await import("../cli/output.js");

// The SDK's Node 20 deprecation notice is for us, not for every user's terminal.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
process.exitCode = await main(process.argv.slice(2), processOutput);

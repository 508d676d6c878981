#!/usr/bin/env node
// Entry of the `mlops` command (bundled to actions/dist/cli.js).
import { main } from "../cli/main.js";
import { processOutput } from "../cli/output.js";

// The SDK's Node 20 deprecation notice is for us, not for every user's terminal.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
process.exitCode = await main(process.argv.slice(2), processOutput);

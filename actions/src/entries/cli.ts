#!/usr/bin/env node
// Entry of the `mlops` command (bundled to actions/dist/cli.js).
import { main } from "../cli/main.js";
import { processOutput } from "../cli/output.js";

process.exitCode = await main(process.argv.slice(2), processOutput);

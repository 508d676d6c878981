// The mlops command line: parses arguments, runs one command, maps outcomes to exit codes
// (0 ok, 1 failed or invalid, 2 usage). A user mistake never prints a stack trace unless --debug.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_CONFIG_PATH } from "../config/load.js";
import { ConfigError } from "../config/issues.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";
import { validateCommand } from "./validate-command.js";

const USAGE = `Usage: mlops <command> [options]

Commands:
  validate   check the config file against the schema and the rules AWS imposes

Common options:
  --config PATH   the config file (default ${DEFAULT_CONFIG_PATH})
  --debug         print stack traces of internal errors
  -h, --help      show this help`;

interface Command {
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[], io: Output): Promise<number> | number;
}

const common = {
  config: { type: "string", default: DEFAULT_CONFIG_PATH },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

const commands: Record<string, Command> = {
  validate: {
    options: { ...common, format: { type: "string", default: "text" } },
    run: (v, _p, io) =>
      validateCommand(
        { config: String(v["config"]), format: oneOf(v["format"], ["text", "json"], "--format") },
        io,
      ),
  },
};

export async function main(argv: readonly string[], io: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  let debug = rest.includes("--debug");
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    debug = values["debug"] === true;
    if (values["help"] === true) {
      io.out(USAGE);
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`mlops: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    io.err(`mlops: ${error instanceof Error ? error.message : String(error)}`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    else io.err("(run with --debug for details)");
    return 1;
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(", ")}`);
}

function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")
  );
}

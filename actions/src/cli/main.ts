// The mlops command line: parses arguments, runs one command, maps outcomes to exit codes
// (0 ok, 1 failed or invalid, 2 usage). A user mistake never prints a stack trace unless --debug.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_CONFIG_PATH } from "../config/load.js";
import { ConfigError } from "../config/issues.js";
import { isOperationalError } from "../operational-errors.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";
import type { EngineOptions } from "./engine-command.js";

const USAGE = `Usage: mlops <command> [options]

Commands:
  validate     check the config file against the schema and the rules AWS imposes
               [--format text|json]
  plan         show what apply would change  [--out PLAN.json] [--markdown-out FILE]
               [--format text|markdown|json] [--detailed-exitcode]
  apply        make AWS match the config  [--plan PLAN.json] [--auto-approve]
  train        train now, then deploy if the quality gate passes  [--backend B]
               [--force] [--set key=value ...] [--no-deploy] [--follow] [--auto-approve]
  sync         sync the data set to S3 (checked against a listing)
  destroy      delete what the config manages  --auto-approve [--include-data]
  unlock ID    remove a stale apply lock
  iam-policy   print the policy a CI role needs  --for plan|deploy [--account ID]
  janitor      terminate expired EC2 runner instances, remove stale runners  [--dry-run]
  emulator     run the local AWS emulator in the foreground  [--port N]

Common options:
  --config PATH   the config file (default ${DEFAULT_CONFIG_PATH})
  --debug         print stack traces of internal errors
  -h, --help      show this help`;

type Options = NonNullable<ParseArgsConfig["options"]>;

interface Command {
  options: Options;
  run(values: Record<string, unknown>, positionals: string[], io: Output): Promise<number>;
}

// Each command's module is imported only when that command runs: most of them pull in the
// AWS SDK, which `validate` and `--help` must not pay for at start-up.
function lazy<M>(spec: {
  options: Options;
  load: () => Promise<M>;
  run(
    module: M,
    values: Record<string, unknown>,
    positionals: string[],
    io: Output,
  ): Promise<number> | number;
}): Command {
  return {
    options: spec.options,
    run: async (values, positionals, io) => spec.run(await spec.load(), values, positionals, io),
  };
}

const common = {
  config: { type: "string", default: DEFAULT_CONFIG_PATH },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

const engine = (v: Record<string, unknown>): EngineOptions => ({
  config: String(v["config"]),
  debug: v["debug"] === true,
});
const optionalString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const commands: Record<string, Command> = {
  plan: lazy({
    options: {
      ...common,
      out: { type: "string" },
      "markdown-out": { type: "string" },
      format: { type: "string", default: "text" },
      "detailed-exitcode": { type: "boolean", default: false },
    },
    load: () => import("./plan-command.js"),
    run: ({ planCommand }, v, _p, io) => {
      const out = optionalString(v["out"]);
      const markdownOut = optionalString(v["markdown-out"]);
      return planCommand(
        {
          ...engine(v),
          ...(out !== undefined && { out }),
          ...(markdownOut !== undefined && { markdownOut }),
          format: oneOf(v["format"], ["text", "markdown", "json"], "--format"),
          detailedExitcode: v["detailed-exitcode"] === true,
        },
        io,
      );
    },
  }),
  apply: lazy({
    options: {
      ...common,
      plan: { type: "string" },
      "auto-approve": { type: "boolean", default: false },
    },
    load: () => import("./apply-command.js"),
    run: ({ applyCommand }, v, _p, io) => {
      const plan = optionalString(v["plan"]);
      return applyCommand(
        {
          ...engine(v),
          ...(plan !== undefined && { plan }),
          autoApprove: v["auto-approve"] === true,
        },
        io,
      );
    },
  }),
  train: lazy({
    options: {
      ...common,
      backend: { type: "string" },
      force: { type: "boolean", default: false },
      set: { type: "string", multiple: true, default: [] },
      "no-deploy": { type: "boolean", default: false },
      follow: { type: "boolean", default: false },
      "auto-approve": { type: "boolean", default: false },
    },
    load: () => import("./train-command.js"),
    run: ({ trainCommand }, v, _p, io) => {
      const backend =
        v["backend"] === undefined
          ? undefined
          : oneOf(v["backend"], ["sagemaker", "ec2", "local"], "--backend");
      return trainCommand(
        {
          ...engine(v),
          ...(backend !== undefined && { backend }),
          force: v["force"] === true,
          set: (v["set"] as string[] | undefined) ?? [],
          deploy: v["no-deploy"] !== true,
          follow: v["follow"] === true,
          autoApprove: v["auto-approve"] === true,
        },
        io,
      );
    },
  }),
  sync: lazy({
    options: common,
    load: () => import("./sync-command.js"),
    run: ({ syncCommand }, v, _p, io) => syncCommand(engine(v), io),
  }),
  destroy: lazy({
    options: {
      ...common,
      "auto-approve": { type: "boolean", default: false },
      "include-data": { type: "boolean", default: false },
    },
    load: () => import("./destroy-command.js"),
    run: ({ destroyCommand }, v, _p, io) =>
      destroyCommand(
        {
          ...engine(v),
          autoApprove: v["auto-approve"] === true,
          includeData: v["include-data"] === true,
        },
        io,
      ),
  }),
  unlock: lazy({
    options: common,
    load: () => import("./unlock-command.js"),
    run: ({ unlockCommand }, v, p, io) => unlockCommand({ ...engine(v), id: p[0] }, io),
  }),
  "iam-policy": lazy({
    options: { ...common, for: { type: "string" }, account: { type: "string" } },
    load: () => import("./iam-policy-command.js"),
    run: ({ iamPolicyCommand }, v, _p, io) =>
      iamPolicyCommand(
        {
          config: String(v["config"]),
          role: oneOf(v["for"], ["plan", "deploy"], "--for"),
          account: optionalString(v["account"]),
        },
        io,
      ),
  }),
  janitor: lazy({
    options: { ...common, "dry-run": { type: "boolean", default: false } },
    load: () => import("./janitor-command.js"),
    run: ({ janitorCommand }, v, _p, io) =>
      janitorCommand(
        { config: String(v["config"]), dryRun: v["dry-run"] === true, debug: v["debug"] === true },
        io,
      ),
  }),
  emulator: lazy({
    options: { ...common, port: { type: "string" } },
    load: () => import("./emulator-command.js"),
    run: ({ emulatorCommand }, v, _p, io) =>
      emulatorCommand({ port: v["port"] === undefined ? undefined : Number(v["port"]) }, io),
  }),
  validate: lazy({
    options: { ...common, format: { type: "string", default: "text" } },
    load: () => import("./validate-command.js"),
    run: ({ validateCommand }, v, _p, io) =>
      validateCommand(
        { config: String(v["config"]), format: oneOf(v["format"], ["text", "json"], "--format") },
        io,
      ),
  }),
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
    if (isOperationalError(error)) {
      // Something in AWS or the environment needs attention: the message says what.
      io.err(`mlops: ${error.message}`);
      if (debug && error.stack) io.err(error.stack);
      return 1;
    }
    io.err(`mlops: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    else io.err("(run with --debug for the stack trace, and please report it)");
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

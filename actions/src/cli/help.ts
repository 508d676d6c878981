// Help text for the CLI, made from the same option table that parseArgs reads, so an option
// cannot exist without its description (or be described without existing).
import type { ParseArgsConfig } from "node:util";
import { DEFAULT_CONFIG_PATH } from "../config/load.js";

export interface OptionHelp {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[];
  /** The value's placeholder in the help, e.g. PATH (string options only). */
  value?: string;
  help: string;
}

export type OptionTable = Record<string, OptionHelp>;

export interface CommandHelp {
  /** One line for the command list. */
  summary: string;
  /** What follows `mlops <name>` in the usage line, e.g. "[--plan PLAN.json]". */
  synopsis: string;
  /** A few sentences on what it does and when to use it. */
  description: string;
  options: OptionTable;
  examples: readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionTable = {
  config: {
    type: "string",
    default: DEFAULT_CONFIG_PATH,
    value: "PATH",
    help: "the config file",
  },
  debug: { type: "boolean", default: false, help: "print stack traces of internal errors" },
  help: { type: "boolean", short: "h", default: false, help: "show this command's help" },
};

/** The table in the shape parseArgs takes (without the help fields). */
export function parseArgsOptions(table: OptionTable): NonNullable<ParseArgsConfig["options"]> {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type,
      ...(spec.short !== undefined && { short: spec.short }),
      ...(spec.multiple !== undefined && { multiple: spec.multiple }),
      ...(spec.default !== undefined && { default: spec.default }),
    };
  }
  return options;
}

export function toolUsage(commands: Readonly<Record<string, CommandHelp>>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const list = Object.entries(commands)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join("\n");
  return `Usage: mlops <command> [options]

Commands:
${list}

Common options:
${optionLines(COMMON_OPTIONS)}

Run "mlops <command> --help" for a command's options and examples.`;
}

export function commandUsage(name: string, command: CommandHelp): string {
  const own = Object.fromEntries(
    Object.entries(command.options).filter(([option]) => !(option in COMMON_OPTIONS)),
  );
  const sections = [
    `Usage: mlops ${name} ${command.synopsis}`.trimEnd(),
    command.description,
    Object.keys(own).length > 0 ? `Options:\n${optionLines(own)}` : "",
    `Common options:\n${optionLines(COMMON_OPTIONS)}`,
    `Examples:\n${command.examples.map((example) => `  ${example}`).join("\n")}`,
  ];
  return sections.filter((section) => section !== "").join("\n\n");
}

function optionLines(table: OptionTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const flag = `${spec.short !== undefined ? `-${spec.short}, ` : ""}--${name}${
      spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""
    }`;
    const shownDefault =
      spec.type === "string" && typeof spec.default === "string"
        ? ` (default ${spec.default})`
        : "";
    const repeat = spec.multiple === true ? " (repeatable)" : "";
    return [flag, `${spec.help}${shownDefault}${repeat}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join("\n");
}

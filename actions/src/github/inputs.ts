// Typed action inputs. Defaults live in each action.yml; these only parse and check.
import * as core from "@actions/core";
import { parse as parseYaml } from "yaml";

/** A user mistake in an input: reported as a failure without a stack trace. */
export class InputError extends Error {
  override name = "InputError";
}

export function stringInput(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === "" ? undefined : value;
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = stringInput(name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (["true", "yes", "1"].includes(value)) return true;
  if (["false", "no", "0"].includes(value)) return false;
  throw new InputError(`input ${name} must be true or false, got "${value}"`);
}

export function oneOfInput<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const value = stringInput(name);
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`input ${name} must be one of ${allowed.join(", ")}, got "${value}"`);
}

export type Hyperparameters = Record<string, string | number | boolean>;

/** A YAML or JSON mapping of scalars, e.g. `{"epochs": 5}` or `epochs: 5\nlr: 0.01`. */
export function parseHyperparameters(name: string, text: string | undefined): Hyperparameters {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 0 });
  } catch (error) {
    throw new InputError(
      `input ${name} is not valid YAML or JSON: ${(error as Error).message.split("\n")[0] ?? ""}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(`input ${name} must be a mapping of name: value`);
  }
  const out: Hyperparameters = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new InputError(
        `input ${name}: ${key} must be a string, number or boolean, got ${value === null ? "null" : typeof value}`,
      );
    }
    out[key] = value;
  }
  return out;
}

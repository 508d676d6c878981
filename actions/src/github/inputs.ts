// Typed action inputs. Defaults live in each action.yml; these only parse and check.
import * as core from "@actions/core";
import { parse as parseYaml } from "yaml";
import { OperationalError } from "../operational-errors.js";

/** A user mistake in an input: reported as a failure without a stack trace. */
export class InputError extends OperationalError {
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

/** A hyperparameter name: what SageMaker and train.py's `--name value` arguments can carry. */
const HYPERPARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const HYPERPARAMETER_VALUE_MAX = 256;

/**
 * A YAML or JSON mapping of scalars, e.g. `{"epochs": 5}` or `epochs: 5\nlr: 0.01`, parsed
 * strictly: the values become training arguments, so a name is a plain identifier and a text
 * value has no control characters (no newline to smuggle another argument in) and does not
 * start with "-" (it would read as a flag).
 */
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
    const shown = JSON.stringify(key).slice(0, 70);
    if (!HYPERPARAMETER_NAME.test(key)) {
      throw new InputError(
        `input ${name}: ${shown} is not a hyperparameter name (a letter or _, then letters, digits, _ . -; at most 64)`,
      );
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new InputError(`input ${name}: ${key} must be finite`);
    } else if (typeof value === "string") {
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(value))
        throw new InputError(`input ${name}: ${key} has a control character (a newline?)`);
      if (value.startsWith("-"))
        throw new InputError(`input ${name}: ${key} must not start with "-" (it reads as a flag)`);
      if (value.length > HYPERPARAMETER_VALUE_MAX)
        throw new InputError(
          `input ${name}: ${key} is longer than ${HYPERPARAMETER_VALUE_MAX} characters`,
        );
    } else if (typeof value !== "boolean") {
      throw new InputError(
        `input ${name}: ${key} must be a string, number or boolean, got ${value === null ? "null" : typeof value}`,
      );
    }
    out[key] = value;
  }
  return out;
}

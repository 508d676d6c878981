// One error taxonomy: every error a user can act on extends OperationalError, so the CLI and the
// actions print its message alone; anything else is reported as a bug, with its stack.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockError } from "../../../actions/src/apply/lock.js";
import { isOperationalError, OperationalError } from "../../../actions/src/operational-errors.js";

const SRC = join(import.meta.dirname, "../../../actions/src");
/** Reported their own way: config problems at file:line:col, usage mistakes with the help. */
const REPORTED_APART = new Set(["ConfigError", "UsageError"]);

function errorClasses(): { name: string; base: string; file: string }[] {
  const found: { name: string; base: string; file: string }[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    for (const m of readFileSync(file, "utf8").matchAll(/class (\w+Error) extends (\w+)/g))
      if (m[1] && m[2]) found.push({ name: m[1], base: m[2], file });
  }
  return found;
}

describe("operational errors", () => {
  it("every error class in actions/src is an OperationalError (or reported apart)", () => {
    const classes = errorClasses();
    expect(classes.length).toBeGreaterThan(15);
    const operational = new Set(["OperationalError"]);
    // Subclasses of subclasses count too: resolve until nothing changes.
    for (let changed = true; changed;) {
      changed = false;
      for (const c of classes) {
        if (operational.has(c.base) && !operational.has(c.name)) {
          operational.add(c.name);
          changed = true;
        }
      }
    }
    const strays = classes
      .filter((c) => !operational.has(c.name) && !REPORTED_APART.has(c.name))
      .map((c) => `${c.name} extends ${c.base} (${c.file})`);
    expect(strays).toEqual([]);
  });

  it("tells an operational error and an interruption from a bug", () => {
    expect(isOperationalError(new LockError("held by someone"))).toBe(true);
    const controller = new AbortController();
    controller.abort();
    expect(isOperationalError(controller.signal.reason)).toBe(true);
    expect(isOperationalError(new Error("undefined is not a function"))).toBe(false);
    expect(isOperationalError(new OperationalError("x"))).toBe(true);
  });
});

// Field-by-field comparison of a desired spec with what AWS reports, producing the changed
// paths the plan shows as before -> after.
import type { FieldChange } from "./handler.js";
import { canonicalJson } from "../canonical.js";

/** Paths (dot/bracket notation) whose values differ between before and after. */
export function diffFields(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  const bothObjects =
    before !== null &&
    after !== null &&
    typeof before === "object" &&
    typeof after === "object" &&
    !Array.isArray(before) &&
    !Array.isArray(after);
  if (!bothObjects) return [{ path: path || "(value)", before, after }];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.flatMap((k) => diffFields(b[k], a[k], path ? `${path}.${k}` : k));
}

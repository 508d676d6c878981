// Stable JSON rendering: keys sorted, so the same plan is the same bytes. Format: docs/plan-format.md.
import { canonicalJson } from "../canonical.js";
import type { Plan } from "./types.js";

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(plan)), null, 2)}\n`;
}

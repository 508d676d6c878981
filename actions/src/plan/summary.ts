// The one-line summary shared by every rendering.
import { countActions, hasChanges, type Plan } from "./types.js";

export function summaryLine(plan: Plan): string {
  if (!hasChanges(plan)) return `No changes: AWS matches ${plan.configFile}.`;
  const c = countActions(plan);
  const parts = [
    c.create && `${c.create} to create`,
    c.update && `${c.update} to update`,
    c.replace && `${c.replace} to replace`,
    c.delete && `${c.delete} to delete`,
    c.train && `${c.train} to train`,
    c.wait && `${c.wait} to wait for`,
    c.adopt && `${c.adopt} to adopt`,
  ].filter(Boolean);
  return `${parts.join(", ")}; ${c.noop} unchanged.`;
}

export const SYMBOLS: Record<string, string> = {
  create: "+",
  update: "~",
  replace: "-/+",
  delete: "-",
  train: "*",
  wait: "…",
  adopt: "<-",
  noop: " ",
};

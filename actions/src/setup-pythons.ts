// The interpreters scripts/setup.sh chose for a checkout, recorded in .venv/mlops-python.env:
// MLOPS_TRAINING_PYTHON (torch) and MLOPS_PYTHON (moto, the emulator's).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function setupPythons(repoRoot: string): Record<string, string> {
  const file = join(repoRoot, ".venv", "mlops-python.env");
  if (!existsSync(file)) return {};
  const found: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^(MLOPS_(?:[A-Z_]+_)?PYTHON)=(.+)$/.exec(line);
    if (match?.[1] && match[2]) found[match[1]] = match[2];
  }
  return found;
}

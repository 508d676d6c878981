// Final metrics of a run: the config's metric regexes over the log (as SageMaker's
// MetricDefinitions do: the last match wins) and metrics.json from the model directory.
import type { MetricDefinition } from "../config/types.js";

export function metricsFromLog(
  lines: readonly string[],
  definitions: readonly MetricDefinition[],
): Record<string, number> {
  const found: Record<string, number> = {};
  for (const def of definitions) {
    const regex = new RegExp(def.regex);
    for (const line of lines) {
      const value = Number(regex.exec(line)?.[1]);
      if (Number.isFinite(value)) found[def.name] = value;
    }
  }
  return found;
}

export function numericEntries(json: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (json && typeof json === "object") {
    for (const [k, v] of Object.entries(json))
      if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** The gate's verdict, or undefined when the metric is unknown. */
export function checkGate(
  gate: { metric: string; min?: number; max?: number },
  metrics: Record<string, number>,
): { passed: boolean; message: string } | undefined {
  const value = metrics[gate.metric];
  if (value === undefined) return undefined;
  if (gate.min !== undefined && value < gate.min) {
    return {
      passed: false,
      message: `quality gate failed: ${gate.metric} = ${value} is below the minimum ${gate.min}`,
    };
  }
  if (gate.max !== undefined && value > gate.max) {
    return {
      passed: false,
      message: `quality gate failed: ${gate.metric} = ${value} is above the maximum ${gate.max}`,
    };
  }
  const bound = gate.min !== undefined ? `>= ${gate.min}` : `<= ${String(gate.max)}`;
  return { passed: true, message: `quality gate passed: ${gate.metric} = ${value} (${bound})` };
}

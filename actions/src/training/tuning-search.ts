// The trials a search tries, where the tool chooses them itself (the local backend and the EC2
// runner): a grid of every categorical combination, or seeded random draws within the ranges.
// SageMaker chooses its own; this mirrors its Random and Grid strategies.
import type { ParameterRange, TuningConfig } from "../config/types.js";

export type TrialValues = Record<string, string | number | boolean>;

/** Every combination of categorical values, in declaration order (AWS's Grid needs only these). */
export function gridCombinations(parameters: Record<string, ParameterRange>): TrialValues[] {
  let combos: TrialValues[] = [{}];
  for (const [name, range] of Object.entries(parameters)) {
    if (range.type !== "categorical") continue;
    combos = combos.flatMap((c) => range.values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/** The number of trials a grid search runs. */
export const gridSize = (parameters: Record<string, ParameterRange>): number =>
  Object.values(parameters).reduce(
    (n, r) => (r.type === "categorical" ? n * r.values.length : n),
    1,
  );

/** mulberry32: small, fast and deterministic, enough to spread trials over a range. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(range: ParameterRange, random: () => number): string | number | boolean {
  if (range.type === "categorical")
    return range.values[Math.floor(random() * range.values.length)] ?? "";
  const u = random();
  // "auto" is SageMaker's choice; locally it is linear.
  const value =
    range.scaling === "log"
      ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min)))
      : range.min + u * (range.max - range.min);
  if (range.type === "integer") return Math.min(range.max, Math.max(range.min, Math.round(value)));
  return Number(value.toPrecision(6));
}

/** The trials of a search the tool runs itself, in order. */
export function chooseTrials(tuning: Omit<TuningConfig, "enabled">): TrialValues[] {
  if (tuning.strategy === "grid") return gridCombinations(tuning.parameters);
  const random = seededRandom(tuning.seed);
  return Array.from({ length: tuning.maxJobs ?? 1 }, () =>
    Object.fromEntries(
      Object.entries(tuning.parameters).map(([name, range]) => [name, draw(range, random)]),
    ),
  );
}

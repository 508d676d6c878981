// What a search leaves behind, whichever backend ran it: the record of its trials, the best of
// them, and the previous search of the same training a new one may warm-start from.
import type { TrainingSpec, TuningSpec } from "../graph/sagemaker-nodes.js";
import type { TrainingRecord, TuningResult } from "../resources/state-records.js";

type Tuned = TrainingSpec & { tuning: TuningSpec };

/** A search's record before its trials are known. */
export function searchRecord(spec: Tuned, name: string): Omit<TuningResult, "trials"> {
  return {
    job: name,
    objective: spec.tuning.objective,
    baseFingerprint: spec.baseFingerprint ?? "",
    parameterTypes: Object.fromEntries(
      Object.entries(spec.tuning.parameters).map(([k, r]) => [k, r.type]),
    ),
  };
}

/** The trial with the best objective (the first of equals), if any reported it. */
export function bestTrial<T extends { objective?: number }>(
  trials: readonly T[],
  goal: "maximize" | "minimize",
): T | undefined {
  let best: T | undefined;
  for (const t of trials) {
    if (t.objective === undefined) continue;
    if (
      best?.objective === undefined ||
      (goal === "maximize" ? t.objective > best.objective : t.objective < best.objective)
    )
      best = t;
  }
  return best;
}

const sameKeys = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * The latest completed SageMaker search of the same data, code, image and static values, with
 * the same objective and the same parameters (only ranges or budget changed): what SageMaker's
 * IdenticalDataAndAlgorithm warm start accepts as a parent.
 */
export function warmStartParent(spec: Tuned, runs: readonly TrainingRecord[]): string | undefined {
  if (!spec.tuning.warmStart || spec.backend !== "sagemaker") return undefined;
  // Warm start continues a Bayesian or random search; a grid or hyperband starts afresh.
  if (spec.tuning.strategy !== "bayesian" && spec.tuning.strategy !== "random") return undefined;
  const mine = searchRecord(spec, "");
  const parents = runs.filter(
    (r) =>
      r.status === "Completed" &&
      r.backend === "sagemaker" &&
      r.fingerprint !== spec.fingerprint &&
      r.tuning !== undefined &&
      r.tuning.baseFingerprint === mine.baseFingerprint &&
      r.tuning.objective.metric === mine.objective.metric &&
      r.tuning.objective.goal === mine.objective.goal &&
      sameKeys(r.tuning.parameterTypes, mine.parameterTypes),
  );
  parents.sort((a, b) => (a.finishedAt ?? "").localeCompare(b.finishedAt ?? ""));
  return parents.at(-1)?.tuning?.job;
}

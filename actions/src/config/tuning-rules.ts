// What `mlops validate` checks of training.tuning: ranges that make sense, an objective the
// training reports, a budget AWS accepts, and the names and values as CreateHyperParameterTuningJob
// carries them (the tuning job's name with the suffix the tool adds).
import { derivedNames, MAX_TRAINING_ATTEMPT } from "../aws/naming.js";
import { gridSize } from "../training/tuning-search.js";
import { limitProblem } from "./aws-limits.js";
import { AWS_LIMITS } from "./aws-limits.generated.js";
import type { ConfigPath } from "./issues.js";
import type { Config, ParameterRange, TuningConfig } from "./types.js";

interface Problem {
  path: ConfigPath;
  message: string;
}

// https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-limits.html: quotas the
// service model does not carry.
export const MAX_TRAINING_JOBS_PER_TUNING_JOB = 750;
export const MAX_PARALLEL_TRAINING_JOBS_PER_TUNING_JOB = 100;
const MAX_TUNED_HYPERPARAMETERS = 30;
const MAX_TUNING_METRIC_DEFINITIONS = 20;

const at = (path: ConfigPath, message: string | undefined): Problem[] =>
  message === undefined ? [] : [{ path, message }];

function rangeProblems(name: string, range: ParameterRange, raw: ConfigPath): Problem[] {
  const path: ConfigPath = [...raw, name];
  const problems = at(path, limitProblem(name, AWS_LIMITS.parameterKey));
  if (range.type === "categorical") {
    if (range.values.length === 0) return [...problems, ...at(path, "needs at least one value")];
    if (range.values.length > AWS_LIMITS.parameterValues.max)
      problems.push(
        ...at(
          [...path, "values"],
          `has ${String(range.values.length)} values; SageMaker allows ${String(AWS_LIMITS.parameterValues.max)}`,
        ),
      );
    range.values.forEach((v, i) =>
      problems.push(
        ...at([...path, "values", i], limitProblem(String(v), AWS_LIMITS.parameterValue)),
      ),
    );
    if (new Set(range.values.map(String)).size < range.values.length)
      problems.push(...at([...path, "values"], "lists a value twice"));
    return problems;
  }
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max))
    return [...problems, ...at(path, `a ${range.type} range needs min and max`)];
  if (range.min >= range.max)
    problems.push(
      ...at(
        [...path, "min"],
        `is ${String(range.min)}; it must be below max (${String(range.max)})`,
      ),
    );
  if (range.scaling === "log" && range.min <= 0)
    problems.push(...at([...path, "min"], "must be above 0 for log scaling"));
  if (range.type === "integer")
    for (const bound of ["min", "max"] as const)
      if (!Number.isInteger(range[bound]))
        problems.push(...at([...path, bound], "must be a whole number for an integer range"));
  return problems;
}

function budgetProblems(t: TuningConfig): Problem[] {
  const path: ConfigPath = ["training", "tuning"];
  const problems: Problem[] = [];
  if (t.strategy === "grid") {
    const categorical = Object.values(t.parameters).every((r) => r.type === "categorical");
    if (!categorical)
      problems.push(
        ...at([...path, "strategy"], "grid searches categorical parameters only (SageMaker)"),
      );
    const size = gridSize(t.parameters);
    if (t.maxJobs !== undefined && t.maxJobs !== size)
      problems.push(
        ...at(
          [...path, "maxJobs"],
          `is ${String(t.maxJobs)}; a grid runs every combination (${String(size)}): leave it out`,
        ),
      );
    if (size > MAX_TRAINING_JOBS_PER_TUNING_JOB)
      problems.push(
        ...at(
          [...path, "parameters"],
          `make a grid of ${String(size)} trials; SageMaker runs at most ${String(MAX_TRAINING_JOBS_PER_TUNING_JOB)}`,
        ),
      );
  } else if (t.maxJobs === undefined) {
    problems.push(...at(path, `needs maxJobs (how many trials) for the ${t.strategy} strategy`));
  } else if (t.maxJobs > MAX_TRAINING_JOBS_PER_TUNING_JOB) {
    problems.push(
      ...at(
        [...path, "maxJobs"],
        `is ${String(t.maxJobs)}; SageMaker runs at most ${String(MAX_TRAINING_JOBS_PER_TUNING_JOB)} training jobs per tuning job`,
      ),
    );
  }
  const jobs = t.strategy === "grid" ? gridSize(t.parameters) : t.maxJobs;
  if (jobs !== undefined && t.maxParallelJobs > jobs)
    problems.push(
      ...at(
        [...path, "maxParallelJobs"],
        `is ${String(t.maxParallelJobs)}; it cannot exceed the number of trials (${String(jobs)})`,
      ),
    );
  if (t.maxParallelJobs > MAX_PARALLEL_TRAINING_JOBS_PER_TUNING_JOB)
    problems.push(
      ...at(
        [...path, "maxParallelJobs"],
        `is ${String(t.maxParallelJobs)}; SageMaker runs at most ${String(MAX_PARALLEL_TRAINING_JOBS_PER_TUNING_JOB)} at once per tuning job`,
      ),
    );
  if (t.strategy === "hyperband" && t.earlyStopping)
    problems.push(
      ...at(
        [...path, "earlyStopping"],
        "must be false with hyperband, which stops trials itself (SageMaker)",
      ),
    );
  return problems;
}

function countProblems(t: TuningConfig): Problem[] {
  const ranges = Object.values(t.parameters);
  const problems: Problem[] = [];
  if (ranges.length > MAX_TUNED_HYPERPARAMETERS)
    problems.push(
      ...at(
        ["training", "tuning", "parameters"],
        `has ${String(ranges.length)} parameters; SageMaker searches at most ${String(MAX_TUNED_HYPERPARAMETERS)}`,
      ),
    );
  const limits = {
    continuous: AWS_LIMITS.continuousParameterRanges.max,
    integer: AWS_LIMITS.integerParameterRanges.max,
    categorical: AWS_LIMITS.categoricalParameterRanges.max,
  };
  for (const [type, max] of Object.entries(limits)) {
    const count = ranges.filter((r) => r.type === type).length;
    if (count > max)
      problems.push(
        ...at(
          ["training", "tuning", "parameters"],
          `has ${String(count)} ${type} ranges; SageMaker allows ${String(max)}`,
        ),
      );
  }
  return problems;
}

/** Every problem of training.tuning, at the field it is about. */
export function tuningProblems(c: Config): Problem[] {
  const t = c.training.tuning;
  if (!t) return [];
  const path: ConfigPath = ["training", "tuning"];
  const problems: Problem[] = [];
  const metrics = c.training.metrics;
  // The objective is read from the log by its regex (MetricDefinitions), on SageMaker as locally.
  if (!metrics.some((m) => m.name === t.objective.metric))
    problems.push(
      ...at(
        [...path, "objective", "metric"],
        `"${t.objective.metric}" is not defined in training.metrics (${metrics.map((m) => m.name).join(", ")}): the objective needs a regex that reads it from the log`,
      ),
    );
  if (c.training.backend === "sagemaker" && metrics.length > MAX_TUNING_METRIC_DEFINITIONS)
    problems.push(
      ...at(
        ["training", "metrics"],
        `has ${String(metrics.length)} metrics; a SageMaker tuning job allows ${String(MAX_TUNING_METRIC_DEFINITIONS)}`,
      ),
    );
  for (const name of Object.keys(t.parameters))
    if (name in c.training.hyperparameters)
      problems.push(
        ...at(
          ["training", "hyperparameters", name],
          `is also tuned (training.tuning.parameters.${name}): a hyperparameter is either static or searched`,
        ),
      );
  const longest = derivedNames.tuningJob(c.project, "0".repeat(8), MAX_TRAINING_ATTEMPT);
  const nameProblem = limitProblem(longest, AWS_LIMITS.tuningJobName);
  if (nameProblem !== undefined)
    problems.push(
      ...at(
        ["project"],
        `is too long for tuning: the tuning job name "${longest}" (project, fingerprint, attempt) ${nameProblem}`,
      ),
    );
  for (const [name, range] of Object.entries(t.parameters))
    problems.push(...rangeProblems(name, range, [...path, "parameters"]));
  return [...problems, ...budgetProblems(t), ...countProblems(t)];
}

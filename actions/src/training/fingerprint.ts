// The training fingerprint: a hash of everything that decides what a training run produces.
// Same fingerprint, same model: a completed run is reused, a running one is waited for.
import type { TrainingSpec } from "../graph/sagemaker-nodes.js";
import { digest } from "../canonical.js";

export function trainingFingerprint(
  spec: TrainingSpec,
  dataManifestHash: string,
  codeHash: string,
): string {
  return digest({
    data: dataManifestHash,
    code: codeHash,
    entryPoint: spec.entryPoint,
    hyperparameters: spec.hyperparameters,
    // Where it runs matters only on SageMaker, where image and instances are part of the job.
    ...(spec.backend === "sagemaker" && { image: spec.image, instance: spec.instance }),
    // A search is another run than a single job: its ranges, objective and budget decide the
    // best trial. Whether it may warm-start does not change what it looks for, nor, where the
    // tool draws the trials from the seed itself, how many run side by side.
    ...(spec.tuning !== undefined && {
      tuning: {
        ...spec.tuning,
        warmStart: undefined,
        ...(spec.backend !== "sagemaker" && { maxParallelJobs: undefined }),
      },
    }),
  });
}

/** `--key value` arguments, the way SageMaker passes hyperparameters to the entry point. */
export function hyperparameterArgs(
  hyperparameters: Record<string, string | number | boolean>,
): string[] {
  return Object.keys(hyperparameters)
    .sort()
    .flatMap((key) => [`--${key}`, String(hyperparameters[key])]);
}

// What an on-demand training run changes, shared by `mlops train` and the train action: the
// config with a backend and hyperparameter overrides, and the nodes a train-only run touches.
import type { Config, TrainingBackend } from "../config/types.js";
import { DATA_BUCKET, DATASET } from "./data-nodes.js";
import type { Node } from "./graph.js";
import { roleAddress } from "./iam-nodes.js";
import { TRAINING } from "./sagemaker-nodes.js";

export interface TrainingOverrides {
  backend?: TrainingBackend | undefined;
  hyperparameters?: Record<string, string | number | boolean>;
}

export function withTrainingOverrides(config: Config, overrides: TrainingOverrides): Config {
  return {
    ...config,
    training: {
      ...config.training,
      ...(overrides.backend !== undefined && { backend: overrides.backend }),
      hyperparameters: { ...config.training.hyperparameters, ...overrides.hyperparameters },
      retrain: {
        overrides: { ...overrides.hyperparameters },
        ...(overrides.backend !== undefined && { backend: overrides.backend }),
      },
    },
  };
}

const TRAINING_ONLY = new Set([DATA_BUCKET, DATASET, roleAddress("sagemaker"), TRAINING]);

/** The nodes a train-without-deploy run works on: the data, the training role, the run. */
export function trainingOnlyNodes(nodes: readonly Node[]): Node[] {
  return nodes.filter((n) => TRAINING_ONLY.has(n.address));
}

type Overrides = Record<string, string | number | boolean>;

/** A retrain's overrides in a sentence: "epochs=1, learning-rate=0.01". */
export function overridesText(overrides: Overrides): string {
  return Object.entries(overrides)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}

/** The same, as they are written under training.hyperparameters: "epochs: 1, ...". */
export function overridesAsConfig(overrides: Overrides): string {
  return Object.entries(overrides)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
}

/**
 * The endpoint now serves a model the config does not name: say how to keep it, since the next
 * plan from the config rolls it back (and shows that first).
 */
export function keepRetrainNote(overrides: Overrides, configFile: string): string {
  return `The endpoint now serves a model trained with overrides the config does not have. To keep it, set ${overridesAsConfig(overrides)} under training.hyperparameters in ${configFile}: the completed run is reused and nothing redeploys. Until then, plans from the config show a MODEL ROLLBACK.`;
}

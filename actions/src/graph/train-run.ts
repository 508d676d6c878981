// What an on-demand training run changes, shared by `mlops train` and the train action: the
// config with a backend and hyperparameter overrides, and the nodes a train-only run touches.
import type { Config, TrainingBackend } from "../config/types.js";
import { OperationalError } from "../operational-errors.js";
import { DATA_BUCKET, DATASET } from "./data-nodes.js";
import type { Node } from "./graph.js";
import { roleAddress } from "./iam-nodes.js";
import { TRAINING } from "./sagemaker-nodes.js";

export interface TrainingOverrides {
  backend?: TrainingBackend | undefined;
  hyperparameters?: Record<string, string | number | boolean>;
  /** Run the declared search (training.tuning) even where it is not enabled. */
  tune?: boolean;
}

export function withTrainingOverrides(config: Config, overrides: TrainingOverrides): Config {
  const tuning = config.training.tuning;
  if (overrides.tune === true && tuning === undefined)
    throw new OperationalError(
      `tuning was asked for, but ${config.file} declares no training.tuning to run`,
    );
  if (tuning !== undefined && (tuning.enabled || overrides.tune === true)) {
    const searched = Object.keys(overrides.hyperparameters ?? {}).filter(
      (k) => k in tuning.parameters,
    );
    if (searched.length > 0)
      throw new OperationalError(
        `${searched.join(", ")} ${searched.length === 1 ? "is" : "are"} searched by training.tuning; overrides set static hyperparameters only`,
      );
  }
  // The EC2 runner trains with the local backend on its one machine: trials one after another.
  const onRunner = config.training.backend === "ec2" && overrides.backend === "local";
  return {
    ...config,
    training: {
      ...config.training,
      ...(overrides.backend !== undefined && { backend: overrides.backend }),
      ...(onRunner && tuning !== undefined && { tuning: { ...tuning, maxParallelJobs: 1 } }),
      hyperparameters: { ...config.training.hyperparameters, ...overrides.hyperparameters },
      retrain: {
        overrides: { ...overrides.hyperparameters },
        ...(overrides.backend !== undefined && { backend: overrides.backend }),
        ...(overrides.tune === true && { tune: true as const }),
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

/**
 * The endpoint now serves a model just trained, but the config serves another (model.serve):
 * say so, since the next plan from the config deploys that one again.
 */
export function servedModelNote(config: Config, configFile: string): string | undefined {
  const served = config.model.serve;
  if (!served) return undefined;
  return `The endpoint now serves the model just trained, but ${configFile} serves ${served.artifact} (model.serve): the next apply goes back to that one. To keep this model, remove model.serve.`;
}

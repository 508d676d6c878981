// Nodes of the model registry (build stage of a config with `environments:`): one SageMaker
// ModelPackageGroup per project, and the registration of the training run as a version of it.
// Registration is keyed on the training run's fingerprint, not on how the run was produced.
import { pytorchImageUri } from "../aws/pytorch-images.js";
import type { QualityGate } from "../config/types.js";
import type { GraphBuilder } from "./graph-builder.js";
import { TRAINING } from "./sagemaker-nodes.js";

export const MODEL_PACKAGE_GROUP = "sagemaker.model-package-group.main";
export const MODEL_PACKAGE = "sagemaker.model-package.main";

export interface ModelPackageGroupSpec {
  description: string;
}

export interface ModelPackageSpec {
  group: string;
  /** The inference image every environment serves (the same CPU or GPU image for all). */
  image: string;
  /** Every hosting type an environment uses: SupportedRealtimeInferenceInstanceTypes. */
  instanceTypes: string[];
  region: string;
  qualityGate?: QualityGate;
  hyperparameters: Record<string, string | number | boolean>;
  /** Filled by prepare() from the training node. */
  trainingFingerprint?: string;
  dataManifestHash?: string;
  codeHash?: string;
}

/** The registry's group name: the project's. */
export const modelPackageGroupName = (project: string): string => project;

export function addRegistryNodes(b: GraphBuilder): void {
  const { add, config, context } = b;
  const group = modelPackageGroupName(config.project);
  add<ModelPackageGroupSpec>(MODEL_PACKAGE_GROUP, "sagemaker.model-package-group", group, {
    description: `Models of ${config.project}, registered by mlops`,
  });
  const instanceTypes = [
    ...new Set([
      config.endpoint.instanceType,
      ...Object.values(config.environments ?? {}).flatMap((e) =>
        e.endpoint.instanceType === undefined ? [] : [e.endpoint.instanceType],
      ),
    ]),
  ].sort();
  add<ModelPackageSpec>(
    MODEL_PACKAGE,
    "sagemaker.model-package",
    `${group} (the trained model)`,
    {
      group,
      image: pytorchImageUri(
        "inference",
        context.region,
        config.training.framework.version,
        config.endpoint.instanceType,
      ),
      instanceTypes,
      region: context.region,
      ...(config.model.qualityGate !== undefined && { qualityGate: config.model.qualityGate }),
      hyperparameters: config.training.hyperparameters,
    },
    [TRAINING, MODEL_PACKAGE_GROUP],
  );
}

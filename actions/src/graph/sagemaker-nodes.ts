// Nodes of the training and serving capability: the training run (content-addressed by its
// inputs), the SageMaker Model and EndpointConfig (immutable, named from their content), the
// endpoint (updated in place) and its auto-scaling.
import { derivedNames } from "../aws/naming.js";
import { pytorchImageUri } from "../aws/pytorch-images.js";
import type {
  AutoscalingConfig,
  Config,
  DeploymentConfig,
  MetricDefinition,
  QualityGate,
  RetrainOrigin,
  ServedModel,
  TrainingBackend,
  TuningConfig,
} from "../config/types.js";
import { digest } from "../canonical.js";
import { alarmAddress, endpointAlarms, rollbackAlarmNames } from "./alarm-nodes.js";
import { DATASET } from "./data-nodes.js";
import { dataCaptureUri } from "./iam-policies.js";
import type { GraphBuilder } from "./graph-builder.js";
import { roleAddress, roleArn } from "./iam-nodes.js";

export const TRAINING = "training.run.main";
export const MODEL = "sagemaker.model.main";
export const ENDPOINT_CONFIG = "sagemaker.endpoint-config.main";
export const ENDPOINT = "sagemaker.endpoint.main";
export const AUTOSCALING = "autoscaling.variant.main";

export interface TrainingSpec {
  backend: TrainingBackend;
  project: string;
  entryPoint: string;
  /** Absolute path of the code folder (not part of the fingerprint: its content hash is). */
  sourceDir: string;
  hyperparameters: Record<string, string | number | boolean>;
  metrics: MetricDefinition[];
  image: string;
  instance: { type: string; count: number; volumeSizeGB: number };
  spot: { enabled: boolean; maxWaitSeconds?: number };
  maxRuntimeSeconds: number;
  vpc?: { subnets: string[]; securityGroups: string[] };
  roleArn: string;
  input: { bucket: string; prefix: string };
  output: { bucket: string; artifactPrefix: string; checkpointPrefix: string; codePrefix: string };
  python: string;
  /** A search instead of one run: training.tuning when enabled (or `mlops train --tune`). */
  tuning?: TuningSpec;
  /** `mlops train --force`: train again even if a run with the same inputs exists or failed. */
  force?: true;
  /** Filled by prepare(): the hashes the fingerprint is made of, and the fingerprint. */
  dataManifestHash?: string;
  codeHash?: string;
  fingerprint?: string;
  /** Filled by prepare() for a search: the fingerprint without it (warm start's key). */
  baseFingerprint?: string;
}

export type TuningSpec = Omit<TuningConfig, "enabled">;

export interface ModelSpec {
  image: string;
  roleArn: string;
  region: string;
  qualityGate?: QualityGate;
  /** Filled by prepare() from the training node. */
  trainingFingerprint?: string;
  /** An environment's model: the registry version it serves (its image is `image`). */
  registered?: RegisteredModel;
  /** `model.serve`: an existing artifact (its image is `image`), no training run. */
  served?: PinnedModel;
}

export interface PinnedModel {
  artifact: string;
  /** The container's environment as the config gives it; absent: inferenceEnvironment(). */
  environment?: Record<string, string>;
  /** An existing model to take over while it is exactly this one (model.serve.adopt.model). */
  adopt?: Adoption;
}

/** A resource made by hand that the config names, to be used while it is what mlops would make. */
export interface Adoption {
  name: string;
  /** Filled by prepare() when it is not used: why, for the plan. */
  notAdopted?: string;
}

export interface RegisteredModel {
  version: number;
  packageArn: string;
  artifact: string;
  /** The environment deploys only approved versions: checked again when the model is created. */
  requireApproval: boolean;
}

export interface EndpointConfigSpec {
  variantName: string;
  instanceType: string;
  initialInstanceCount: number;
  dataCapture?: {
    samplingPercentage: number;
    captureModes: ("Input" | "Output")[];
    destination: string;
    kmsKeyArn?: string;
  };
  /** Filled by prepare(): the model this config serves. */
  modelName?: string;
  /** An existing endpoint config to take over while it is exactly this one. */
  adopt?: Adoption;
}

export interface EndpointSpec {
  variantName: string;
  instanceType: string;
  deployment: DeploymentConfig;
  /** When set, updates keep the scaled capacity and re-register scaling around type changes. */
  autoscaling?: AutoscalingConfig;
  keep: number;
  /** A deployment made by `mlops train` / the train action: recorded with the deployment. */
  origin?: RetrainOrigin;
  /** Filled by prepare(): the endpoint config to serve. */
  endpointConfigName?: string;
  modelName?: string;
}

export interface AutoscalingSpec {
  resourceId: string;
  minCapacity: number;
  maxCapacity: number;
  policyName: string;
  targetInvocationsPerInstance: number;
  scaleInCooldownSeconds: number;
  scaleOutCooldownSeconds: number;
  disableScaleIn: boolean;
}

/** Content-derived names: the same inputs always give the same Model and EndpointConfig. */
export function modelName(project: string, spec: ModelSpec): string {
  const source = spec.registered
    ? { a: spec.registered.artifact }
    : spec.served
      ? {
          a: spec.served.artifact,
          ...(spec.served.environment !== undefined && { e: spec.served.environment }),
        }
      : { f: spec.trainingFingerprint };
  return derivedNames.model(
    project,
    digest({ ...source, i: spec.image, r: spec.roleArn }).slice(0, 8),
  );
}

/** The target-tracking policy's name (the endpoint re-puts it around instance-type changes). */
export const scalingPolicyName = (project: string): string => `${project}-invocations-per-instance`;

export function endpointConfigName(project: string, spec: EndpointConfigSpec): string {
  // Which existing config may be adopted is not content: the content decides whether it is.
  const { modelName: model, adopt: _adopt, ...rest } = spec;
  return derivedNames.endpointConfig(project, digest({ model, ...rest }).slice(0, 8));
}

function tuningSpec(tuning: TuningConfig): TuningSpec {
  const { enabled: _enabled, ...spec } = tuning;
  return spec;
}

/**
 * The existing model the config serves (model.serve), unless this run trains on demand: `mlops
 * train` deploys what it trains, and the next apply from the config comes back to this one.
 */
export function servedModel(config: Config): ServedModel | undefined {
  return config.training.retrain === undefined ? config.model.serve : undefined;
}

/** The training run, content-addressed by its inputs; none while the config serves a model. */
export function addTrainingNodes(b: GraphBuilder): void {
  const { add, config, context, layout } = b;
  if (servedModel(config) !== undefined) return;
  const t = config.training;
  const sagemakerRole = roleArn(b, "sagemaker");
  const trainingImage =
    t.image ?? pytorchImageUri("training", context.region, t.framework.version, t.instance.type);

  add<TrainingSpec>(
    TRAINING,
    "training.run",
    `${config.project} (${t.backend})`,
    {
      backend: t.backend,
      project: config.project,
      entryPoint: t.entryPoint,
      sourceDir: t.sourceDir,
      hyperparameters: t.hyperparameters,
      metrics: t.metrics,
      image: trainingImage,
      instance: t.instance,
      spot: t.spot,
      maxRuntimeSeconds: t.maxRuntimeSeconds,
      ...(t.vpc !== undefined && { vpc: t.vpc }),
      roleArn: sagemakerRole,
      input: layout.trainingInput,
      output: {
        bucket: layout.dataBucket,
        artifactPrefix: layout.artifactPrefix,
        checkpointPrefix: layout.checkpointPrefix,
        codePrefix: layout.codePrefix,
      },
      python: t.local.python,
      ...(t.tuning !== undefined &&
        (t.tuning.enabled || t.retrain?.tune === true) && { tuning: tuningSpec(t.tuning) }),
      ...(b.forceTraining && { force: true as const }),
    },
    [DATASET, roleAddress("sagemaker")],
  );
}

/**
 * The Model and the EndpointConfig. The Model serves the training run of this graph or, in an
 * environment, the registry version chosen for it (`b.release`): the same artifact and image
 * the version names, so every environment serves the model byte for byte, never retrained. With
 * model.serve it serves that artifact, in a model and endpoint config the config may name to
 * adopt.
 */
export function addModelNodes(b: GraphBuilder): void {
  const { add, config, context, layout, release } = b;
  const e = config.endpoint;
  const sagemakerRole = roleArn(b, "sagemaker");
  const served = release ? undefined : servedModel(config);
  const base = { roleArn: sagemakerRole, region: context.region };
  const model: { description: string; spec: ModelSpec; dependsOn: string[] } = release
    ? {
        description: `(named from model version ${release.version})`,
        spec: {
          ...base,
          image: release.image,
          registered: {
            version: release.version,
            packageArn: release.arn,
            artifact: release.artifact,
            requireApproval: release.requireApproval,
          },
        },
        dependsOn: [roleAddress("sagemaker")],
      }
    : served
      ? {
          description: served.adopt.model ?? "(named from the served artifact)",
          spec: {
            ...base,
            image: served.image,
            served: {
              artifact: served.artifact,
              ...(served.environment !== undefined && { environment: served.environment }),
              ...(served.adopt.model !== undefined && { adopt: { name: served.adopt.model } }),
            },
          },
          dependsOn: [roleAddress("sagemaker")],
        }
      : {
          description: "(named from the trained model)",
          spec: {
            ...base,
            image: pytorchImageUri(
              "inference",
              context.region,
              config.training.framework.version,
              e.instanceType,
            ),
            ...(config.model.qualityGate !== undefined && {
              qualityGate: config.model.qualityGate,
            }),
          },
          dependsOn: [TRAINING, roleAddress("sagemaker")],
        };
  add<ModelSpec>(MODEL, "sagemaker.model", model.description, model.spec, model.dependsOn);

  add<EndpointConfigSpec>(
    ENDPOINT_CONFIG,
    "sagemaker.endpoint-config",
    served?.adopt.endpointConfig ?? "(named from its content)",
    {
      variantName: e.variantName,
      instanceType: e.instanceType,
      initialInstanceCount: e.initialInstanceCount,
      ...(e.dataCapture !== undefined && {
        dataCapture: {
          samplingPercentage: e.dataCapture.samplingPercentage,
          captureModes: e.dataCapture.capture.map((c) => (c === "request" ? "Input" : "Output")),
          destination: dataCaptureUri(layout, e.dataCapture.prefix),
          ...(e.dataCapture.kmsKeyArn !== undefined && { kmsKeyArn: e.dataCapture.kmsKeyArn }),
        },
      }),
      ...(served?.adopt.endpointConfig !== undefined && {
        adopt: { name: served.adopt.endpointConfig },
      }),
    },
    [MODEL],
  );
}

/** The endpoint and its auto-scaling. */
export function addServingNodes(b: GraphBuilder): void {
  const { add, config } = b;
  const e = config.endpoint;
  const rollbackAlarms = rollbackAlarmNames(config);
  // The tool's rollback alarms exist before a deployment names them.
  const ownRollbackAlarms = endpointAlarms(config)
    .filter((a) => rollbackAlarms.includes(a.name))
    .map((a) => alarmAddress(a.id));
  add<EndpointSpec>(
    ENDPOINT,
    "sagemaker.endpoint",
    e.name,
    {
      variantName: e.variantName,
      instanceType: e.instanceType,
      deployment: { ...e.deployment, rollbackAlarms },
      ...(e.autoscaling !== undefined && { autoscaling: e.autoscaling }),
      keep: config.model.keep,
      ...(config.training.retrain && { origin: config.training.retrain }),
    },
    [ENDPOINT_CONFIG, ...ownRollbackAlarms],
  );

  if (e.autoscaling) {
    const a = e.autoscaling;
    add<AutoscalingSpec>(
      AUTOSCALING,
      "autoscaling.variant",
      `endpoint/${e.name}/variant/${e.variantName}`,
      {
        resourceId: `endpoint/${e.name}/variant/${e.variantName}`,
        minCapacity: a.minCapacity,
        maxCapacity: a.maxCapacity,
        policyName: scalingPolicyName(config.project),
        targetInvocationsPerInstance: a.targetInvocationsPerInstance,
        scaleInCooldownSeconds: a.scaleInCooldownSeconds,
        scaleOutCooldownSeconds: a.scaleOutCooldownSeconds,
        disableScaleIn: a.disableScaleIn,
      },
      [ENDPOINT],
    );
  }
}

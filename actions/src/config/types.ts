// The typed, resolved configuration: defaults applied, durations in seconds, paths absolute.
// `${account}` and `${region}` in bucket names stay as templates; model/ resolves them.

export type TrainingBackend = "sagemaker" | "ec2" | "local";

export interface MetricDefinition {
  name: string;
  regex: string;
}

export interface Ec2RunnerConfig {
  instanceTypes: string[];
  market: "spot" | "on-demand" | "spot-with-fallback";
  amiType: string;
  ami?: string;
  subnets: string[];
  securityGroups: string[];
  volumeSizeGB: number;
  maxLifetimeSeconds: number;
  idleTimeoutSeconds: number;
  registrationTimeoutSeconds: number;
}

export interface TrainingConfig {
  backend: TrainingBackend;
  entryPoint: string;
  /** Absolute path of the training code folder. */
  sourceDir: string;
  framework: { name: "pytorch"; version: string; python: string };
  image?: string;
  instance: { type: string; count: number; volumeSizeGB: number };
  spot: { enabled: boolean; maxWaitSeconds?: number };
  maxRuntimeSeconds: number;
  hyperparameters: Record<string, string | number | boolean>;
  metrics: MetricDefinition[];
  vpc?: { subnets: string[]; securityGroups: string[] };
  ec2: Ec2RunnerConfig;
  local: { python: string };
  /** A declared hyperparameter search (training/README.md "Tuning"). */
  tuning?: TuningConfig;
  /**
   * Set by `mlops train` and the train action, never read from the file: the inputs above
   * include command-line overrides, and the deployment this run makes is recorded as a retrain.
   */
  retrain?: RetrainOrigin;
}

export type TuningStrategy = "bayesian" | "random" | "hyperband" | "grid";
export type TuningScaling = "auto" | "linear" | "log";

export type ParameterRange =
  | { type: "continuous" | "integer"; min: number; max: number; scaling: TuningScaling }
  | { type: "categorical"; values: (string | number | boolean)[] };

export interface TuningConfig {
  /** false: declared, used only when `mlops train --tune` (or the workflow's input) asks. */
  enabled: boolean;
  objective: { metric: string; goal: "maximize" | "minimize" };
  strategy: TuningStrategy;
  /** Absent for grid: the grid's size. */
  maxJobs?: number;
  maxParallelJobs: number;
  earlyStopping: boolean;
  warmStart: boolean;
  seed: number;
  parameters: Record<string, ParameterRange>;
}

/** A run of `mlops train` or the train action: what it set over the config's training inputs. */
export interface RetrainOrigin {
  /** Hyperparameters set on the command line, over the config's. */
  overrides: Record<string, string | number | boolean>;
  backend?: TrainingBackend;
  /** `mlops train --tune`: the declared search ran although tuning.enabled is false. */
  tune?: true;
}

export interface QualityGate {
  metric: string;
  min?: number;
  max?: number;
}

export interface DeploymentConfig {
  strategy: "blue-green" | "rolling";
  traffic: "all-at-once" | "canary" | "linear";
  canarySize: number;
  linearStepSize: number;
  waitIntervalSeconds: number;
  terminationWaitSeconds: number;
  maxExecutionTimeoutSeconds: number;
  maxBatchSize: number;
  rollbackAlarms: string[];
}

export interface AutoscalingConfig {
  minCapacity: number;
  maxCapacity: number;
  targetInvocationsPerInstance: number;
  scaleInCooldownSeconds: number;
  scaleOutCooldownSeconds: number;
  disableScaleIn: boolean;
}

export interface EndpointConfig {
  name: string;
  variantName: string;
  instanceType: string;
  initialInstanceCount: number;
  dataCapture?: DataCaptureConfig;
  deployment: DeploymentConfig;
  autoscaling?: AutoscalingConfig;
}

export interface DataCaptureConfig {
  samplingPercentage: number;
  capture: ("request" | "response")[];
  /** Key prefix in the data bucket (ends with "/"). */
  prefix: string;
  kmsKeyArn?: string;
}

/** The tool's own CloudWatch alarms (graph/alarm-nodes.ts). */
export interface MonitoringConfig {
  alarms: boolean;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  endpoint: {
    invocation5xxErrors: number;
    modelLatencyP99Ms: number;
    /** Percent; absent: no 4XX alarm. */
    invocation4xxErrorRate?: number;
  };
  lambda: { errors: number; throttles: number; spillover: number };
  topicArn?: string;
}

export interface LambdaConfig {
  name: string;
  /** Absolute path of the folder that is zipped as the function code. */
  code: string;
  handler: string;
  runtime: "nodejs20.x" | "nodejs22.x" | "nodejs24.x";
  architecture: "arm64" | "x86_64";
  memory: number;
  timeoutSeconds: number;
  alias: string;
  provisionedConcurrency: number;
  reservedConcurrency?: number;
  topK: number;
  /** What the function sends as Access-Control-Allow-Origin ("" for none). */
  corsOrigin: string;
  logRetentionDays: number;
  environment: Record<string, string>;
  /** A Function URL on the alias; absent: none. */
  url?: FunctionUrlConfig;
}

export type FunctionUrlAuth = "AWS_IAM" | "NONE";

export interface FunctionUrlConfig {
  auth: FunctionUrlAuth;
  cors?: FunctionUrlCors;
}

export interface FunctionUrlCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

export interface IamConfig {
  path: string;
  permissionsBoundary?: string;
  /**
   * Whose `<project>-boundary` the roles carry when permissionsBoundary is not set: an
   * environment's roles carry the build project's (set by environmentConfig), the one boundary
   * bootstrap and docs/setup.md create.
   */
  boundaryProject?: string;
  roleNames: { sagemaker?: string; lambda?: string; ec2?: string };
  /**
   * Managed policies (explicit ARNs) allowed to stay attached to each role. The tool never
   * attaches them; anything else attached is removed by the apply.
   */
  extraPolicies: { sagemaker?: string[]; lambda?: string[]; ec2?: string[] };
}

export interface Config {
  version: 1;
  project: string;
  region: string;
  tags: Record<string, string>;
  state: {
    /** Template; defaults to data.bucket. */
    bucket: string;
    prefix: string;
    lockTimeoutSeconds: number;
    lockTtlSeconds: number;
  };
  data: {
    /** A local folder (absolute), an https:// archive URL or an s3:// prefix. */
    source: DataSource;
    bucket: string;
    prefix: string;
    delete: boolean;
    exclude: string[];
    /** Most files uploaded at once (the sync narrows it for memory and throttling). */
    concurrency: number;
  };
  training: TrainingConfig;
  model: { qualityGate?: QualityGate; keep: number; serve?: ServedModel };
  endpoint: EndpointConfig;
  lambda?: LambdaConfig;
  monitoring: MonitoringConfig;
  iam: IamConfig;
  /**
   * Deployment stages (staging, production, ...) in the order a model moves through them; absent:
   * one implicit environment, as before. Data, training and the registry belong to the build stage.
   */
  environments?: Record<string, EnvironmentConfig>;
  /** Absolute path of the file this came from. */
  file: string;
}

/** `model.serve`: an existing artifact the endpoint serves instead of a trained one. */
export interface ServedModel {
  /** s3:// URI of the model.tar.gz. */
  artifact: string;
  image: string;
  /** The container's environment; absent: the tool's inference.py contract. */
  environment?: Record<string, string>;
  /** Existing resources serving it, taken over while they are what the tool would create. */
  adopt: { model?: string; endpointConfig?: string };
}

export type DataSource =
  | { kind: "local"; path: string }
  | { kind: "archive"; url: string }
  | { kind: "s3"; bucket: string; prefix: string };

/** What one environment overrides; everything else is the config's. */
export interface EnvironmentConfig {
  /** true: serves only a registry version approved for it (`mlops promote`); false: the newest passing. */
  approval: boolean;
  tags: Record<string, string>;
  endpoint: {
    instanceType?: string;
    initialInstanceCount?: number;
    autoscaling?: AutoscalingConfig;
  };
  lambda: { provisionedConcurrency?: number; reservedConcurrency?: number };
}

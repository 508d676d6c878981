// What `mlops status` reports about the live service: one section per capability, each read
// on its own, so a capability adds its section (and its renderer line) without touching the rest.

export interface EndpointStatus {
  name: string;
  /** Absent: the endpoint does not exist. */
  status?: string;
  failureReason?: string;
  instanceType?: string;
  instances?: { current?: number; desired?: number; min?: number; max?: number };
  endpointConfig?: string;
  model?: string;
  /** The model registry's version of the served model (an environment of `environments:`). */
  modelVersion?: string;
  /** When the served model was deployed: the deployment history, else the endpoint's last change. */
  servingSince?: string;
  /** "retrain" when `mlops train` / the train action deployed it. */
  deployedBy?: "config" | "retrain";
  dataCapture?: { enabled: boolean; samplingPercentage?: number; destination?: string };
}

export interface AlarmStatus {
  name: string;
  /** OK, ALARM, INSUFFICIENT_DATA; "missing" when the config has it and CloudWatch does not. */
  state: string;
  reason?: string;
  since?: string;
}

export interface LambdaStatus {
  name: string;
  alias: string;
  /** Absent: the alias does not exist. */
  version?: string;
  provisionedConcurrency?: { requested?: number; available?: number; status?: string };
  reservedConcurrency?: number;
  /** The Function URL on the alias (lambda.url), when the config has one and it exists. */
  url?: { url: string; authType: string };
}

export interface TrainingRunStatus {
  job: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  metrics: Record<string, number>;
  failureReason?: string;
}

export interface ServiceStatus {
  project: string;
  account: string;
  region: string;
  readAt: string;
  endpoint: EndpointStatus;
  alarms: AlarmStatus[];
  lambda?: LambdaStatus;
  /** Latest first. */
  training: TrainingRunStatus[];
}

// The state record's sections that resource handlers own (HandlerState in handler.ts): the
// training runs and the deployment history. The record itself is apply/state-store.ts's.
import type { RetrainOrigin } from "../config/types.js";

export interface TrainingRecord {
  fingerprint: string;
  job: string;
  attempt?: number;
  backend: string;
  status: string;
  failureReason?: string;
  artifact?: string;
  metrics?: Record<string, number>;
  finishedAt?: string;
  /** The model registry version this run was registered as (configs with `environments:`). */
  registration?: { arn: string; version: number };
}

export interface DeploymentRecord {
  endpointConfig: string;
  model: string;
  at: string;
  planHash: string;
  /** Deployed by `mlops train` / the train action rather than by applying the config. */
  origin?: RetrainOrigin;
}

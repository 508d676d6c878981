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
  /** A tuned run: the search whose best trial this record is (job, artifact and metrics). */
  tuning?: TuningResult;
  /** The model registry version this run was registered as (configs with `environments:`). */
  registration?: { arn: string; version: number };
}

/** One trial of a search, as SageMaker (or the local backend) reports it. */
export interface TrialResult {
  job: string;
  status: string;
  /** The searched values (the static ones are the config's). */
  hyperparameters: Record<string, string>;
  objective?: number;
  failureReason?: string;
}

export interface TuningResult {
  /** The tuning job (SageMaker) or the search's name (local). */
  job: string;
  objective: { metric: string; goal: "maximize" | "minimize" };
  /** The fingerprint without the search: the same data, code, image and static values. */
  baseFingerprint: string;
  trials: TrialResult[];
  /** Each searched parameter's type: a warm start needs the same ones. */
  parameterTypes: Record<string, string>;
  /** The previous search this one started from (SageMaker warm start). */
  warmStartFrom?: string;
}

export interface DeploymentRecord {
  endpointConfig: string;
  model: string;
  at: string;
  planHash: string;
  /** Deployed by `mlops train` / the train action rather than by applying the config. */
  origin?: RetrainOrigin;
}

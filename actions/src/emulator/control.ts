// HTTP client for a running emulator: its /_mlops control routes and moto's request recorder.
// Usable from any process that knows the endpoint (e.g. vitest workers given it by globalSetup).

import { parseRecording, type RecordedRequest } from "./recording.js";
import { OperationalError } from "../operational-errors.js";

/** One-shot faults, by the operation they affect. */
export interface FaultsByOperation {
  /** failed: Failed + FailureReason; silent-rollback: InService on the OLD config, no reason. */
  "sagemaker:UpdateEndpoint": "failed" | "silent-rollback" | "rollback-failed";
  /** creating: Creating for the update delay, then InService; failed: then Failed. */
  "sagemaker:CreateEndpoint": "creating" | "failed";
  /** failed: IN_PROGRESS, then FAILED with a StatusReason. */
  "lambda:PutProvisionedConcurrencyConfig": "failed";
}

export type FaultOperation = keyof FaultsByOperation;

export interface FaultOptions {
  /** Only the next call for this resource (endpoint or function name) takes the fault. */
  readonly resource?: string;
}

export type EndpointStatus =
  | "Creating"
  | "Updating"
  | "SystemUpdating"
  | "RollingBack"
  | "InService"
  | "Failed"
  | "UpdateRollbackFailed"
  | "Deleting"
  | "OutOfService";

/** One trial of an emulated tuning job: Completed with an objective (and other metrics), or not. */
export interface TrialOutcome {
  Status?: "Completed" | "Failed" | "Stopped";
  Objective?: number;
  Metrics?: Record<string, number>;
  FailureReason?: string;
}

/** How the next tuning job whose name starts with namePrefix goes (emulator/tuning_ext.py). */
export interface TuningOutcome {
  trials: TrialOutcome[];
  /** Ends Failed or Stopped whatever its trials did. */
  status?: "Failed" | "Stopped";
  failureReason?: string;
  /** The job and its trials stay InProgress this long. */
  durationMs?: number;
}

export const EMULATOR_REGION = "us-east-1";
export const EMULATOR_ACCESS_KEY = "testing";
/** moto's account for any access key that is not itself a 12-digit account id. */
export const EMULATOR_ACCOUNT = "123456789012";

/** Environment that points the AWS SDK and CLI at an emulator endpoint. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: EMULATOR_ACCESS_KEY,
    // The credentials name their account, as an assumed role's do, so no STS call is needed.
    AWS_ACCOUNT_ID: EMULATOR_ACCOUNT,
  };
}

export class EmulatorControl {
  readonly endpoint: string;

  constructor(endpoint: string) {
    this.endpoint = endpoint.replace(/\/+$/, "");
  }

  env(): Record<string, string> {
    return emulatorEnv(this.endpoint);
  }

  /** Make the next matching call fail in the given way (one-shot). */
  async injectFault<Op extends FaultOperation>(
    operation: Op,
    fault: FaultsByOperation[Op],
    options: FaultOptions = {},
  ): Promise<void> {
    const spec = options.resource === undefined ? fault : { fault, resource: options.resource };
    await this.request("POST", "/_mlops/faults", { [operation]: spec });
  }

  /**
   * Clear pending faults. With `all: true` also wipe every AWS resource in the emulator (do not
   * use that on an emulator other test files share).
   */
  async reset(options: { all?: boolean } = {}): Promise<void> {
    await this.request("POST", "/_mlops/reset", { all: options.all === true });
  }

  /** Force an endpoint into a status (e.g. SystemUpdating), back to the old one after durationMs. */
  async setEndpointStatus(
    endpointName: string,
    status: EndpointStatus,
    durationMs?: number,
  ): Promise<void> {
    await this.request("POST", "/_mlops/endpoint-status", {
      EndpointName: endpointName,
      EndpointStatus: status,
      ...(durationMs === undefined ? {} : { DurationMs: durationMs }),
    });
  }

  /** The trials and end of the next tuning job whose name starts with namePrefix. */
  async setTuningOutcome(namePrefix: string, outcome: TuningOutcome): Promise<void> {
    await this.request("POST", "/_mlops/tuning-outcome", {
      NamePrefix: namePrefix,
      Trials: outcome.trials,
      ...(outcome.status !== undefined && { Status: outcome.status }),
      ...(outcome.failureReason !== undefined && { FailureReason: outcome.failureReason }),
      ...(outcome.durationMs !== undefined && { DurationMs: outcome.durationMs }),
    });
  }

  /**
   * Where the emulator runs `functionName` when its Function URL is called: it POSTs the URL's
   * event there and answers with the result (serveFunctionLocally gives such an address).
   */
  async setFunctionUrlTarget(functionName: string, url: string): Promise<void> {
    await this.request("POST", "/_mlops/function-url-targets", {
      FunctionName: functionName,
      Url: url,
    });
  }

  /** Start recording requests (moto's recorder is global to the emulator process). */
  async startRecording(): Promise<void> {
    await this.request("POST", "/moto-api/recorder/start-recording");
  }

  async stopRecording(): Promise<void> {
    await this.request("POST", "/moto-api/recorder/stop-recording");
  }

  async clearRecording(): Promise<void> {
    await this.request("POST", "/moto-api/recorder/reset-recording");
  }

  async recordedRequests(): Promise<RecordedRequest[]> {
    return parseRecording(await this.request("GET", "/moto-api/recorder/download-recording"));
  }

  /** Recorded calls that are not Get/List/Describe/Head/... (GET/HEAD when unidentified). */
  async mutatingRequests(): Promise<RecordedRequest[]> {
    return (await this.recordedRequests()).filter((request) => !request.readOnly);
  }

  private async request(method: string, path: string, body?: unknown): Promise<string> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const response = await fetch(`${this.endpoint}${path}`, init);
    const text = await response.text();
    if (!response.ok) {
      throw new OperationalError(
        `emulator ${method} ${path} failed: HTTP ${response.status} ${text}`,
      );
    }
    return text;
  }
}

// vitest globalSetup: starts ONE local AWS emulator for the whole run and hands its endpoint to
// the test workers. In a test: `const aws = useEmulator(); new S3Client(aws.s3ClientConfig)`.
//
// The emulator is shared by every test file running in parallel: use unique resource names, give
// faults a `resource`, and do not call `reset({ all: true })` or assert on the (global) request
// recorder here; a test that needs those starts its own emulator with startEmulator().

import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import {
  EMULATOR_ACCESS_KEY,
  EMULATOR_REGION,
  EmulatorControl,
  startEmulator,
} from "../../actions/src/emulator/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    mlopsEmulatorEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({
    updateDelayMs: Number(process.env["MLOPS_EMULATOR_UPDATE_DELAY_MS"] ?? "300"),
    log: (line) => {
      if (process.env["MLOPS_EMULATOR_DEBUG"] === "1") console.error(`[emulator] ${line}`);
    },
  });
  project.provide("mlopsEmulatorEndpoint", emulator.endpoint);
  return () => emulator.stop();
}

export interface AwsClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
}

export interface EmulatorHandle {
  readonly endpoint: string;
  /** Env vars that point the AWS SDK / CLI (or a spawned `mlops`) at the emulator. */
  readonly env: Record<string, string>;
  /** Config for any AWS SDK v3 client. */
  readonly clientConfig: AwsClientConfig;
  /** Same, with path-style addressing for S3. */
  readonly s3ClientConfig: AwsClientConfig & { readonly forcePathStyle: true };
  /** Faults, forced endpoint statuses, recorder. */
  readonly control: EmulatorControl;
}

export function emulatorHandle(endpoint: string): EmulatorHandle {
  const control = new EmulatorControl(endpoint);
  const clientConfig: AwsClientConfig = {
    endpoint: control.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: EMULATOR_ACCESS_KEY, secretAccessKey: EMULATOR_ACCESS_KEY },
    maxAttempts: 1,
  };
  return {
    endpoint: control.endpoint,
    env: control.env(),
    clientConfig,
    s3ClientConfig: { ...clientConfig, forcePathStyle: true },
    control,
  };
}

/** The run's shared emulator (needs this module as a vitest globalSetup). */
export function useEmulator(): EmulatorHandle {
  const endpoint = inject("mlopsEmulatorEndpoint") as string | undefined;
  if (endpoint === undefined || endpoint === "") {
    throw new Error(
      "no emulator: add test/support/emulator.ts to vitest's globalSetup (or pass --globalSetup)",
    );
  }
  return emulatorHandle(endpoint);
}

/** True when the run's shared emulator is available (for describe.runIf). */
export function hasEmulator(): boolean {
  return (inject("mlopsEmulatorEndpoint") as string | undefined) !== undefined;
}

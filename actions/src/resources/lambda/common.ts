// What the Lambda handlers share: the code package (hashed at plan time, re-zipped and checked at
// apply time), the versioned fields of a function configuration, and our own short-interval
// waits for a function to settle and for provisioned concurrency to be allocated.
import {
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  type FunctionConfiguration,
  type GetProvisionedConcurrencyConfigCommandOutput,
} from "@aws-sdk/client-lambda";
import { readOrUndefined, withContext } from "../../aws/errors.js";
import { pollInterval, waitIn } from "../../wait.js";
import type { FunctionVersionSpec } from "../../graph/lambda-nodes.js";
import type { HandlerContext, Status } from "../handler.js";
import { zipDirectory } from "./package-zip.js";
import { OperationalError } from "../../operational-errors.js";

/** Lambda takes a zip of at most 50 MB inline (ZipFile); larger code must go through S3. */
export const MAX_INLINE_ZIP_BYTES = 50 * 1024 * 1024;
/** Function updates take seconds: poll often. */
export const FUNCTION_POLL_MS = 1_000;
export const FUNCTION_WAIT_DEADLINE_MS = 10 * 60_000;
/** Provisioned concurrency takes minutes to allocate. */
export const PROVISIONED_POLL_MS = 5_000;
export const PROVISIONED_WAIT_DEADLINE_MS = 30 * 60_000;

/** The versioned fields as AWS reports them (runtime and architecture may be anything there). */
export type VersionFields = Omit<FunctionVersionSpec, "runtime" | "architecture"> & {
  runtime: string;
  architecture: string;
};

async function zipCode(dir: string): ReturnType<typeof zipDirectory> {
  try {
    return await zipDirectory(dir);
  } catch (error) {
    throw new OperationalError(
      `packaging the Lambda code in ${dir}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** CodeSha256 of the deterministic zip of `dir` (what the plan records). */
export async function codeSha256Of(dir: string): Promise<string> {
  return (await zipCode(dir)).codeSha256;
}

/** The zip to upload, refused when the folder no longer hashes to what the plan recorded. */
export async function codeForUpload(dir: string, plannedSha256: string): Promise<Uint8Array> {
  const zip = await zipCode(dir);
  if (zip.codeSha256 !== plannedSha256) {
    throw new OperationalError(
      `the Lambda code in ${dir} changed since the plan was made (CodeSha256 ${plannedSha256} planned, ${zip.codeSha256} now); make a new plan`,
    );
  }
  if (zip.bytes.length > MAX_INLINE_ZIP_BYTES) {
    throw new OperationalError(
      `the Lambda code in ${dir} zips to ${zip.bytes.length} bytes; Lambda takes at most ${MAX_INLINE_ZIP_BYTES} inline`,
    );
  }
  return zip.bytes;
}

export function versionFields(c: FunctionConfiguration): VersionFields {
  return {
    codeSha256: c.CodeSha256 ?? "",
    runtime: c.Runtime ?? "",
    handler: c.Handler ?? "",
    memory: c.MemorySize ?? 0,
    timeoutSeconds: c.Timeout ?? 0,
    architecture: c.Architectures?.[0] ?? "x86_64",
    role: c.Role ?? "",
    environment: c.Environment?.Variables ?? {},
  };
}

function functionStatus(c: FunctionConfiguration, failedIsSettled: boolean): Status {
  if (c.State === "Pending" || c.LastUpdateStatus === "InProgress") return "pending";
  if (c.State === "Failed" || c.LastUpdateStatus === "Failed")
    return failedIsSettled ? "ready" : "failed";
  return "ready";
}

function describeFunction(c: FunctionConfiguration): string {
  const reason = c.LastUpdateStatusReason ?? c.StateReason;
  return [`State ${c.State ?? "?"}`, `LastUpdateStatus ${c.LastUpdateStatus ?? "?"}`, reason]
    .filter((p) => p !== undefined && p !== "")
    .join(" / ");
}

/** True when the function takes changes now (a failed last update does not block the next). */
export const isSettled = (c: FunctionConfiguration): boolean => functionStatus(c, true) === "ready";

/**
 * Waits until the function (or a published version) is Active with no update in progress.
 * After our own change (`failedIsSettled` false) a Failed state or update fails with its reason.
 */
export async function waitUntilSettled(
  ctx: HandlerContext,
  functionName: string,
  options: { qualifier?: string; failedIsSettled?: boolean } = {},
): Promise<FunctionConfiguration> {
  const label =
    options.qualifier === undefined ? functionName : `${functionName}:${options.qualifier}`;
  return waitIn(ctx, {
    what: `Lambda function ${label}`,
    poll: () =>
      withContext(`reading Lambda function ${label}`, () =>
        ctx.clients.lambda.send(
          new GetFunctionConfigurationCommand({
            FunctionName: functionName,
            ...(options.qualifier !== undefined && { Qualifier: options.qualifier }),
          }),
        ),
      ),
    status: (c) => functionStatus(c, options.failedIsSettled === true),
    describe: describeFunction,
    intervalMs: pollInterval(FUNCTION_POLL_MS),
    deadlineMs: FUNCTION_WAIT_DEADLINE_MS,
  });
}

export interface ProvisionedObserved {
  concurrency: number;
  /** IN_PROGRESS | READY | FAILED */
  status: string;
  /** StatusReason when FAILED (named like the other kinds' so the executor reports it). */
  failureReason?: string;
}

export function provisionedStatus(o: ProvisionedObserved): Status {
  if (o.status === "READY") return "ready";
  if (o.status === "FAILED") return "failed";
  return "pending";
}

/** The provisioned concurrency config on a qualifier, undefined when there is none. */
export async function readProvisioned(
  ctx: HandlerContext,
  functionName: string,
  qualifier: string,
): Promise<ProvisionedObserved | undefined> {
  const out: GetProvisionedConcurrencyConfigCommandOutput | undefined = await readOrUndefined(
    `reading the provisioned concurrency of ${functionName}:${qualifier}`,
    () =>
      ctx.clients.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({
          FunctionName: functionName,
          Qualifier: qualifier,
        }),
      ),
  );
  if (!out) return undefined;
  return {
    concurrency: out.RequestedProvisionedConcurrentExecutions ?? 0,
    status: out.Status ?? "IN_PROGRESS",
    ...(out.StatusReason !== undefined && { failureReason: out.StatusReason }),
  };
}

/**
 * Waits until the provisioned concurrency on `qualifier` (if any) is READY; FAILED fails with
 * its StatusReason. Used after an alias moves: the new version is allocated afresh.
 */
export async function waitForProvisioned(
  ctx: HandlerContext,
  functionName: string,
  qualifier: string,
): Promise<void> {
  const label = `provisioned concurrency on ${functionName}:${qualifier}`;
  const first = await readProvisioned(ctx, functionName, qualifier);
  if (first === undefined || provisionedStatus(first) === "ready") return;
  await waitIn(ctx, {
    what: label,
    poll: () => readProvisioned(ctx, functionName, qualifier),
    status: (o) => (o === undefined ? "ready" : provisionedStatus(o)),
    describe: (o) =>
      o === undefined
        ? "removed"
        : [o.status, o.failureReason].filter((p) => p !== undefined).join(" / "),
    intervalMs: pollInterval(PROVISIONED_POLL_MS),
    deadlineMs: PROVISIONED_WAIT_DEADLINE_MS,
  });
}

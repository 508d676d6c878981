// Runs (or joins) a SageMaker training job and waits for it with our own short-interval poller,
// reporting status and secondary-status transitions. Stopped counts as not completed.
import { CreateTrainingJobCommand, DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { AwsOperationError, classifyError, isNotFound } from "../aws/errors.js";
import { pollInterval, waitIn } from "../wait.js";
import type { TrainingSpec } from "../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../resources/handler.js";
import { TrainingFailedError } from "./local-runner.js";
import { trainingLogFollower } from "./log-follower.js";
import {
  createTrainingJobRequest,
  observedFromDescribe,
  type TrainingObserved,
} from "./sagemaker-job.js";
import { uploadFile } from "./s3-transfer.js";
import type { SourceArchive } from "./source-archive.js";

/** A finished training job is noticed within 10 s. */
export const TRAINING_POLL_MS = 10_000;

export async function uploadSourceArchive(
  spec: TrainingSpec,
  archive: SourceArchive,
  ctx: HandlerContext,
): Promise<string> {
  const key = `${spec.output.codePrefix}${archive.sha256}/sourcedir.tar.gz`;
  const uri = `s3://${spec.output.bucket}/${key}`;
  try {
    await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: spec.output.bucket, Key: key }));
    return uri; // content-addressed: already there
  } catch (error) {
    if (!isNotFound(error)) throw new AwsOperationError(`checking ${uri}`, error);
  }
  return uploadFile(ctx.clients.s3, spec.output.bucket, key, archive.bytes);
}

export async function startSageMakerJob(
  spec: TrainingSpec,
  job: string,
  sourceUri: string,
  tags: Record<string, string>,
  ctx: HandlerContext,
): Promise<void> {
  try {
    await ctx.clients.sagemaker.send(
      new CreateTrainingJobCommand(
        createTrainingJobRequest(spec, job, sourceUri, ctx.graph.region, tags),
      ),
    );
    ctx.logger.info(
      `started SageMaker training job ${job} on ${spec.instance.count} x ${spec.instance.type}${spec.spot.enabled ? " (spot)" : ""}`,
    );
  } catch (error) {
    // Another run started the same job (same fingerprint and attempt) a moment ago: join it.
    const e = error as { name?: string; message?: string };
    if (e.name === "ResourceInUse" || /already exists/i.test(e.message ?? "")) {
      ctx.logger.info(`training job ${job} already exists; waiting for it`);
      return;
    }
    if (classifyError(error) === "retryable") throw error;
    throw new AwsOperationError(`creating training job ${job}`, error);
  }
}

export async function describeJob(
  job: string,
  fingerprint: string,
  attempt: number,
  ctx: HandlerContext,
): Promise<TrainingObserved | undefined> {
  try {
    const out = await ctx.clients.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: job }),
    );
    return observedFromDescribe(out, fingerprint, attempt);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new AwsOperationError(`reading training job ${job}`, error);
  }
}

export async function waitForJob(
  spec: TrainingSpec,
  job: string,
  attempt: number,
  ctx: HandlerContext,
  options: { followLogs?: boolean } = {},
): Promise<TrainingObserved> {
  const fingerprint = spec.fingerprint ?? "";
  const follow =
    options.followLogs === true
      ? trainingLogFollower(ctx.clients.logs, job, ctx.logger)
      : undefined;
  const deadlineMs =
    (Math.max(spec.maxRuntimeSeconds, spec.spot.maxWaitSeconds ?? 0) + 1800) * 1000;
  return waitForRun(`training job ${job}`, deadlineMs, ctx, async () => {
    await follow?.();
    const seen = await describeJob(job, fingerprint, attempt, ctx);
    if (!seen) throw new TrainingFailedError(`training job ${job} disappeared`);
    return seen;
  });
}

/** Polls a training job or a search until it is Completed (or fails, or stops). */
export async function waitForRun(
  what: string,
  deadlineMs: number,
  ctx: HandlerContext,
  poll: () => Promise<TrainingObserved>,
): Promise<TrainingObserved> {
  const done = await waitIn(ctx, {
    what,
    poll,
    // Stopped is not success: the SDK waiter counts it as one, we do not.
    status: (o) =>
      o.status === "Completed"
        ? "ready"
        : o.status === "Failed" || o.status === "Stopped"
          ? "failed"
          : "pending",
    describe: (o) => [o.status, o.secondaryStatus, o.failureReason].filter(Boolean).join(" / "),
    intervalMs: pollInterval(TRAINING_POLL_MS),
    deadlineMs,
  }).catch((error: unknown) => {
    throw error instanceof Error && error.name === "WaitError"
      ? new TrainingFailedError(error.message)
      : error;
  });
  if (done.metrics) {
    ctx.logger.info(
      `training job ${done.job}: ${Object.entries(done.metrics)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  }
  return done;
}

// The local training backend (also what the EC2 runner runs): train.py in a subprocess with
// SageMaker's environment contract, on the synced data downloaded from S3, its log streamed;
// the model directory is packed into model.tar.gz and uploaded to the same S3 layout a
// SageMaker job would use, so everything downstream is identical.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TrainingRecord } from "../apply/state-store.js";
import type { TrainingSpec } from "../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../resources/handler.js";
import { hyperparameterArgs } from "./fingerprint.js";
import { metricsFromLog, numericEntries } from "./metrics.js";
import { downloadPrefix, uploadFile } from "./s3-transfer.js";
import { packDirectory } from "./source-archive.js";
import { OperationalError } from "../operational-errors.js";

export class TrainingFailedError extends OperationalError {
  override name = "TrainingFailedError";
}

const LOG_TAIL = 20;

export async function runLocalTraining(
  spec: TrainingSpec,
  job: string,
  ctx: HandlerContext,
): Promise<TrainingRecord> {
  const { logger, clients } = ctx;
  const fingerprint = spec.fingerprint ?? job;
  const dataDir = await downloadPrefix(
    clients.s3,
    spec.input.bucket,
    spec.input.prefix,
    ctx.cacheDir,
    spec.dataManifestHash ?? fingerprint,
    logger,
  );
  const runDir = join(ctx.cacheDir, "runs", job);
  const modelDir = join(runDir, "model");
  const outputDir = join(runDir, "output");
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });
  mkdirSync(outputDir, { recursive: true });
  // Checkpoints are kept per fingerprint, so an interrupted run resumes where it stopped.
  const checkpointDir = join(ctx.cacheDir, "checkpoints", fingerprint);

  const args = [
    join(spec.sourceDir, spec.entryPoint),
    ...hyperparameterArgs(spec.hyperparameters),
    "--checkpoint-dir",
    checkpointDir,
  ];
  logger.info(
    `training ${job} locally: ${spec.python} ${spec.entryPoint} ${hyperparameterArgs(spec.hyperparameters).join(" ")}`,
  );
  const lines = await runStreaming(spec.python, args, {
    cwd: spec.sourceDir,
    env: {
      ...process.env,
      PYTHONUNBUFFERED: "1",
      SM_CHANNEL_TRAINING: dataDir,
      SM_MODEL_DIR: modelDir,
      SM_OUTPUT_DATA_DIR: outputDir,
      SM_HOSTS: '["algo-1"]',
      SM_CURRENT_HOST: "algo-1",
      SM_TRAINING_ENV: JSON.stringify({ job_name: job }),
    },
    onLine: (line) => {
      logger.info(`  [train] ${line}`);
    },
    signal: ctx.signal,
  });

  const metricsFile = join(modelDir, "metrics.json");
  const metrics = {
    ...(existsSync(metricsFile)
      ? numericEntries(JSON.parse(readFileSync(metricsFile, "utf8")))
      : {}),
    ...metricsFromLog(lines, spec.metrics),
  };
  const archive = await packDirectory(modelDir);
  const artifact = await uploadFile(
    clients.s3,
    spec.output.bucket,
    `${spec.output.artifactPrefix}${job}/output/model.tar.gz`,
    archive.bytes,
  );
  logger.info(`${job}: model.tar.gz (${archive.bytes.length} bytes) uploaded to ${artifact}`);
  return {
    fingerprint,
    job,
    backend: spec.backend,
    status: "Completed",
    artifact,
    metrics,
    finishedAt: new Date(ctx.clock.now()).toISOString(),
  };
}

interface StreamOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

/** Runs a process, streaming its output line by line; resolves with every line on exit 0. */
function runStreaming(command: string, args: string[], options: StreamOptions): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    const onAbort = (): void => {
      child.kill("SIGTERM");
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, "");
          buffer = buffer.slice(nl + 1);
          lines.push(line);
          options.onLine(line);
        }
      });
    }
    child.once("error", (error) => {
      options.signal.removeEventListener("abort", onAbort);
      reject(new TrainingFailedError(`cannot run ${command}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      options.signal.removeEventListener("abort", onAbort);
      if (code === 0) resolve(lines);
      else {
        const tail = lines.slice(-LOG_TAIL).join("\n");
        const why = signal ? `was stopped by ${signal}` : `exited with code ${String(code)}`;
        reject(new TrainingFailedError(`training ${why}; last lines:\n${tail}`));
      }
    });
  });
}

// Every resource kind the engine knows, by kind: one handler per kind of KindSpecs (kinds.ts).
import { autoscalingHandler } from "./autoscaling/variant.js";
import { alarmHandler } from "./cloudwatch/alarm.js";
import type { ResourceHandler } from "./handler.js";
import type { Kind, KindSpecs } from "./kinds.js";
import { instanceProfileHandler } from "./iam/instance-profile.js";
import { roleHandler } from "./iam/role.js";
import { aliasHandler } from "./lambda/alias.js";
import { functionHandler } from "./lambda/function.js";
import { functionUrlHandler } from "./lambda/function-url.js";
import { logGroupHandler } from "./lambda/log-group.js";
import { permissionHandler } from "./lambda/permission.js";
import { provisionedConcurrencyHandler } from "./lambda/provisioned-concurrency.js";
import { reservedConcurrencyHandler } from "./lambda/reserved-concurrency.js";
import { bucketHandler } from "./s3/bucket.js";
import { datasetHandlerWith, type DatasetOptions } from "./s3/dataset.js";
import { endpointHandler } from "./sagemaker/endpoint.js";
import { endpointConfigHandler } from "./sagemaker/endpoint-config.js";
import { modelHandler } from "./sagemaker/model.js";
import { modelPackageHandler } from "./sagemaker/model-package.js";
import { modelPackageGroupHandler } from "./sagemaker/model-package-group.js";
import { trainingHandlerWith, type TrainingOptions } from "./training/run.js";

/**
 * Handlers by kind, as the planner and the executor see them: a node's spec and observed value
 * are whatever its kind's handler takes (see TypedRegistry for the checked map).
 */
export type HandlerRegistry = Readonly<Partial<Record<string, ResourceHandler>>>;

/** One handler per kind, each of its kind's spec (KindSpecs): checked, so no cast is needed. */
export type TypedRegistry = { readonly [K in Kind]: ResourceHandler<KindSpecs[K]> };

/** A command's options for the handlers that take any (explicit, never in the context). */
export type HandlerOptions = TrainingOptions & DatasetOptions;

/**
 * A registry for one run (a session), with a command's options (`mlops sync`, `mlops train
 * --follow`). Handlers that remember something within a run (the data set's manifests) are
 * made afresh for each.
 */
export function handlersWith(options: HandlerOptions): TypedRegistry {
  return {
    "s3.bucket": bucketHandler,
    "s3.dataset": datasetHandlerWith(options),
    "iam.role": roleHandler,
    "iam.instance-profile": instanceProfileHandler,
    "logs.log-group": logGroupHandler,
    "lambda.function": functionHandler,
    "lambda.alias": aliasHandler,
    "lambda.reserved-concurrency": reservedConcurrencyHandler,
    "lambda.provisioned-concurrency": provisionedConcurrencyHandler,
    "lambda.function-url": functionUrlHandler,
    "lambda.permission": permissionHandler,
    "training.run": trainingHandlerWith(options),
    "sagemaker.model": modelHandler,
    "sagemaker.endpoint-config": endpointConfigHandler,
    "sagemaker.endpoint": endpointHandler,
    "autoscaling.variant": autoscalingHandler,
    "cloudwatch.alarm": alarmHandler,
    "sagemaker.model-package-group": modelPackageGroupHandler,
    "sagemaker.model-package": modelPackageHandler,
  };
}

/** A registry for one run with no command options (each call: fresh per-run handler state). */
export const defaultHandlers = (): TypedRegistry => handlersWith({});

export function handlerFor(registry: HandlerRegistry, kind: string): ResourceHandler {
  const handler = registry[kind];
  // Internal invariant: every kind the graph builders add is registered.
  if (!handler) throw new Error(`no handler for resource kind ${kind}`);
  return handler;
}

// Every resource kind the engine knows, by kind.
import { autoscalingHandler } from "./autoscaling/variant.js";
import type { ResourceHandler } from "./handler.js";
import { instanceProfileHandler } from "./iam/instance-profile.js";
import { roleHandler } from "./iam/role.js";
import { lambdaHandlers } from "./lambda/index.js";
import { bucketHandler } from "./s3/bucket.js";
import { datasetHandler, datasetHandlerWith, type DatasetOptions } from "./s3/dataset.js";
import { endpointHandler } from "./sagemaker/endpoint.js";
import { endpointConfigHandler } from "./sagemaker/endpoint-config.js";
import { modelHandler } from "./sagemaker/model.js";
import { trainingHandler, trainingHandlerWith, type TrainingOptions } from "./training/run.js";

export type HandlerRegistry = Readonly<Record<string, ResourceHandler<never, never> | undefined>>;

/** A command's options for the handlers that take any (explicit, never in the context). */
export type HandlerOptions = TrainingOptions & DatasetOptions;

const all = [
  bucketHandler,
  datasetHandler,
  roleHandler,
  instanceProfileHandler,
  ...lambdaHandlers,
  trainingHandler,
  modelHandler,
  endpointConfigHandler,
  endpointHandler,
  autoscalingHandler,
] as const;

export const defaultHandlers: HandlerRegistry = Object.fromEntries(
  all.map((h) => [h.kind, h as unknown as ResourceHandler<never, never>]),
);

/** The registry with a command's options (`mlops sync`, `mlops train --follow`). */
export function handlersWith(options: HandlerOptions): HandlerRegistry {
  return {
    ...defaultHandlers,
    [datasetHandler.kind]: datasetHandlerWith(options) as unknown as ResourceHandler<never, never>,
    [trainingHandler.kind]: trainingHandlerWith(options) as unknown as ResourceHandler<
      never,
      never
    >,
  };
}

export function handlerFor(registry: HandlerRegistry, kind: string): ResourceHandler {
  const handler = registry[kind];
  // Internal invariant: every kind the graph builders add is registered.
  if (!handler) throw new Error(`no handler for resource kind ${kind}`);
  return handler;
}

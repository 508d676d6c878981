// Every resource kind the engine knows, by kind.
import { autoscalingHandler } from "./autoscaling/variant.js";
import type { ResourceHandler } from "./handler.js";
import { instanceProfileHandler } from "./iam/instance-profile.js";
import { roleHandler } from "./iam/role.js";
import { lambdaHandlers } from "./lambda/index.js";
import { bucketHandler } from "./s3/bucket.js";
import { datasetHandler } from "./s3/dataset.js";
import { endpointHandler } from "./sagemaker/endpoint.js";
import { endpointConfigHandler } from "./sagemaker/endpoint-config.js";
import { modelHandler } from "./sagemaker/model.js";
import { trainingHandler } from "./training/run.js";

export type HandlerRegistry = Readonly<Record<string, ResourceHandler<never, never> | undefined>>;

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

export function handlerFor(registry: HandlerRegistry, kind: string): ResourceHandler {
  const handler = registry[kind];
  // Internal invariant: every kind the graph builders add is registered.
  if (!handler) throw new Error(`no handler for resource kind ${kind}`);
  return handler;
}

// Every resource kind and the spec its nodes carry: the registry is checked against this map
// (one handler per kind, of that kind's spec), and prepare() finds a dependency by its kind.
import type { AlarmSpec } from "../graph/alarm-nodes.js";
import type { BucketSpec } from "../graph/data-nodes.js";
import type { Node } from "../graph/graph.js";
import type { InstanceProfileSpec, RoleSpec } from "../graph/iam-nodes.js";
import type {
  AliasSpec,
  FunctionSpec,
  FunctionUrlSpec,
  LogGroupSpec,
  PermissionSpec,
  ProvisionedConcurrencySpec,
  ReservedConcurrencySpec,
} from "../graph/lambda-nodes.js";
import type {
  AutoscalingSpec,
  EndpointConfigSpec,
  EndpointSpec,
  ModelSpec,
  TrainingSpec,
} from "../graph/sagemaker-nodes.js";
import type { ModelPackageGroupSpec, ModelPackageSpec } from "../graph/registry-nodes.js";
import type { PreparedDatasetSpec } from "./s3/dataset.js";

/** Kind -> the spec of its (prepared) nodes. */
export interface KindSpecs {
  "s3.bucket": BucketSpec;
  "s3.dataset": PreparedDatasetSpec;
  "iam.role": RoleSpec;
  "iam.instance-profile": InstanceProfileSpec;
  "logs.log-group": LogGroupSpec;
  "lambda.function": FunctionSpec;
  "lambda.alias": AliasSpec;
  "lambda.reserved-concurrency": ReservedConcurrencySpec;
  "lambda.provisioned-concurrency": ProvisionedConcurrencySpec;
  "lambda.function-url": FunctionUrlSpec;
  "lambda.permission": PermissionSpec;
  "training.run": TrainingSpec;
  "sagemaker.model": ModelSpec;
  "sagemaker.endpoint-config": EndpointConfigSpec;
  "sagemaker.endpoint": EndpointSpec;
  "autoscaling.variant": AutoscalingSpec;
  "cloudwatch.alarm": AlarmSpec;
  "sagemaker.model-package-group": ModelPackageGroupSpec;
  "sagemaker.model-package": ModelPackageSpec;
}

export type Kind = keyof KindSpecs;

/** Whether `node` is of `kind` (and so carries that kind's spec). */
export function isKind<K extends Kind>(node: Node, kind: K): node is Node<KindSpecs[K]> {
  return node.kind === kind;
}

/**
 * The prepared dependency of `kind` that prepare() received for `node`; throws when the graph
 * gave it none (a bug in the graph builder, not something a config can cause).
 */
export function dependencyOf<K extends Kind>(
  node: Node,
  deps: ReadonlyMap<string, Node>,
  kind: K,
): Node<KindSpecs[K]> {
  for (const dep of deps.values()) if (isKind(dep, kind)) return dep;
  // Internal invariant: the graph builder always adds the dependencies prepare() looks up.
  throw new Error(`${node.address} needs a prepared ${kind}`);
}

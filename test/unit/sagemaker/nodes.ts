// Endpoint and autoscaling nodes as the graph builds them (prepared), for the handler tests.
import type { DeploymentConfig } from "../../../actions/src/config/types.js";
import type { Node } from "../../../actions/src/graph/graph.js";
import {
  AUTOSCALING,
  ENDPOINT,
  ENDPOINT_CONFIG,
  type AutoscalingSpec,
  type EndpointSpec,
} from "../../../actions/src/graph/sagemaker-nodes.js";

export const DEPLOYMENT: DeploymentConfig = {
  strategy: "blue-green",
  traffic: "canary",
  canarySize: 10,
  linearStepSize: 20,
  waitIntervalSeconds: 300,
  terminationWaitSeconds: 600,
  maxExecutionTimeoutSeconds: 1800,
  maxBatchSize: 25,
  rollbackAlarms: [],
};

export const SCALING = {
  minCapacity: 1,
  maxCapacity: 3,
  targetInvocationsPerInstance: 20,
  scaleInCooldownSeconds: 300,
  scaleOutCooldownSeconds: 60,
  disableScaleIn: false,
};

export const OLD_CONFIG = "pets-epc-aaaaaaaa";
export const OLD_MODEL = "pets-model-aaaaaaaa";
export const NEW_CONFIG = "pets-epc-bbbbbbbb";
export const NEW_MODEL = "pets-model-bbbbbbbb";
export const RESOURCE_ID = "endpoint/pets/variant/AllTraffic";
export const POLICY = "pets-invocations-per-instance";

type SpecOverrides = { [K in keyof EndpointSpec]?: EndpointSpec[K] | undefined };

export function endpointNode(overrides: SpecOverrides = {}): Node<EndpointSpec> {
  const all: Record<string, unknown> = {
    variantName: "AllTraffic",
    instanceType: "ml.m5.large",
    deployment: DEPLOYMENT,
    autoscaling: SCALING,
    keep: 2,
    endpointConfigName: NEW_CONFIG,
    modelName: NEW_MODEL,
    ...overrides,
  };
  const spec = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  return {
    address: ENDPOINT,
    kind: "sagemaker.endpoint",
    name: "pets",
    tags: { "mlops:project": "pets", "mlops:address": ENDPOINT },
    spec: spec as unknown as EndpointSpec,
    dependsOn: [ENDPOINT_CONFIG],
  };
}

export function autoscalingNode(overrides: Partial<AutoscalingSpec> = {}): Node<AutoscalingSpec> {
  return {
    address: AUTOSCALING,
    kind: "autoscaling.variant",
    name: RESOURCE_ID,
    tags: { "mlops:project": "pets", "mlops:address": AUTOSCALING },
    spec: {
      resourceId: RESOURCE_ID,
      minCapacity: 1,
      maxCapacity: 3,
      policyName: POLICY,
      targetInvocationsPerInstance: 20,
      scaleInCooldownSeconds: 300,
      scaleOutCooldownSeconds: 60,
      disableScaleIn: false,
      ...overrides,
    },
    dependsOn: [ENDPOINT],
  };
}

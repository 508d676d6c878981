// Shared by the endpoint handler tests: the in-memory world (endpoint live on OLD_CONFIG, the
// new config created), and one plan -> execute cycle of the endpoint node through the real
// executor (busy retry, status poller) on a fake clock.
import type { ScalingPolicy } from "@aws-sdk/client-application-auto-scaling";
import { executePlan, type StepResult } from "../../../actions/src/apply/execute.js";
import type { Node } from "../../../actions/src/graph/graph.js";
import { replaceTriggered } from "../../../actions/src/plan/compute.js";
import type { Plan, PlannedChange } from "../../../actions/src/plan/types.js";
import { autoscalingHandler } from "../../../actions/src/resources/autoscaling/variant.js";
import type { Change, ResourceHandler } from "../../../actions/src/resources/handler.js";
import type { HandlerRegistry } from "../../../actions/src/resources/registry.js";
import { endpointHandler } from "../../../actions/src/resources/sagemaker/endpoint.js";
import { testPlan } from "../engine/helpers.js";
import { fakeSageMaker, type FakeSageMaker } from "./fake-sagemaker.js";
import {
  NEW_CONFIG,
  NEW_MODEL,
  OLD_CONFIG,
  OLD_MODEL,
  POLICY,
  RESOURCE_ID,
  autoscalingNode,
  endpointNode,
} from "./nodes.js";

export const handlers: HandlerRegistry = Object.fromEntries(
  [endpointHandler, autoscalingHandler].map((h) => [h.kind, h]),
);

const OPTIONS = {
  concurrency: 4,
  retryDeadlineMs: 5 * 60_000,
  waitDeadlineMs: 60 * 60_000,
  pollIntervalMs: 5_000,
};

const existingPolicy: ScalingPolicy = {
  PolicyName: POLICY,
  ServiceNamespace: "sagemaker",
  ResourceId: RESOURCE_ID,
  ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
  PolicyType: "TargetTrackingScaling",
  PolicyARN: "arn:policy",
  CreationTime: new Date(0),
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 20,
    PredefinedMetricSpecification: {
      PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
    },
    ScaleInCooldown: 300,
    ScaleOutCooldown: 60,
    DisableScaleIn: false,
  },
};

/** The endpoint live on OLD_CONFIG (2 instances, scaled), NEW_CONFIG created by this apply. */
export function world(
  options: { oldType?: string; newType?: string; scaled?: boolean } = {},
): FakeSageMaker {
  const aws = fakeSageMaker();
  aws.addConfig(OLD_CONFIG, OLD_MODEL, options.oldType ?? "ml.m5.large");
  aws.addConfig(NEW_CONFIG, NEW_MODEL, options.newType ?? "ml.m5.large");
  aws.addEndpoint("pets", OLD_CONFIG);
  if (options.scaled !== false) {
    aws.targets.set(RESOURCE_ID, { min: 1, max: 3 });
    aws.policies.set(RESOURCE_ID, [existingPolicy]);
  }
  return aws;
}

export async function plan(aws: FakeSageMaker, node: Node) {
  const observed = await endpointHandler.read(node as never, aws.ctx);
  return { observed, change: observed && endpointHandler.diff(node as never, observed) };
}

/** Plans the endpoint node as computePlan does, then runs it through the executor. */
export async function apply(
  aws: FakeSageMaker,
  node: Node = endpointNode(),
): Promise<{ step: StepResult; planned: PlannedChange; plan: Plan }> {
  const { observed, change } = await plan(aws, node);
  const action = change?.action ?? "create";
  const built = testPlan([{ node, action, observed }]);
  const planned = built.plan.changes[0] as PlannedChange;
  if (change)
    Object.assign(planned, { reason: change.reason, changes: change.changes, risk: change.risk });
  const [step] = await executePlan(built.plan, built.observations, handlers, aws.ctx, OPTIONS);
  return { step: step as StepResult, planned, plan: built.plan };
}

/**
 * Plans the endpoint and its scaling node (the scaling replaced with the endpoint, as
 * computePlan does), then runs both through the executor.
 */
export async function applyWithScaling(
  aws: FakeSageMaker,
  nodes: Node[] = [endpointNode(), autoscalingNode()],
): Promise<{ steps: StepResult[]; planned: PlannedChange[] }> {
  const entries: Parameters<typeof testPlan>[0] = [];
  const diffs: (Change | undefined)[] = [];
  for (const node of nodes) {
    const handler = handlers[node.kind] as ResourceHandler;
    const observed = await handler.read(node, aws.ctx);
    const change = observed === undefined ? undefined : handler.diff(node, observed);
    entries.push({ node, action: change?.action ?? ("create" as const), observed });
    diffs.push(change);
  }
  const built = testPlan(entries);
  built.plan.changes.forEach((planned, i) => {
    const change = diffs[i];
    if (change)
      Object.assign(planned, { reason: change.reason, changes: change.changes, risk: change.risk });
  });
  replaceTriggered(built.plan.changes, handlers);
  const steps = await executePlan(built.plan, built.observations, handlers, aws.ctx, OPTIONS);
  return { steps, planned: built.plan.changes };
}

export const sagemakerMutations = (aws: FakeSageMaker) =>
  aws.mutating().filter((c) => c.startsWith("sagemaker:"));

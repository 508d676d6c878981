// autoscaling.variant against an in-memory Application Auto Scaling: read, field-by-field
// diff, exact requests, minimal calls per change, and the busy retry of the executor.
import { describe, expect, it } from "vitest";
import { executePlan } from "../../../actions/src/apply/execute.js";
import {
  autoscalingHandler,
  type AutoscalingObserved,
} from "../../../actions/src/resources/autoscaling/variant.js";
import type { HandlerRegistry } from "../../../actions/src/resources/registry.js";
import { awsError, testPlan } from "../engine/helpers.js";
import { fakeSageMaker } from "./fake-sagemaker.js";
import { POLICY, RESOURCE_ID, autoscalingNode } from "./nodes.js";

const handlers: HandlerRegistry = {
  [autoscalingHandler.kind]: autoscalingHandler,
};

const live: Required<AutoscalingObserved> = {
  min: 1,
  max: 3,
  policy: {
    name: POLICY,
    target: 20,
    scaleInCooldown: 300,
    scaleOutCooldown: 60,
    disableScaleIn: false,
    metric: "SageMakerVariantInvocationsPerInstance",
  },
  otherPolicies: {},
};

async function created() {
  const aws = fakeSageMaker();
  await autoscalingHandler.create(autoscalingNode(), aws.ctx);
  aws.calls.length = 0;
  return aws;
}

describe("autoscaling.variant", () => {
  it("reads nothing when the variant is not a scalable target", async () => {
    const aws = fakeSageMaker();
    expect(await autoscalingHandler.read(autoscalingNode(), aws.ctx)).toBeUndefined();
    expect(aws.inputs("autoscaling:DescribeScalableTargets")).toEqual([
      {
        ServiceNamespace: "sagemaker",
        ResourceIds: [RESOURCE_ID],
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      },
    ]);
  });

  it("creates: RegisterScalableTarget, then the target-tracking policy", async () => {
    const aws = fakeSageMaker();
    await autoscalingHandler.create(autoscalingNode(), aws.ctx);
    expect(aws.mutating()).toEqual([
      "autoscaling:RegisterScalableTarget",
      "autoscaling:PutScalingPolicy",
    ]);
    expect(aws.inputs("autoscaling:RegisterScalableTarget")).toEqual([
      {
        ServiceNamespace: "sagemaker",
        ResourceId: RESOURCE_ID,
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        MinCapacity: 1,
        MaxCapacity: 3,
      },
    ]);
    expect(aws.inputs("autoscaling:PutScalingPolicy")).toEqual([
      {
        ServiceNamespace: "sagemaker",
        ResourceId: RESOURCE_ID,
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        PolicyName: POLICY,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 20,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
          },
          ScaleInCooldown: 300,
          ScaleOutCooldown: 60,
          DisableScaleIn: false,
        },
      },
    ]);
  });

  it("reads back what it created, and plans no change", async () => {
    const aws = await created();
    const observed = await autoscalingHandler.read(autoscalingNode(), aws.ctx);
    expect(observed).toEqual(live);
    expect(autoscalingHandler.diff(autoscalingNode(), observed as AutoscalingObserved).action).toBe(
      "noop",
    );
  });

  it("diffs field by field", () => {
    const change = autoscalingHandler.diff(
      autoscalingNode({ maxCapacity: 6, targetInvocationsPerInstance: 50 }),
      live,
    );
    expect(change.action).toBe("update");
    expect(change.changes).toEqual([
      { path: "max", before: 3, after: 6 },
      { path: "policy.target", before: 20, after: 50 },
    ]);
    expect(change.risk).toEqual([]);
    expect(autoscalingHandler.diff(autoscalingNode({ minCapacity: 2 }), live).risk).toEqual([
      "cost-up",
    ]);
    const missing = autoscalingHandler.diff(autoscalingNode(), {
      min: 1,
      max: 3,
      otherPolicies: {},
    });
    expect(missing.reason).toContain(`policy ${POLICY} is missing`);
  });

  it("a maxCapacity change only re-registers the target (no policy call, nothing else)", async () => {
    const aws = await created();
    const node = autoscalingNode({ maxCapacity: 6 });
    await autoscalingHandler.update(node, live, autoscalingHandler.diff(node, live), aws.ctx);
    expect(aws.mutating()).toEqual(["autoscaling:RegisterScalableTarget"]);
    expect(aws.targets.get(RESOURCE_ID)).toEqual({ min: 1, max: 6 });
  });

  it("a policy change only puts the policy", async () => {
    const aws = await created();
    const node = autoscalingNode({ scaleInCooldownSeconds: 600, disableScaleIn: true });
    await autoscalingHandler.update(node, live, autoscalingHandler.diff(node, live), aws.ctx);
    expect(aws.mutating()).toEqual(["autoscaling:PutScalingPolicy"]);
    expect(await autoscalingHandler.read(node, aws.ctx)).toMatchObject({
      policy: { scaleInCooldown: 600, disableScaleIn: true },
    });
  });

  it("deletes with DeregisterScalableTarget (policies go with it); absent is done", async () => {
    const aws = await created();
    await autoscalingHandler.delete(autoscalingNode(), live, aws.ctx);
    expect(aws.mutating()).toEqual(["autoscaling:DeregisterScalableTarget"]);
    expect(aws.policies.get(RESOURCE_ID)).toBeUndefined();
    await autoscalingHandler.delete(autoscalingNode(), live, aws.ctx); // ObjectNotFoundException
  });

  it("ConcurrentUpdateException is retried by the executor", async () => {
    const aws = await created();
    aws.failNext(
      "autoscaling:RegisterScalableTarget",
      awsError("ConcurrentUpdateException", "You already have a pending update"),
      2,
    );
    const node = autoscalingNode({ maxCapacity: 5 });
    const { plan, observations } = testPlan([{ node, action: "update", observed: live }]);
    // The plan carries the changed fields; update() makes those (the handler contract).
    Object.assign(plan.changes[0] ?? {}, { changes: autoscalingHandler.diff(node, live).changes });
    const [step] = await executePlan(plan, observations, handlers, aws.ctx, {
      concurrency: 1,
      retryDeadlineMs: 60_000,
      waitDeadlineMs: 60_000,
      pollIntervalMs: 1000,
    });
    expect(step?.status).toBe("done");
    expect(aws.calls.filter((c) => c === "autoscaling:RegisterScalableTarget")).toHaveLength(3);
    expect(aws.targets.get(RESOURCE_ID)).toEqual({ min: 1, max: 5 });
  });
});

// autoscaling.variant: the endpoint variant as an Application Auto Scaling target (min/max
// instances) with one target-tracking policy on invocations per instance (per minute), and no
// other policy (one made by hand is planned away). Only
// Application Auto Scaling is called: changing the scaling never touches the endpoint.
import type { AutoscalingSpec } from "../../graph/sagemaker-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, ResourceHandler, Risk } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import {
  INVOCATIONS_METRIC,
  applyScaling,
  deletePolicies,
  deregisterTarget,
  putPolicy,
  readScaling,
  registerTarget,
  trackingConfiguration,
  type ScalingObserved,
} from "./variant-scaling.js";

export type AutoscalingObserved = ScalingObserved;

/** The spec in the shape read() reports, so the two compare field by field. */
export function desiredScaling(spec: AutoscalingSpec): Required<ScalingObserved> {
  return {
    min: spec.minCapacity,
    max: spec.maxCapacity,
    policy: {
      name: spec.policyName,
      target: spec.targetInvocationsPerInstance,
      scaleInCooldown: spec.scaleInCooldownSeconds,
      scaleOutCooldown: spec.scaleOutCooldownSeconds,
      disableScaleIn: spec.disableScaleIn,
      metric: INVOCATIONS_METRIC,
    },
    otherPolicies: {},
  };
}

export const autoscalingHandler: ResourceHandler<AutoscalingSpec, AutoscalingObserved> = {
  kind: "autoscaling.variant",
  ownership: "parent",
  // Deleting an endpoint takes its scaling off (AWS asks for that first): a replaced endpoint
  // gets it back from this node, planned "replace" with it.
  replacedWith: ["sagemaker.endpoint"],

  createSummary: (node) =>
    `${node.spec.minCapacity}-${node.spec.maxCapacity} instances, target ${node.spec.targetInvocationsPerInstance} invocations per instance per minute`,

  read: (node, ctx) => readScaling(ctx, node.spec.resourceId, node.spec.policyName),

  diff(node, observed): Change {
    const changes = diffFields(observed, desiredScaling(node.spec));
    if (changes.length === 0) return noop();
    const risk: Risk[] = node.spec.minCapacity > observed.min ? ["cost-up"] : [];
    return {
      action: "update",
      reason: observed.policy
        ? `scaling: ${differReason(changes)}`
        : `the target-tracking policy ${node.spec.policyName} is missing`,
      changes,
      risk,
    };
  },

  async create(node, ctx) {
    await applyScaling(ctx, node.spec);
    return desiredScaling(node.spec);
  },

  async update(node, observed, change, ctx) {
    // Only the calls the changed fields need (both are create-or-update, so a retry is safe).
    const desired = desiredScaling(node.spec);
    const changed = changedFields(change);
    if (changed.has("min") || changed.has("max")) {
      await registerTarget(ctx, node.spec.resourceId, desired.min, desired.max);
    }
    if (changed.has("policy")) {
      await putPolicy(
        ctx,
        node.spec.resourceId,
        node.spec.policyName,
        trackingConfiguration(node.spec),
      );
    }
    if (changed.has("otherPolicies"))
      await deletePolicies(ctx, node.spec.resourceId, Object.keys(observed.otherPolicies));
    return desired;
  },

  // Deregistering removes the target's policies with it.
  delete: (node, _observed, ctx) => deregisterTarget(ctx, node.spec.resourceId),
};

// Application Auto Scaling for one SageMaker production variant: read, register, put the
// target-tracking policy, deregister. Shared by the autoscaling.variant handler and by the
// endpoint handler, which must take scaling off a variant around an instance-type change and
// put it back afterwards (AWS refuses that update while the variant is a scalable target).
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingPolicy,
  type TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";
import { AwsOperationError, isNotFound, withContext } from "../../aws/errors.js";
import type { AutoscalingSpec } from "../../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../handler.js";

export const SERVICE_NAMESPACE = "sagemaker";
export const SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount";
export const INVOCATIONS_METRIC = "SageMakerVariantInvocationsPerInstance";

const scope = (resourceId: string) =>
  ({
    ServiceNamespace: SERVICE_NAMESPACE,
    ResourceId: resourceId,
    ScalableDimension: SCALABLE_DIMENSION,
  }) as const;

export const variantResourceId = (endpoint: string, variant: string): string =>
  `endpoint/${endpoint}/variant/${variant}`;

export interface PolicyObserved {
  name: string;
  target: number;
  scaleInCooldown?: number;
  scaleOutCooldown?: number;
  disableScaleIn: boolean;
  metric: string;
}

export interface ScalingObserved {
  min: number;
  max: number;
  /** Our target-tracking policy (by name); undefined when it is missing. */
  policy?: PolicyObserved;
  /** Every other policy on the variant (made by hand), by name: what it tracks. */
  otherPolicies: Record<string, PolicyObserved>;
}

/** What a variant's scaling looks like now, to put it back exactly if a deployment fails. */
export interface ScalingSnapshot {
  resourceId: string;
  min: number;
  max: number;
  policies: ScalingPolicy[];
}

/** AWS says "not registered" with ObjectNotFoundException, which errors.ts does not list. */
function isAbsent(error: unknown): boolean {
  return (
    isNotFound(error) ||
    (error as { name?: string } | undefined)?.name === "ObjectNotFoundException"
  );
}

export async function readTarget(
  ctx: Pick<HandlerContext, "clients">,
  resourceId: string,
): Promise<{ min: number; max: number } | undefined> {
  const out = await withContext(`reading the scalable target ${resourceId}`, () =>
    ctx.clients.autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: SERVICE_NAMESPACE,
        ResourceIds: [resourceId],
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    ),
  );
  const target = out.ScalableTargets?.find((t) => t.ResourceId === resourceId);
  return target ? { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 } : undefined;
}

export async function readPolicies(
  ctx: Pick<HandlerContext, "clients">,
  resourceId: string,
): Promise<ScalingPolicy[]> {
  const policies: ScalingPolicy[] = [];
  let next: string | undefined;
  do {
    const out = await withContext(`reading the scaling policies of ${resourceId}`, () =>
      ctx.clients.autoscaling.send(
        new DescribeScalingPoliciesCommand({
          ...scope(resourceId),
          ...(next !== undefined && { NextToken: next }),
        }),
      ),
    );
    policies.push(...(out.ScalingPolicies ?? []).filter((p) => p.ResourceId === resourceId));
    next = out.NextToken;
  } while (next !== undefined && next !== "");
  return policies;
}

export function policyObserved(policy: ScalingPolicy): PolicyObserved {
  const c = policy.TargetTrackingScalingPolicyConfiguration;
  return {
    name: policy.PolicyName ?? "",
    target: c?.TargetValue ?? 0,
    ...(c?.ScaleInCooldown !== undefined && { scaleInCooldown: c.ScaleInCooldown }),
    ...(c?.ScaleOutCooldown !== undefined && { scaleOutCooldown: c.ScaleOutCooldown }),
    disableScaleIn: c?.DisableScaleIn ?? false,
    metric:
      c?.PredefinedMetricSpecification?.PredefinedMetricType ??
      (c?.CustomizedMetricSpecification ? "custom" : ""),
  };
}

/** The target and our policy, or undefined when the variant is not a scalable target. */
export async function readScaling(
  ctx: HandlerContext,
  resourceId: string,
  policyName: string,
): Promise<ScalingObserved | undefined> {
  const [target, policies] = await Promise.all([
    readTarget(ctx, resourceId),
    readPolicies(ctx, resourceId),
  ]);
  if (!target) return undefined;
  const policy = policies.find((p) => p.PolicyName === policyName);
  const others = policies.filter((p) => p.PolicyName !== policyName);
  return {
    ...target,
    ...(policy && { policy: policyObserved(policy) }),
    otherPolicies: Object.fromEntries(others.map((p) => [p.PolicyName ?? "", policyObserved(p)])),
  };
}

export async function registerTarget(
  ctx: HandlerContext,
  resourceId: string,
  min: number,
  max: number,
): Promise<void> {
  await withContext(`registering the scalable target ${resourceId} (${min}-${max})`, () =>
    ctx.clients.autoscaling.send(
      new RegisterScalableTargetCommand({
        ...scope(resourceId),
        MinCapacity: min,
        MaxCapacity: max,
      }),
    ),
  );
}

export function trackingConfiguration(
  spec: AutoscalingSpec,
): TargetTrackingScalingPolicyConfiguration {
  return {
    TargetValue: spec.targetInvocationsPerInstance,
    PredefinedMetricSpecification: { PredefinedMetricType: INVOCATIONS_METRIC },
    ScaleInCooldown: spec.scaleInCooldownSeconds,
    ScaleOutCooldown: spec.scaleOutCooldownSeconds,
    DisableScaleIn: spec.disableScaleIn,
  };
}

export async function putPolicy(
  ctx: HandlerContext,
  resourceId: string,
  policyName: string,
  configuration: TargetTrackingScalingPolicyConfiguration,
): Promise<void> {
  await withContext(`putting the scaling policy ${policyName} on ${resourceId}`, () =>
    ctx.clients.autoscaling.send(
      new PutScalingPolicyCommand({
        ...scope(resourceId),
        PolicyName: policyName,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: configuration,
      }),
    ),
  );
}

/** Registers the target, then puts the policy: the whole desired scaling of a variant. */
export async function applyScaling(ctx: HandlerContext, spec: AutoscalingSpec): Promise<void> {
  await registerTarget(ctx, spec.resourceId, spec.minCapacity, spec.maxCapacity);
  await putPolicy(ctx, spec.resourceId, spec.policyName, trackingConfiguration(spec));
}

/**
 * Takes scaling off a variant: deletes its policies, then deregisters the target. Returns what
 * was there (to restore it), or undefined when the variant was not a scalable target.
 */
export async function removeScaling(
  ctx: HandlerContext,
  resourceId: string,
): Promise<ScalingSnapshot | undefined> {
  const target = await readTarget(ctx, resourceId);
  if (!target) return undefined;
  const policies = await readPolicies(ctx, resourceId);
  await deletePolicies(
    ctx,
    resourceId,
    policies.map((p) => p.PolicyName ?? ""),
  );
  await deregisterTarget(ctx, resourceId);
  ctx.logger.info(
    `${resourceId}: scaling removed (${policies.length} polic${policies.length === 1 ? "y" : "ies"}, ${target.min}-${target.max} instances)`,
  );
  return { resourceId, ...target, policies };
}

/** Deletes the named policies of a variant; one already gone counts as done. */
export async function deletePolicies(
  ctx: HandlerContext,
  resourceId: string,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    await ignoreAbsent(`deleting the scaling policy ${name} of ${resourceId}`, () =>
      ctx.clients.autoscaling.send(
        new DeleteScalingPolicyCommand({ ...scope(resourceId), PolicyName: name }),
      ),
    );
  }
}

/** Deregisters a target (AWS removes its policies with it); absent counts as done. */
export async function deregisterTarget(ctx: HandlerContext, resourceId: string): Promise<void> {
  await ignoreAbsent(`deregistering the scalable target ${resourceId}`, () =>
    ctx.clients.autoscaling.send(new DeregisterScalableTargetCommand(scope(resourceId))),
  );
}

/** Puts back what removeScaling() took off. */
export async function restoreScaling(
  ctx: HandlerContext,
  snapshot: ScalingSnapshot,
): Promise<void> {
  await registerTarget(ctx, snapshot.resourceId, snapshot.min, snapshot.max);
  for (const policy of snapshot.policies) {
    const configuration = policy.TargetTrackingScalingPolicyConfiguration;
    if (policy.PolicyType !== "TargetTrackingScaling" || !configuration) {
      ctx.logger.warn(
        `${snapshot.resourceId}: cannot restore the ${policy.PolicyType ?? "?"} policy ${policy.PolicyName ?? "?"}; put it back by hand`,
      );
      continue;
    }
    await putPolicy(ctx, snapshot.resourceId, policy.PolicyName ?? "", configuration);
  }
}

async function ignoreAbsent(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (isAbsent(error)) return;
    throw new AwsOperationError(what, error);
  }
}

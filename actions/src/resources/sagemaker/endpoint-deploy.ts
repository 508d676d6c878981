// Deploying a new endpoint config to the live endpoint, safely:
//   1. wait while the endpoint is busy (Creating/Updating/SystemUpdating/RollingBack);
//   2. if the instance type (or variant) changes, take auto-scaling off the old variant first
//      (AWS refuses that update for a scalable target);
//   3. UpdateEndpoint with the configured blue/green or rolling policy, keeping the scaled
//      instance count when auto-scaling is on;
//   4. wait, then VERIFY the cutover: SageMaker rolls a failed update back to InService on the
//      old config, often without a FailureReason, and its waiter calls that success;
//   5. only then put scaling back, record the deployment and delete superseded configs/models.
import {
  UpdateEndpointCommand,
  type DeploymentConfig as SdkDeploymentConfig,
} from "@aws-sdk/client-sagemaker";
import { withContext } from "../../aws/errors.js";
import { retryBusy } from "../../aws/retry.js";
import type { DeploymentConfig } from "../../config/types.js";
import type { Node } from "../../graph/graph.js";
import type { EndpointSpec } from "../../graph/sagemaker-nodes.js";
import {
  applyScaling,
  readTarget,
  removeScaling,
  restoreScaling,
  variantResourceId,
  type ScalingSnapshot,
} from "../autoscaling/variant-scaling.js";
import { describeAlarms } from "../cloudwatch/alarm.js";
import type { HandlerContext } from "../handler.js";
import { afterCutover } from "./endpoint-gc.js";
import {
  BUSY_STATUSES,
  brokenEndpoint,
  readEndpoint,
  requireConfig,
  scalingSpecOf,
  waitUntilSettled,
  type EndpointObserved,
} from "./endpoint-observe.js";
import { OperationalError } from "../../operational-errors.js";

/** How long a deployment may take: provisioning plus the policy's own baking and waits. */
export function deploymentDeadlineMs(d: DeploymentConfig): number {
  return (3600 + d.maxExecutionTimeoutSeconds + d.terminationWaitSeconds) * 1000;
}

/** Application Auto Scaling calls inside a deployment retry on their own (busy, throttled). */
const AAS_RETRY_MS = 3 * 60_000;

export class DeploymentFailedError extends OperationalError {
  override name = "DeploymentFailedError";
}

/** A deployment SageMaker rolled back because rollback alarms fired (named in `alarms`). */
export class DeploymentRolledBackError extends DeploymentFailedError {
  override name = "DeploymentRolledBackError";
  constructor(
    message: string,
    readonly alarms: readonly string[],
  ) {
    super(message);
  }
}

export class NeedsHumanError extends OperationalError {
  override name = "NeedsHumanError";
}

/** The UpdateEndpoint DeploymentConfig for the configured strategy. */
export function deploymentConfig(d: DeploymentConfig): SdkDeploymentConfig {
  const rollback =
    d.rollbackAlarms.length > 0
      ? {
          AutoRollbackConfiguration: {
            Alarms: d.rollbackAlarms.map((AlarmName) => ({ AlarmName })),
          },
        }
      : {};
  if (d.strategy === "rolling") {
    return {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: "CAPACITY_PERCENT", Value: d.maxBatchSize },
        WaitIntervalInSeconds: d.waitIntervalSeconds,
        MaximumExecutionTimeoutInSeconds: d.maxExecutionTimeoutSeconds,
      },
      ...rollback,
    };
  }
  const routing =
    d.traffic === "canary"
      ? {
          Type: "CANARY" as const,
          CanarySize: { Type: "CAPACITY_PERCENT" as const, Value: d.canarySize },
        }
      : d.traffic === "linear"
        ? {
            Type: "LINEAR" as const,
            LinearStepSize: { Type: "CAPACITY_PERCENT" as const, Value: d.linearStepSize },
          }
        : { Type: "ALL_AT_ONCE" as const };
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: { ...routing, WaitIntervalInSeconds: d.waitIntervalSeconds },
      TerminationWaitInSeconds: d.terminationWaitSeconds,
      MaximumExecutionTimeoutInSeconds: d.maxExecutionTimeoutSeconds,
    },
    ...rollback,
  };
}

/** Refuses to deploy to an endpoint in a state brokenEndpoint() names (the plan said so too). */
function refuseBroken(node: Node<EndpointSpec>, o: EndpointObserved): void {
  const broken = brokenEndpoint(o);
  if (!broken) return;
  const reason = broken.because;
  if (broken.remedy === "needs-human") {
    throw new NeedsHumanError(
      `endpoint ${node.name} is ${o.status}${reason}. This needs a human: it was not touched. Repair it in SageMaker (for example update it to a known-good endpoint config, or delete it), then plan again.`,
    );
  }
  throw new DeploymentFailedError(
    `endpoint ${node.name} is ${o.status}${reason}; it cannot be updated. Plan again: the plan replaces it (downtime).`,
  );
}

/** The update step: wait, deploy, verify, then clean up. Safe to call again after a busy error. */
export async function deployEndpoint(
  node: Node<EndpointSpec>,
  planned: EndpointObserved,
  ctx: HandlerContext,
): Promise<EndpointObserved> {
  const target = requireConfig(node);
  const deadline = deploymentDeadlineMs(node.spec.deployment);
  // Re-read: a retry after a busy error must not act on what the plan saw.
  let current = await readEndpoint(node, ctx);
  if (!current) throw new OperationalError(`endpoint ${node.name} no longer exists; plan again`);
  refuseBroken(node, current);
  if (BUSY_STATUSES.has(current.status)) {
    current = await waitUntilSettled(
      node,
      ctx,
      `${node.address}: waiting for ${current.status} to end`,
      deadline,
    );
    refuseBroken(node, current);
  }
  const previous = planned.endpointConfigName !== target ? planned : undefined;
  if (current.endpointConfigName === target) {
    // Already there: an update we waited for, or a retry after the cutover.
    await ensureScaling(node, ctx);
    await afterCutover(node, previous, ctx);
    return current;
  }
  if (planned.pendingEndpointConfigName === target) {
    throw new DeploymentFailedError(
      `the update of endpoint ${node.name} to ${target} that was in progress did not take: it is ${current.status} on ${current.endpointConfigName}${current.failureReason ? ` (${current.failureReason})` : ""}. Nothing was deleted; check the endpoint's events and logs before applying again.`,
    );
  }
  return updateTo(node, current, ctx);
}

async function updateTo(
  node: Node<EndpointSpec>,
  before: EndpointObserved,
  ctx: HandlerContext,
): Promise<EndpointObserved> {
  const spec = node.spec;
  const target = requireConfig(node);
  const sameVariant = before.variants.some((v) => v.name === spec.variantName);
  // "" = the old config cannot be read: assume the type changes rather than fail mid-update.
  const typeChanges = before.instanceType !== spec.instanceType;
  const aas = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retryBusy(what, fn, { deadlineMs: AAS_RETRY_MS, clock: ctx.clock, signal: ctx.signal });

  // AWS fails an update that changes a scaled variant's instance type, or removes it.
  const removed: ScalingSnapshot[] = [];
  if (typeChanges || !sameVariant) {
    for (const v of before.variants) {
      const resourceId = variantResourceId(node.name, v.name);
      const snapshot = await aas(`removing scaling from ${resourceId}`, () =>
        removeScaling(ctx, resourceId),
      );
      if (snapshot) removed.push(snapshot);
    }
  }
  const putBack = async (): Promise<void> => {
    for (const snapshot of removed) {
      try {
        await aas(`restoring scaling on ${snapshot.resourceId}`, () =>
          restoreScaling(ctx, snapshot),
        );
        ctx.logger.info(`${snapshot.resourceId}: scaling restored`);
      } catch (error) {
        ctx.logger.error(
          `${snapshot.resourceId}: could not restore its scaling (${(error as Error).message}); the next apply registers it again`,
        );
      }
    }
  };

  ctx.logger.info(
    `${node.address}: deploying ${before.endpointConfigName} -> ${target} (${describeDeployment(spec, sameVariant)})`,
  );
  try {
    await withContext(`updating endpoint ${node.name} to ${target}`, () =>
      ctx.clients.sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: node.name,
          EndpointConfigName: target,
          // Keep the scaled instance count (default false resets it to the initial count).
          RetainAllVariantProperties: spec.autoscaling !== undefined,
          // Blue/green guardrails need the same variant name in the old and the new config.
          ...(sameVariant && { DeploymentConfig: deploymentConfig(spec.deployment) }),
        }),
      ),
    );
  } catch (error) {
    await putBack();
    throw error;
  }

  const after = await waitUntilSettled(
    node,
    ctx,
    `${node.address}: deploying ${target}`,
    deploymentDeadlineMs(spec.deployment),
  );
  if (after.endpointConfigName !== target || after.status !== "InService") {
    if (after.status === "InService" || after.status === "Failed") await putBack();
    const fired =
      after.status === "InService" ? await firedAlarms(ctx, spec.deployment.rollbackAlarms) : [];
    throw cutoverError(node, before, after, target, fired);
  }
  ctx.logger.info(`${node.address}: cutover verified, ${node.name} serves ${target}`);
  if (removed.length > 0 || typeChanges) await ensureScaling(node, ctx, removed.length > 0);
  await afterCutover(node, before, ctx);
  return after;
}

/** The rollback alarms in ALARM now, with CloudWatch's reason: what rolled a deployment back. */
async function firedAlarms(ctx: HandlerContext, names: readonly string[]): Promise<string[]> {
  try {
    const alarms = await describeAlarms(ctx, names);
    return alarms
      .filter((a) => a.StateValue === "ALARM")
      .map((a) => `${a.AlarmName ?? "?"}${a.StateReason ? ` (${a.StateReason})` : ""}`);
  } catch (error) {
    // The rollback is the news; an unreadable alarm must not hide it.
    ctx.logger.warn(`could not read the rollback alarms: ${(error as Error).message}`);
    return [];
  }
}

function cutoverError(
  node: Node<EndpointSpec>,
  before: EndpointObserved,
  after: EndpointObserved,
  target: string,
  fired: readonly string[],
): Error {
  const kept = `It keeps ${before.endpointConfigName} (model ${before.modelName || "?"}); nothing was deleted.`;
  if (fired.length > 0) {
    return new DeploymentRolledBackError(
      `deployment of ${target} to endpoint ${node.name} was ROLLED BACK: rollback alarm ${fired.join(", ")} fired during the deployment, and SageMaker returned the endpoint to ${after.endpointConfigName}, InService. ${kept}`,
      fired,
    );
  }
  const reason = after.failureReason
    ? `FailureReason: ${after.failureReason}`
    : "SageMaker gave no FailureReason: check the endpoint's CloudWatch logs (/aws/sagemaker/Endpoints/" +
      `${node.name}) and the rollback alarms`;
  switch (after.status) {
    case "InService":
      return new DeploymentFailedError(
        `deployment of ${target} to endpoint ${node.name} FAILED: SageMaker rolled it back and the endpoint is InService on ${after.endpointConfigName}. ${reason}. ${kept}`,
      );
    case "UpdateRollbackFailed":
      return new NeedsHumanError(
        `deployment of ${target} to endpoint ${node.name} FAILED and so did the rollback: the endpoint is UpdateRollbackFailed (a mix of old and new variants). ${reason}. This needs a human; nothing was deleted.`,
      );
    default:
      return new DeploymentFailedError(
        `deployment of ${target} to endpoint ${node.name} FAILED: the endpoint is ${after.status}${after.endpointConfigName ? ` on ${after.endpointConfigName}` : ""}. ${reason}. ${kept}`,
      );
  }
}

/**
 * After a cutover: the variant is a scalable target with the configured policy again. `force`
 * when this deployment took scaling off; otherwise only when it is missing (a retry after a
 * failure between the cutover and the re-registration).
 */
async function ensureScaling(
  node: Node<EndpointSpec>,
  ctx: HandlerContext,
  force = false,
): Promise<void> {
  const scaling = scalingSpecOf(node);
  if (!scaling) return;
  const aas = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retryBusy(what, fn, { deadlineMs: AAS_RETRY_MS, clock: ctx.clock, signal: ctx.signal });
  if (!force && (await readTarget(ctx, scaling.resourceId)) !== undefined) return;
  await aas(`registering scaling on ${scaling.resourceId}`, () => applyScaling(ctx, scaling));
  ctx.logger.info(
    `${scaling.resourceId}: scaling registered again (${scaling.minCapacity}-${scaling.maxCapacity})`,
  );
}

function describeDeployment(spec: EndpointSpec, sameVariant: boolean): string {
  const d = spec.deployment;
  const how = !sameVariant
    ? "variant renamed: no deployment guardrails"
    : d.strategy === "rolling"
      ? `rolling, batches of ${d.maxBatchSize}%`
      : `blue/green ${d.traffic}${d.traffic === "canary" ? ` ${d.canarySize}%` : d.traffic === "linear" ? ` ${d.linearStepSize}% steps` : ""}`;
  const alarms = d.rollbackAlarms.length > 0 ? `, rollback on ${d.rollbackAlarms.join(", ")}` : "";
  return `${how}${alarms}${spec.autoscaling ? ", keeping the scaled instance count" : ""}`;
}

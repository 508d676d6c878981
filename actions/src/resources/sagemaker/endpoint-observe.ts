// What the endpoint looks like (DescribeEndpoint + the serving config's variant), and the small
// pieces the handler and the deployment share: busy statuses, the poller, the scaling spec.
import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from "@aws-sdk/client-sagemaker";
import type { DeploymentRecord } from "../state-records.js";
import { pollInterval, waitIn } from "../../wait.js";
import { readOrUndefined } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import {
  scalingPolicyName,
  type AutoscalingSpec,
  type EndpointSpec,
} from "../../graph/sagemaker-nodes.js";
import type { HandlerContext } from "../handler.js";
import { variantResourceId } from "../autoscaling/variant-scaling.js";
import { OperationalError } from "../../operational-errors.js";

export interface EndpointObserved {
  name: string;
  status: string;
  endpointConfigName: string;
  /** The config an update in flight moves to (DescribeEndpoint.PendingDeploymentSummary). */
  pendingEndpointConfigName?: string;
  /** Of the serving config's variant; "" when that config can no longer be read. */
  instanceType: string;
  modelName: string;
  failureReason?: string;
  /**
   * The variants by name. Their live instance counts are left out on purpose: auto-scaling
   * moves them at any time, and they would make every saved plan stale ("live state changed").
   */
  variants: { name: string }[];
  /** As SageMaker returned it (its tags are read under it when the name's ARN finds none). */
  arn?: string;
  /** Its tags, as the handler's read() lists them (absent while polling). */
  tags?: Record<string, string>;
  /**
   * From the state record's deployment history: when and how the served model was deployed,
   * and when the model the config asks for last served before. Set by the handler's read().
   */
  history?: DeploymentHistory;
}

export interface DeploymentHistory {
  served?: Pick<DeploymentRecord, "at" | "origin">;
  /** The last deployment of the desired model before the one serving now. */
  desiredDeployedBefore?: string;
}

/** What the state record says about the served and the desired model. */
export function deploymentHistory(
  deployments: readonly DeploymentRecord[],
  servedModel: string,
  desiredModel: string | undefined,
): DeploymentHistory | undefined {
  const newestFirst = [...deployments].reverse();
  const servedIndex = newestFirst.findIndex((d) => d.model === servedModel);
  const served = newestFirst[servedIndex];
  const before =
    desiredModel === undefined || desiredModel === servedModel
      ? undefined
      : newestFirst.slice(servedIndex + 1).find((d) => d.model === desiredModel);
  if (!served && !before) return undefined;
  return {
    ...(served && { served: { at: served.at, ...(served.origin && { origin: served.origin }) } }),
    ...(before && { desiredDeployedBefore: before.at }),
  };
}

/** Statuses that end by themselves; no change is accepted meanwhile. */
export const BUSY_STATUSES = new Set(["Creating", "Updating", "SystemUpdating", "RollingBack"]);

/**
 * The one rule for an endpoint no deployment can start from, used by the plan (diffEndpoint)
 * and by apply (deployEndpoint refuses it):
 * - `needs-human`: UpdateRollbackFailed (a mix of old and new variants) or OutOfService; nothing
 *   the tool can do is safe, so it is left untouched until someone repairs it;
 * - `replace`: Failed (SageMaker only allows deleting it) or Deleting: it is deleted (or its
 *   deletion waited for) and created again, with downtime.
 */
export function brokenEndpoint(
  o: Pick<EndpointObserved, "status" | "failureReason">,
): { remedy: "needs-human" | "replace"; because: string } | undefined {
  const because = o.failureReason ? `: ${o.failureReason}` : " (SageMaker gave no FailureReason)";
  switch (o.status) {
    case "UpdateRollbackFailed":
    case "OutOfService":
      return { remedy: "needs-human", because };
    case "Failed":
    case "Deleting":
      return { remedy: "replace", because };
    default:
      return undefined;
  }
}

/** Poll interval for endpoint transitions: readiness is noticed within 10 s. */
export const endpointPollMs = (): number => pollInterval(10_000);

export function requireConfig(node: Node<EndpointSpec>): string {
  const config = node.spec.endpointConfigName;
  if (config === undefined)
    // Internal invariant: the planner prepares every node before it is read or applied.
    throw new Error(`${node.address} was not prepared (no endpoint config)`);
  return config;
}

export async function readEndpoint(
  node: Node<EndpointSpec>,
  ctx: HandlerContext,
): Promise<EndpointObserved | undefined> {
  const { sagemaker } = ctx.clients;
  const out = await readOrUndefined(`reading endpoint ${node.name}`, () =>
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: node.name })),
  );
  if (!out) return undefined;
  const configName = out.EndpointConfigName ?? "";
  const config =
    configName === ""
      ? undefined
      : await readOrUndefined(`reading endpoint config ${configName}`, () =>
          sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
        );
  const configVariants = config?.ProductionVariants ?? [];
  const variant =
    configVariants.find((v) => v.VariantName === node.spec.variantName) ?? configVariants[0];
  const pending = out.PendingDeploymentSummary?.EndpointConfigName;
  const names = (out.ProductionVariants ?? configVariants).map((v) => v.VariantName ?? "");
  return {
    name: node.name,
    ...(out.EndpointArn !== undefined && { arn: out.EndpointArn }),
    status: out.EndpointStatus ?? "",
    endpointConfigName: configName,
    ...(pending !== undefined && pending !== "" && { pendingEndpointConfigName: pending }),
    instanceType: variant?.InstanceType ?? "",
    modelName: variant?.ModelName ?? "",
    ...(out.FailureReason !== undefined &&
      out.FailureReason !== "" && { failureReason: out.FailureReason }),
    variants: names.sort().map((name) => ({ name })),
  };
}

/** The autoscaling node's spec, rebuilt from the endpoint's (same names, same values). */
export function scalingSpecOf(node: Node<EndpointSpec>): AutoscalingSpec | undefined {
  const a = node.spec.autoscaling;
  if (!a) return undefined;
  return {
    resourceId: variantResourceId(node.name, node.spec.variantName),
    minCapacity: a.minCapacity,
    maxCapacity: a.maxCapacity,
    policyName: scalingPolicyName(node.tags["mlops:project"] ?? ""),
    targetInvocationsPerInstance: a.targetInvocationsPerInstance,
    scaleInCooldownSeconds: a.scaleInCooldownSeconds,
    scaleOutCooldownSeconds: a.scaleOutCooldownSeconds,
    disableScaleIn: a.disableScaleIn,
  };
}

/** Polls until the endpoint is in no busy status (or gone); returns what it then is. */
export async function waitUntilSettled(
  node: Node<EndpointSpec>,
  ctx: HandlerContext,
  what: string,
  deadlineMs: number,
): Promise<EndpointObserved> {
  const settled = await waitIn(ctx, {
    what,
    poll: () => readEndpoint(node, ctx),
    status: (o) => (o !== undefined && BUSY_STATUSES.has(o.status) ? "pending" : "ready"),
    describe: (o) =>
      o === undefined
        ? "gone"
        : [o.status, o.pendingEndpointConfigName && `to ${o.pendingEndpointConfigName}`]
            .filter(Boolean)
            .join(" "),
    intervalMs: endpointPollMs(),
    deadlineMs,
  });
  if (!settled) throw new OperationalError(`endpoint ${node.name} disappeared while ${what}`);
  return settled;
}

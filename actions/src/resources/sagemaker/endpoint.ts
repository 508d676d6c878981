// sagemaker.endpoint: the one endpoint of the project, updated in place. It serves the endpoint
// config the graph derives from the trained model; a different config is a deployment (see
// endpoint-deploy.ts), verified after the fact because SageMaker rolls back silently.
import { CreateEndpointCommand, DeleteEndpointCommand } from "@aws-sdk/client-sagemaker";
import { waitIn } from "../../wait.js";
import { deleteIfPresent, withContext } from "../../aws/errors.js";
import type { EndpointSpec } from "../../graph/sagemaker-nodes.js";
import { removeScaling, variantResourceId } from "../autoscaling/variant-scaling.js";
import { dependencyOf } from "../kinds.js";
import type { Change, ModelRollback, ResourceHandler, Risk, Status } from "../handler.js";
import { changedFields, noop } from "../handler.js";
import { tagsToList } from "../tags.js";
import { deployEndpoint } from "./endpoint-deploy.js";
import { recordDeployment } from "./endpoint-gc.js";
import { readSageMakerTags, retag, withTagChange } from "./sagemaker-tags.js";
import {
  BUSY_STATUSES,
  brokenEndpoint,
  deploymentHistory,
  endpointPollMs,
  readEndpoint,
  requireConfig,
  type EndpointObserved,
} from "./endpoint-observe.js";
import { overridesText } from "../../graph/train-run.js";

export type { EndpointObserved } from "./endpoint-observe.js";

const DELETE_DEADLINE_MS = 30 * 60_000;

export const endpointHandler: ResourceHandler<EndpointSpec, EndpointObserved> = {
  kind: "sagemaker.endpoint",
  ownership: "tags",

  prepare(node, _ctx, deps) {
    const config = dependencyOf(node, deps, "sagemaker.endpoint-config");
    const spec: EndpointSpec = {
      ...node.spec,
      endpointConfigName: config.name,
      ...(config.spec.modelName !== undefined && { modelName: config.spec.modelName }),
    };
    return Promise.resolve({ ...node, spec });
  },

  createSummary: (node) =>
    `serves ${node.spec.endpointConfigName ?? "?"} on ${node.spec.instanceType}${node.spec.autoscaling ? ` (auto-scaled ${node.spec.autoscaling.minCapacity}-${node.spec.autoscaling.maxCapacity})` : ""}`,

  async read(node, ctx) {
    // The tags are read alongside (the ARN is known from the name); SageMaker refuses to list
    // the tags of a missing endpoint, which matters only when the endpoint exists.
    const [found, deployments, tags] = await Promise.all([
      readEndpoint(node, ctx),
      ctx.state?.deployments(),
      readSageMakerTags("endpoint", node, ctx).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    ]);
    // The name's (lowercase) ARN is asked first, alongside; SageMaker has also answered with
    // as-named ARNs, so when that finds nothing the ARN it returned is asked.
    const listed =
      found && !("value" in tags && tags.value) && found.arn !== undefined
        ? await readSageMakerTags("endpoint", node, ctx, found.arn).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          )
        : tags;
    if (found && "error" in listed) throw listed.error;
    const observed =
      found && "value" in listed && listed.value ? { ...found, tags: listed.value } : found;
    if (!observed || !deployments) return observed;
    const history = deploymentHistory(deployments, observed.modelName, node.spec.modelName);
    return history ? { ...observed, history } : observed;
  },

  diff: (node, observed) =>
    withTagChange(diffEndpoint(node.spec, observed), node.tags, observed.tags),

  async create(node, ctx) {
    const spec = node.spec;
    const config = requireConfig(node);
    await withContext(`creating endpoint ${node.name}`, () =>
      ctx.clients.sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: node.name,
          EndpointConfigName: config,
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    // The first model served starts the deployment history that tells rollbacks apart.
    await recordDeployment(node, ctx);
    return {
      name: node.name,
      status: "Creating",
      endpointConfigName: config,
      instanceType: spec.instanceType,
      modelName: spec.modelName ?? "",
      variants: [{ name: spec.variantName }],
    };
  },

  async update(node, observed, change, ctx) {
    const fields = changedFields(change);
    // A change of tags alone (a project renamed, an adoption) deploys nothing. What the endpoint
    // serves is appended to the deployment history when its last record names another config
    // (an adopted endpoint, a lost record), so a later plan tells a return to it as a rollback.
    const tagsOnly = fields.size === 1 && fields.has("tags");
    if (tagsOnly) await recordDeployment(node, ctx);
    const after = tagsOnly ? observed : await deployEndpoint(node, observed, ctx);
    if (!fields.has("tags") || !observed.tags) return after;
    await retag("endpoint", node, observed.tags, ctx, observed.arn);
    return { ...after, tags: node.tags };
  },

  async delete(node, observed, ctx) {
    // AWS asks for scaling to be removed first (it would also try to, with our permissions). A
    // replacement gets it back from the autoscaling node, which the planner replaces with this.
    const variants = new Set([...observed.variants.map((v) => v.name), node.spec.variantName]);
    for (const variant of variants) await removeScaling(ctx, variantResourceId(node.name, variant));
    if (observed.status !== "Deleting") {
      await deleteIfPresent(`deleting endpoint ${node.name}`, () =>
        ctx.clients.sagemaker.send(new DeleteEndpointCommand({ EndpointName: node.name })),
      );
    }
    // A replacement creates the same name next, which SageMaker refuses until this one is gone.
    await waitIn(ctx, {
      what: `${node.address}: deleting ${node.name}`,
      poll: () => readEndpoint(node, ctx),
      status: (o) => (o === undefined ? "ready" : "pending"),
      describe: (o) => (o === undefined ? "deleted" : o.status),
      intervalMs: endpointPollMs(),
      deadlineMs: DELETE_DEADLINE_MS,
    });
  },

  status: endpointStatus,
};

export function endpointStatus(observed: EndpointObserved): Status {
  if (BUSY_STATUSES.has(observed.status)) return "pending";
  return observed.status === "InService" ? "ready" : "failed";
}

export function diffEndpoint(spec: EndpointSpec, observed: EndpointObserved): Change {
  const desired = spec.endpointConfigName ?? "";
  const onDesired =
    observed.endpointConfigName === desired || observed.pendingEndpointConfigName === desired;
  const changes = [
    { path: "endpointConfigName", before: observed.endpointConfigName, after: desired },
    ...(observed.instanceType !== spec.instanceType
      ? [
          {
            path: "instanceType",
            before: observed.instanceType || "(unknown)",
            after: spec.instanceType,
          },
        ]
      : []),
    ...(observed.variants.some((v) => v.name === spec.variantName)
      ? []
      : [
          {
            path: "variantName",
            before: observed.variants.map((v) => v.name).join(", "),
            after: spec.variantName,
          },
        ]),
  ];
  const broken = brokenEndpoint(observed);
  if (broken?.remedy === "needs-human") {
    // A refusal: planned so that the plan shows it and apply stops here (update() refuses).
    return {
      action: "update",
      actionReason: "needs-human",
      reason: `the endpoint is ${observed.status}${broken.because}${observed.status === "UpdateRollbackFailed" ? " (it serves a mix of old and new variants)" : ""}. Apply stops here without touching it; repair it in SageMaker (e.g. update it to a known-good config), then plan again`,
      changes: [],
      risk: ["downtime"],
    };
  }
  switch (observed.status) {
    case "Failed":
      return {
        action: "replace",
        actionReason: "broken",
        reason: `ENDPOINT IS FAILED${broken?.because ?? ""}. SageMaker only allows deleting a Failed endpoint: it is deleted and created again on ${desired}, and serves nothing until the new one is InService`,
        changes: observed.endpointConfigName === desired ? [] : changes,
        risk: ["downtime"],
      };
    case "Deleting":
      return {
        action: "replace",
        actionReason: "broken",
        reason: `the endpoint is being deleted; it is created again on ${desired} once it is gone`,
        changes: [],
        risk: ["downtime"],
      };
    case "InService":
      if (onDesired) return noop(`serving ${desired}`);
      return update(spec, observed, changes, `deploy ${observed.endpointConfigName} -> ${desired}`);
    default: // Creating, Updating, SystemUpdating, RollingBack
      if (onDesired) {
        return {
          action: "wait",
          reason: `${observed.status} towards ${desired}: wait for it, then verify the cutover`,
          changes: [],
          risk: [],
        };
      }
      return update(
        spec,
        observed,
        changes,
        `${observed.status} now; once done, deploy ${observed.endpointConfigName} -> ${desired}`,
      );
  }
}

function update(
  spec: EndpointSpec,
  observed: EndpointObserved,
  changes: Change["changes"],
  reason: string,
): Change {
  const risk: Risk[] = isBigger(spec.instanceType, observed.instanceType) ? ["cost-up"] : [];
  const scaled = spec.autoscaling !== undefined && observed.instanceType !== spec.instanceType;
  const rollback = rollbackOf(spec, observed);
  if (rollback) risk.push("rollback");
  const modelChange =
    observed.modelName && spec.modelName && observed.modelName !== spec.modelName
      ? ` (model ${observed.modelName} -> ${spec.modelName})`
      : "";
  return {
    action: "update",
    reason: `${reason}${modelChange}${rollback ? "" : supersededRetrain(spec, observed)}`,
    changes,
    risk,
    ...(rollback && { rollback }),
    summary: `${spec.deployment.strategy} ${spec.deployment.strategy === "rolling" ? `in batches of ${spec.deployment.maxBatchSize}%` : spec.deployment.traffic}${spec.autoscaling ? ", keeping the scaled instance count" : ""}${scaled ? "; scaling is deregistered for the instance-type change and registered again" : ""}`,
  };
}

/**
 * A model change back to a model the endpoint served before: the usual shape is the next config
 * apply after `mlops train` deployed a retrain the config does not name. A retrain's own
 * deployment is the decision itself, never a rollback; a config whose training inputs moved on
 * to a new model supersedes the retrain (see supersededRetrain) rather than rolling it back.
 */
function rollbackOf(spec: EndpointSpec, observed: EndpointObserved): ModelRollback | undefined {
  const { history } = observed;
  if (spec.origin || !history || !spec.modelName || observed.modelName === spec.modelName)
    return undefined;
  if (history.desiredDeployedBefore === undefined) return undefined;
  const retrain = history.served?.origin;
  return {
    fromModel: observed.modelName,
    toModel: spec.modelName,
    ...(history.served && { fromDeployedAt: history.served.at }),
    ...(retrain && { fromRetrain: retrain }),
    toDeployedBefore: history.desiredDeployedBefore,
  };
}

/** Words for a new model from the config replacing one that `mlops train` deployed. */
function supersededRetrain(spec: EndpointSpec, observed: EndpointObserved): string {
  const retrain = observed.history?.served?.origin;
  if (spec.origin || !retrain || observed.modelName === spec.modelName) return "";
  const settings = overridesText(retrain.overrides);
  return `; replaces the model \`mlops train\` deployed at ${observed.history?.served?.at ?? "?"}${settings ? ` with ${settings}` : ""}`;
}

const SIZES = ["nano", "micro", "small", "medium", "large", "xlarge"];

/** Whether `after` is a larger size of the same family (ml.m5.large -> ml.m5.2xlarge). */
export function isBigger(after: string, before: string): boolean {
  const parse = (t: string): { family: string; rank: number } | undefined => {
    const m = /^ml\.([a-z0-9-]+)\.(\d*)(\w+)$/.exec(t);
    if (!m?.[1] || !m[3]) return undefined;
    const base = SIZES.indexOf(m[3]);
    if (base < 0) return undefined;
    return { family: m[1], rank: m[2] ? base + Number(m[2]) : base };
  };
  const a = parse(after);
  const b = parse(before);
  return a !== undefined && b !== undefined && a.family === b.family && a.rank > b.rank;
}

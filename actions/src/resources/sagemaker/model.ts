// sagemaker.model: the trained model in the PyTorch inference container. Immutable and named
// from its content (training fingerprint, image, role), so it exists or is created; the quality
// gate is checked here, before anything downstream can serve a model that failed it. A model the
// config serves (model.serve) may be an existing one, adopted while it is exactly that model.
import {
  CreateModelCommand,
  DeleteModelCommand,
  DescribeModelCommand,
} from "@aws-sdk/client-sagemaker";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import { modelName, TRAINING, type ModelSpec } from "../../graph/sagemaker-nodes.js";
import { derivedNames } from "../../aws/naming.js";
import { checkGate } from "../../training/metrics.js";
import type { TrainingObserved } from "../../training/sagemaker-job.js";
import { describeVersion } from "../../registry/versions.js";
import type { TrainingRecord } from "../state-records.js";
import { describeJob } from "../../training/sagemaker-runner.js";
import { dependencyOf } from "../kinds.js";
import type { HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { tagsToList, type Tags } from "../tags.js";
import { readSageMakerTags, retag, withTagChange } from "./sagemaker-tags.js";
import { OperationalError } from "../../operational-errors.js";

export interface ModelObserved {
  name: string;
  artifact: string;
  image: string;
  /** As SageMaker returned it: tags are read and written under it. */
  arn?: string;
  tags?: Tags;
}

export class QualityGateError extends OperationalError {
  override name = "QualityGateError";
}

/** The PyTorch inference container's contract for a model.tar.gz that carries its code. */
export function inferenceEnvironment(region: string): Record<string, string> {
  return {
    SAGEMAKER_PROGRAM: "inference.py",
    SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
    SAGEMAKER_REGION: region,
    SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
  };
}

export const modelHandler: ResourceHandler<ModelSpec, ModelObserved> = {
  kind: "sagemaker.model",
  ownership: "tags",

  async prepare(node, ctx, deps) {
    const project = node.tags["mlops:project"] ?? "";
    // An environment's model: the registry version chosen for it, no training run here.
    if (node.spec.registered) return { ...node, name: modelName(project, node.spec) };
    const served = node.spec.served;
    if (served) {
      const name = modelName(project, node.spec);
      if (served.adopt === undefined) return { ...node, name };
      const adopt = served.adopt.name;
      const notAdopted = await whyNotAdopt(adopt, node.spec, ctx);
      if (notAdopted === undefined) return { ...node, name: adopt };
      const spec = { ...node.spec, served: { ...served, adopt: { name: adopt, notAdopted } } };
      return { ...node, name, spec };
    }
    const training = dependencyOf(node, deps, "training.run");
    const fingerprint = training.spec.fingerprint;
    if (fingerprint === undefined)
      // Internal invariant: the graph builder always adds this dependency, prepared first.
      throw new Error(`${node.address} needs a prepared ${TRAINING}`);
    const spec: ModelSpec = { ...node.spec, trainingFingerprint: fingerprint };
    return { ...node, name: modelName(training.spec.project, spec), spec };
  },

  createSummary(node) {
    const served = node.spec.served;
    if (served)
      return (
        `serves ${served.artifact}` +
        (served.adopt?.notAdopted !== undefined
          ? ` (not adopting ${served.adopt.name}: ${served.adopt.notAdopted})`
          : "")
      );
    const gate = node.spec.qualityGate;
    return (
      `serves the model trained from ${node.spec.trainingFingerprint?.slice(0, 8) ?? "?"}` +
      (gate
        ? `, if ${gate.metric} ${gate.min !== undefined ? `>= ${gate.min}` : `<= ${String(gate.max)}`}`
        : "")
    );
  },

  async read(node, ctx) {
    const out = await readOrUndefined(`reading model ${node.name}`, () =>
      ctx.clients.sagemaker.send(new DescribeModelCommand({ ModelName: node.name })),
    );
    if (!out) return undefined;
    const tags = await readSageMakerTags("model", node, ctx, out.ModelArn);
    return {
      name: node.name,
      artifact: out.PrimaryContainer?.ModelDataUrl ?? "",
      image: out.PrimaryContainer?.Image ?? "",
      ...(out.ModelArn !== undefined && { arn: out.ModelArn }),
      ...(tags && { tags }),
    };
  },

  // Named from its content (or adopted only when identical): if it exists, it is what we want,
  // but for the ownership tags.
  diff: (node, observed) =>
    withTagChange(noop("immutable, named from its content"), node.tags, observed.tags),

  async create(node, ctx) {
    const artifact = node.spec.registered
      ? await registeredArtifact(node, ctx)
      : (node.spec.served?.artifact ?? (await trainedArtifact(node, ctx)));
    await withContext(`creating model ${node.name}`, () =>
      ctx.clients.sagemaker.send(
        new CreateModelCommand({
          ModelName: node.name,
          ExecutionRoleArn: node.spec.roleArn,
          PrimaryContainer: {
            Image: node.spec.image,
            ModelDataUrl: artifact,
            Environment: containerEnvironment(node.spec),
          },
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    return { name: node.name, artifact, image: node.spec.image, tags: node.tags };
  },

  // Only the tags change in place (an adoption, a renamed project).
  async update(node, observed, _change, ctx) {
    if (!observed.tags) return observed;
    await retag("model", node, observed.tags, ctx, observed.arn);
    return { ...observed, tags: node.tags };
  },

  async delete(node, _observed, { clients: { sagemaker } }) {
    await deleteIfPresent(`deleting model ${node.name}`, () =>
      sagemaker.send(new DeleteModelCommand({ ModelName: node.name })),
    );
  },
};

/** The container's environment: the served model's own, else the inference.py contract. */
function containerEnvironment(spec: ModelSpec): Record<string, string> {
  return spec.served?.environment ?? inferenceEnvironment(spec.region);
}

/**
 * Why the existing model `name` is not the one `spec` would create (undefined: it is, and is
 * adopted): SageMaker models never change, so anything else is served by a model of our own.
 */
async function whyNotAdopt(
  name: string,
  spec: ModelSpec,
  ctx: HandlerContext,
): Promise<string | undefined> {
  const out = await readOrUndefined(`reading model ${name}`, () =>
    ctx.clients.sagemaker.send(new DescribeModelCommand({ ModelName: name })),
  );
  if (!out) return "it does not exist";
  const container = out.PrimaryContainer;
  const differs = [
    container?.Image !== spec.image && "image",
    container?.ModelDataUrl !== spec.served?.artifact && "artifact",
    !sameMap(container?.Environment ?? {}, containerEnvironment(spec)) && "environment",
    out.ExecutionRoleArn !== spec.roleArn && "role",
    // What mlops never sets: a model that has it is not one mlops would create.
    (out.Containers?.length ?? 0) > 0 && "containers",
    container?.Mode === "MultiModel" && "multi-model mode",
    container?.ImageConfig !== undefined && "image config",
    out.InferenceExecutionConfig !== undefined && "inference execution",
    (out.VpcConfig?.Subnets?.length ?? 0) > 0 && "VPC",
    out.EnableNetworkIsolation === true && "network isolation",
  ].filter((d): d is string => d !== false);
  return differs.length === 0 ? undefined : `it differs from model.serve in ${differs.join(", ")}`;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, v]) => b[k] === v);

/** The artifact of the training run this model is named after, once it passed the gate. */
async function trainedArtifact(node: Node<ModelSpec>, ctx: HandlerContext): Promise<string> {
  const fingerprint = node.spec.trainingFingerprint ?? "";
  const run = await findCompletedRun(fingerprint, node.tags["mlops:project"] ?? "", ctx);
  if (!run?.artifact || run.status !== "Completed") {
    throw new OperationalError(
      `${node.address}: no completed training run with fingerprint ${fingerprint.slice(0, 8)} is recorded`,
    );
  }
  const gate = node.spec.qualityGate;
  if (gate) {
    const verdict = checkGate(gate, run.metrics ?? {});
    if (!verdict) {
      throw new QualityGateError(
        `quality gate: ${run.job} reported no ${gate.metric} (it reported ${Object.keys(run.metrics ?? {}).join(", ") || "nothing"}); not deploying`,
      );
    }
    if (!verdict.passed)
      throw new QualityGateError(
        `${verdict.message} (job ${run.job}); not deploying, the endpoint keeps its current model`,
      );
    ctx.logger.info(`${node.address}: ${verdict.message}`);
  }
  return run.artifact;
}

/**
 * The registry version an environment deploys, checked again now: an environment that needs
 * approval deploys only a version that is Approved at this moment (approval can be withdrawn
 * between plan and apply), and only the artifact and image the version names.
 */
async function registeredArtifact(node: Node<ModelSpec>, ctx: HandlerContext): Promise<string> {
  const registered = node.spec.registered;
  if (!registered) throw new Error(`${node.address} has no registry version`); // Internal invariant.
  const version = await describeVersion(ctx.clients.sagemaker, registered.packageArn);
  if (!version) {
    throw new OperationalError(
      `${node.address}: model version ${registered.version} (${registered.packageArn}) is no longer in the registry; make a new plan`,
    );
  }
  if (registered.requireApproval && version.status !== "Approved") {
    throw new OperationalError(
      `${node.address}: model version ${registered.version} is ${version.status}, not Approved; this environment deploys only approved versions (mlops promote)`,
    );
  }
  if (version.artifact !== registered.artifact || version.image !== node.spec.image) {
    throw new OperationalError(
      `${node.address}: model version ${registered.version} now names another artifact or image than the plan; make a new plan`,
    );
  }
  return version.artifact;
}

/**
 * The completed training run with this fingerprint. The state record is a cache: if it was
 * lost, the SageMaker job (named from the fingerprint) still says where its model is.
 */
export async function findCompletedRun(
  fingerprint: string,
  project: string,
  ctx: HandlerContext,
): Promise<TrainingRecord | TrainingObserved | undefined> {
  const recorded = await ctx.state?.trainingRun(fingerprint);
  if (recorded) return recorded;
  let latest: TrainingObserved | undefined;
  for (let attempt = 1; attempt <= 50; attempt++) {
    const seen = await describeJob(
      derivedNames.trainingJob(project, fingerprint.slice(0, 8), attempt),
      fingerprint,
      attempt,
      ctx,
    );
    if (!seen) break;
    if (seen.status === "Completed") latest = seen;
  }
  return latest;
}

// sagemaker.model-package: the training run registered as a version of the project's model
// package group, once. Keyed on the run's fingerprint (whatever produced the run: a plain
// training or a tuning job's best trial), found again through the state record or, if that was
// lost, the version's metadata; the fingerprint is also the request's ClientToken, so a create
// retried after a lost answer does not register the run twice.
//
// A run that fails the quality gate is registered too, as Rejected with the reason in its
// description and metadata: reviewers see every attempt with its metrics, nothing deploys a
// Rejected version, and the next plan does not try again (the version exists). The apply still
// fails on it, so the workflow stops before staging.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { ModelPackageSpec } from "../../graph/registry-nodes.js";
import { TRAINING } from "../../graph/sagemaker-nodes.js";
import { OperationalError } from "../../operational-errors.js";
import {
  describeVersion,
  findRegistration,
  META,
  metricsText,
  type ApprovalStatus,
} from "../../registry/versions.js";
import { provenance } from "../../registry/provenance.js";
import { checkGate } from "../../training/metrics.js";
import type { HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { dependencyOf } from "../kinds.js";
import { tagsToList } from "../tags.js";
import { findCompletedRun, inferenceEnvironment, QualityGateError } from "./model.js";
import { parseS3Uri } from "../../aws/s3-uri.js";

export interface ModelPackageObserved {
  arn: string;
  version: number;
  status: ApprovalStatus;
}

/** AWS's limits on CustomerMetadataProperties values and ModelPackageDescription. */
const METADATA_VALUE_MAX = 256;
const DESCRIPTION_MAX = 1024;

export const modelPackageHandler: ResourceHandler<ModelPackageSpec, ModelPackageObserved> = {
  kind: "sagemaker.model-package",
  createAction: "create",

  prepare(node, _ctx, deps) {
    const training = dependencyOf(node, deps, "training.run");
    const { fingerprint, dataManifestHash, codeHash } = training.spec;
    if (fingerprint === undefined)
      // Internal invariant: the graph builder always adds this dependency, prepared first.
      throw new Error(`${node.address} needs a prepared ${TRAINING}`);
    return Promise.resolve({
      ...node,
      name: `${node.spec.group} (run ${fingerprint.slice(0, 8)})`,
      spec: {
        ...node.spec,
        trainingFingerprint: fingerprint,
        ...(dataManifestHash !== undefined && { dataManifestHash }),
        ...(codeHash !== undefined && { codeHash }),
      },
    });
  },

  createSummary: (node) =>
    `register the run ${node.spec.trainingFingerprint?.slice(0, 8) ?? "?"} as the next version of ${node.spec.group}` +
    (node.spec.qualityGate ? " (Rejected if it fails the quality gate)" : ""),

  async read(node, ctx) {
    const fingerprint = fingerprintOf(node);
    const { sagemaker } = ctx.clients;
    const recorded = (await ctx.state?.trainingRun(fingerprint))?.registration;
    const found = recorded
      ? await describeVersion(sagemaker, recorded.arn)
      : await findRegistration(sagemaker, node.spec.group, fingerprint);
    return found && { arn: found.arn, version: found.version, status: found.status };
  },

  // A version is immutable history (only its approval moves, and that is promote's).
  diff: (_node, observed) => noop(`registered as version ${observed.version} (${observed.status})`),

  async create(node, ctx) {
    const fingerprint = fingerprintOf(node);
    const run = await findCompletedRun(fingerprint, node.tags["mlops:project"] ?? "", ctx);
    if (!run?.artifact || run.status !== "Completed") {
      throw new OperationalError(
        `${node.address}: no completed training run with fingerprint ${fingerprint.slice(0, 8)} is recorded`,
      );
    }
    const metrics = run.metrics ?? {};
    const gate = node.spec.qualityGate;
    const verdict = gate
      ? (checkGate(gate, metrics) ?? {
          passed: false,
          message: `quality gate failed: ${run.job} reported no ${gate.metric} (it reported ${Object.keys(metrics).join(", ") || "nothing"})`,
        })
      : { passed: true, message: "no quality gate" };
    const metricsUri = await writeMetrics(
      run.artifact,
      { job: run.job, fingerprint, metrics, gate: verdict.message },
      ctx,
    );
    const status: ApprovalStatus = verdict.passed ? "PendingManualApproval" : "Rejected";
    const origin = provenance();
    const out = await withContext(`registering ${run.job} in ${node.spec.group}`, () =>
      ctx.clients.sagemaker.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: node.spec.group,
          ModelPackageDescription: clip(
            `training job ${run.job}: ${verdict.message}`,
            DESCRIPTION_MAX,
          ),
          InferenceSpecification: {
            Containers: [
              {
                Image: node.spec.image,
                ModelDataUrl: run.artifact,
                Environment: inferenceEnvironment(node.spec.region),
              },
            ],
            SupportedContentTypes: ["application/x-image", "image/jpeg", "image/png"],
            SupportedResponseMIMETypes: ["application/json"],
            SupportedRealtimeInferenceInstanceTypes: node.spec.instanceTypes as never,
          },
          ModelMetrics: {
            ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: metricsUri } },
          },
          ModelApprovalStatus: status,
          ...(origin.commit !== undefined && {
            MetadataProperties: {
              CommitId: origin.commit,
              ...(origin.repository !== undefined && { Repository: origin.repository }),
              ...(origin.runUrl !== undefined && { GeneratedBy: origin.runUrl }),
            },
          }),
          CustomerMetadataProperties: metadata(
            node,
            run.job,
            metrics,
            verdict.message,
            origin,
            // A search's best trial ran with its searched values over the static ones.
            {
              ...node.spec.hyperparameters,
              ...run.tuning?.trials.find((t) => t.job === run.job)?.hyperparameters,
            },
          ),
          // Idempotent on the run: a create retried after a lost answer returns the same version.
          ClientToken: fingerprint.slice(0, 36),
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    const arn = out.ModelPackageArn ?? "";
    const version = (await describeVersion(ctx.clients.sagemaker, arn))?.version ?? 0;
    await ctx.state?.recordTrainingRun({
      ...(await ctx.state.trainingRun(fingerprint)),
      fingerprint,
      job: run.job,
      backend: "backend" in run ? run.backend : "sagemaker",
      status: run.status,
      artifact: run.artifact,
      metrics,
      registration: { arn, version },
    });
    if (!verdict.passed) {
      throw new QualityGateError(
        `${verdict.message} (job ${run.job}); registered as version ${version}, Rejected: it never reaches an environment`,
      );
    }
    ctx.logger.info(
      `${node.address}: registered ${run.job} as version ${version} (${verdict.message})`,
    );
    return { arn, version, status };
  },

  update: (_node, observed) => Promise.resolve(observed),

  // Versions are history: they go with the group (destroy), never one by one.
  delete: () => Promise.resolve(),
};

function fingerprintOf(node: Node<ModelPackageSpec>): string {
  // Internal invariant: the planner prepares every node before it is read or applied.
  if (!node.spec.trainingFingerprint) throw new Error(`${node.address} was not prepared`);
  return node.spec.trainingFingerprint;
}

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 3)}...`;

/** What a reviewer needs beside the metrics, as the version's metadata (AWS: at most 50). */
function metadata(
  node: Node<ModelPackageSpec>,
  job: string,
  metrics: Record<string, number>,
  gate: string,
  origin: ReturnType<typeof provenance>,
  hyperparameters: Record<string, string | number | boolean>,
): Record<string, string> {
  const entries: [string, string | undefined][] = [
    [META.fingerprint, node.spec.trainingFingerprint],
    [META.job, job],
    [META.data, node.spec.dataManifestHash],
    [META.code, node.spec.codeHash],
    [META.metrics, metricsText(metrics)],
    [META.gate, gate],
    [META.commit, origin.commit],
    [META.run, origin.runUrl],
    ...Object.entries(hyperparameters)
      .slice(0, 40)
      .map(([k, v]): [string, string] => [`${META.hyperparameter}${k}`.slice(0, 128), String(v)]),
  ];
  return Object.fromEntries(
    entries.flatMap(([k, v]) =>
      v === undefined || v === ""
        ? []
        : [[metadataText(k), clip(metadataText(v), METADATA_VALUE_MAX)]],
    ),
  );
}

/**
 * Metadata keys and values may use only letters, spaces, digits and _.:/=+-@ (AWS's pattern):
 * anything else becomes a space ("(>= 0.5)" reads " = 0.5 ").
 */
const metadataText = (text: string): string =>
  text
    .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, " ")
    .replace(/ {2,}/g, " ")
    .trim();

/** The run's metrics as JSON beside its model artifact: ModelMetrics points at it. */
async function writeMetrics(
  artifact: string,
  body: Record<string, unknown>,
  ctx: HandlerContext,
): Promise<string> {
  const location = parseS3Uri(artifact);
  if (!location) throw new OperationalError(`model artifact ${artifact} is not an s3:// URI`);
  const bucket = location.bucket;
  const key = `${location.key.replace(/[^/]*$/, "")}metrics.json`;
  await withContext(`writing the run's metrics to s3://${bucket}/${key}`, () =>
    ctx.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(body, null, 2)}\n`,
        ContentType: "application/json",
      }),
    ),
  );
  return `s3://${bucket}/${key}`;
}

// sagemaker.endpoint-config: one production variant serving the model. Immutable and named from
// its content; superseded configs are removed by the endpoint after a verified cutover. With
// model.serve the config may name an existing one, adopted while it is exactly this one.
import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import { endpointConfigName, type EndpointConfigSpec } from "../../graph/sagemaker-nodes.js";
import { dependencyOf } from "../kinds.js";
import type { HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { tagsToList, type Tags } from "../tags.js";
import { readSageMakerTags, retag, withTagChange } from "./sagemaker-tags.js";

export interface EndpointConfigObserved {
  name: string;
  modelName: string;
  instanceType: string;
  /** As SageMaker returned it: tags are read and written under it. */
  arn?: string;
  tags?: Tags;
}

export const endpointConfigHandler: ResourceHandler<EndpointConfigSpec, EndpointConfigObserved> = {
  kind: "sagemaker.endpoint-config",
  ownership: "tags",

  async prepare(node, ctx, deps) {
    const model = dependencyOf(node, deps, "sagemaker.model");
    const spec: EndpointConfigSpec = { ...node.spec, modelName: model.name };
    const name = endpointConfigName(node.tags["mlops:project"] ?? "", spec);
    if (spec.adopt === undefined) return { ...node, name, spec };
    const adopt = spec.adopt.name;
    const existing = await describe(adopt, ctx);
    const notAdopted = existing ? whyNotAdopt(existing, spec) : "it does not exist";
    return notAdopted === undefined
      ? { ...node, name: adopt, spec }
      : { ...node, name, spec: { ...spec, adopt: { name: adopt, notAdopted } } };
  },

  createSummary: (node) =>
    `${node.spec.initialInstanceCount} x ${node.spec.instanceType} serving ${node.spec.modelName ?? "?"}` +
    (node.spec.adopt?.notAdopted !== undefined
      ? ` (not adopting ${node.spec.adopt.name}: ${node.spec.adopt.notAdopted})`
      : ""),

  async read(node, ctx) {
    const out = await describe(node.name, ctx);
    if (!out) return undefined;
    const variant = out.ProductionVariants?.[0];
    const tags = await readSageMakerTags("endpoint-config", node, ctx, out.EndpointConfigArn);
    return {
      name: node.name,
      modelName: variant?.ModelName ?? "",
      instanceType: variant?.InstanceType ?? "",
      ...(out.EndpointConfigArn !== undefined && { arn: out.EndpointConfigArn }),
      ...(tags && { tags }),
    };
  },

  // Named from its content (or adopted only when identical): if it exists, it is what we want,
  // but for the ownership tags.
  diff: (node, observed) =>
    withTagChange(noop("immutable, named from its content"), node.tags, observed.tags),

  async create(node, { clients: { sagemaker } }) {
    const spec = node.spec;
    await withContext(`creating endpoint config ${node.name}`, () =>
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: node.name,
          ProductionVariants: [
            {
              VariantName: spec.variantName,
              ModelName: spec.modelName,
              InstanceType: spec.instanceType as never,
              InitialInstanceCount: spec.initialInstanceCount,
              InitialVariantWeight: 1,
            },
          ],
          ...(spec.dataCapture && {
            DataCaptureConfig: {
              EnableCapture: true,
              InitialSamplingPercentage: spec.dataCapture.samplingPercentage,
              DestinationS3Uri: spec.dataCapture.destination,
              CaptureOptions: spec.dataCapture.captureModes.map((CaptureMode) => ({ CaptureMode })),
              ...(spec.dataCapture.kmsKeyArn !== undefined && {
                KmsKeyId: spec.dataCapture.kmsKeyArn,
              }),
            },
          }),
          Tags: tagsToList(node.tags),
        }),
      ),
    );
    return {
      name: node.name,
      modelName: spec.modelName ?? "",
      instanceType: spec.instanceType,
      tags: node.tags,
    };
  },

  // Only the tags change in place (an adoption, a renamed project).
  async update(node, observed, _change, ctx) {
    if (!observed.tags) return observed;
    await retag("endpoint-config", node, observed.tags, ctx, observed.arn);
    return { ...observed, tags: node.tags };
  },

  async delete(node, _observed, { clients: { sagemaker } }) {
    await deleteIfPresent(`deleting endpoint config ${node.name}`, () =>
      sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: node.name })),
    );
  },
};

const describe = (
  name: string,
  { clients: { sagemaker } }: HandlerContext,
): Promise<DescribeEndpointConfigCommandOutput | undefined> =>
  readOrUndefined(`reading endpoint config ${name}`, () =>
    sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
  );

/**
 * Why the existing endpoint config is not the one `spec` would create (undefined: it is, and is
 * adopted): endpoint configs never change, so anything else gets a config of our own.
 */
function whyNotAdopt(
  existing: DescribeEndpointConfigCommandOutput,
  spec: EndpointConfigSpec,
): string | undefined {
  const variants = existing.ProductionVariants ?? [];
  const variant = variants[0];
  const capture = existing.DataCaptureConfig;
  const wanted = spec.dataCapture;
  const capturing = capture?.EnableCapture === true;
  // SageMaker takes a destination with or without its final slash.
  const folder = (uri: string | undefined): string => (uri ?? "").replace(/\/+$/, "");
  const sameCapture = wanted
    ? capturing &&
      capture.InitialSamplingPercentage === wanted.samplingPercentage &&
      folder(capture.DestinationS3Uri) === folder(wanted.destination) &&
      capture.CaptureContentTypeHeader === undefined &&
      capture.KmsKeyId === wanted.kmsKeyArn &&
      [...(capture.CaptureOptions ?? []).map((o) => o.CaptureMode)].sort().join() ===
        [...wanted.captureModes].sort().join()
    : !capturing;
  const differs = [
    variants.length !== 1 && "variants",
    variant?.VariantName !== spec.variantName && "variant name",
    variant?.ModelName !== spec.modelName && "model",
    variant?.InstanceType !== spec.instanceType && "instance type",
    variant?.InitialInstanceCount !== spec.initialInstanceCount && "instance count",
    // What mlops never sets: a config that has it is not one mlops would create.
    variant?.ServerlessConfig !== undefined && "serverless",
    variant?.VolumeSizeInGB !== undefined && "volume size",
    variant?.ModelDataDownloadTimeoutInSeconds !== undefined && "download timeout",
    variant?.ContainerStartupHealthCheckTimeoutInSeconds !== undefined && "startup timeout",
    variant?.RoutingConfig !== undefined && "routing",
    variant?.ManagedInstanceScaling !== undefined && "managed instance scaling",
    variant?.InferenceAmiVersion !== undefined && "inference AMI",
    variant?.EnableSSMAccess === true && "SSM access",
    variant?.CoreDumpConfig !== undefined && "core dumps",
    variant?.AcceleratorType !== undefined && "accelerator",
    !sameCapture && "data capture",
    existing.AsyncInferenceConfig !== undefined && "async inference",
    (existing.ShadowProductionVariants?.length ?? 0) > 0 && "shadow variants",
    existing.KmsKeyId !== undefined && "volume key",
    existing.ExplainerConfig !== undefined && "explainer",
    existing.EnableNetworkIsolation === true && "network isolation",
    (existing.VpcConfig?.Subnets?.length ?? 0) > 0 && "VPC",
  ].filter((d): d is string => d !== false);
  return differs.length === 0 ? undefined : `it differs from the config in ${differs.join(", ")}`;
}

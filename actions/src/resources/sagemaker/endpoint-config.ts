// sagemaker.endpoint-config: one production variant serving the model. Immutable and named from
// its content; superseded configs are removed by the endpoint after a verified cutover.
import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointConfigCommand,
} from "@aws-sdk/client-sagemaker";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import { endpointConfigName, type EndpointConfigSpec } from "../../graph/sagemaker-nodes.js";
import { dependencyOf } from "../kinds.js";
import type { ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { tagsToList } from "../tags.js";

export interface EndpointConfigObserved {
  name: string;
  modelName: string;
  instanceType: string;
}

export const endpointConfigHandler: ResourceHandler<EndpointConfigSpec, EndpointConfigObserved> = {
  kind: "sagemaker.endpoint-config",

  prepare(node, _ctx, deps) {
    const model = dependencyOf(node, deps, "sagemaker.model");
    const spec: EndpointConfigSpec = { ...node.spec, modelName: model.name };
    const project = node.tags["mlops:project"] ?? "";
    return Promise.resolve({ ...node, name: endpointConfigName(project, spec), spec });
  },

  createSummary: (node) =>
    `${node.spec.initialInstanceCount} x ${node.spec.instanceType} serving ${node.spec.modelName ?? "?"}`,

  async read(node, { clients: { sagemaker } }) {
    const out = await readOrUndefined(`reading endpoint config ${node.name}`, () =>
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: node.name })),
    );
    if (!out) return undefined;
    const variant = out.ProductionVariants?.[0];
    return {
      name: node.name,
      modelName: variant?.ModelName ?? "",
      instanceType: variant?.InstanceType ?? "",
    };
  },

  diff: () => noop("immutable, named from its content"),

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
    return { name: node.name, modelName: spec.modelName ?? "", instanceType: spec.instanceType };
  },

  update: (_node, observed) => Promise.resolve(observed),

  async delete(node, _observed, { clients: { sagemaker } }) {
    await deleteIfPresent(`deleting endpoint config ${node.name}`, () =>
      sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: node.name })),
    );
  },
};

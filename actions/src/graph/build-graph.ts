// Config -> DesiredGraph: each capability adds its nodes through its own builder.
import { fillTemplate } from "../aws/naming.js";
import type { Config } from "../config/types.js";
import { addAlarmNodes } from "./alarm-nodes.js";
import { addDataNodes } from "./data-nodes.js";
import type { GraphBuilder } from "./graph-builder.js";
import {
  partitionOf,
  resourceTags,
  type DesiredGraph,
  type GraphContext,
  type Node,
} from "./graph.js";
import { storageLayout } from "./iam-policies.js";
import { addIamNodes } from "./iam-nodes.js";
import { addServingNodes, addTrainingNodes } from "./sagemaker-nodes.js";
import { addLambdaNodes } from "./lambda-nodes.js";

export interface GraphInput {
  account: string;
  /** `mlops train --force`. */
  forceTraining?: boolean;
}

const BUILDERS: ((b: GraphBuilder) => void)[] = [
  addDataNodes,
  addIamNodes,
  addTrainingNodes,
  addAlarmNodes,
  addServingNodes,
  addLambdaNodes,
];

export function buildGraph(config: Config, input: GraphInput): DesiredGraph {
  const context: GraphContext = {
    project: config.project,
    region: config.region,
    account: input.account,
    partition: partitionOf(config.region),
  };
  const fill = (t: string): string =>
    fillTemplate(t, { account: input.account, region: config.region }).value;
  const layout = storageLayout(config, {
    data: fill(config.data.bucket),
    state: fill(config.state.bucket),
  });
  const nodes: Node[] = [];
  const builder: GraphBuilder = {
    config,
    context,
    layout,
    forceTraining: input.forceTraining === true,
    add: (address, kind, name, spec, dependsOn = []) => {
      const node = {
        address,
        kind,
        name,
        spec,
        dependsOn,
        tags: resourceTags(context, address, config.tags),
      };
      nodes.push(node);
      return node;
    },
  };
  for (const addNodes of BUILDERS) addNodes(builder);
  return { context, nodes };
}

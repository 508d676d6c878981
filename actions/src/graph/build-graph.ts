// Config -> DesiredGraph: each capability adds its nodes through its own builder.
import { fillTemplate } from "../aws/naming.js";
import type { Config } from "../config/types.js";
import { addAlarmNodes } from "./alarm-nodes.js";
import { addDataNodes } from "./data-nodes.js";
import type { GraphBuilder, Release } from "./graph-builder.js";
import {
  partitionOf,
  resourceTags,
  type DesiredGraph,
  type GraphContext,
  type Node,
} from "./graph.js";
import { storageLayout } from "./iam-policies.js";
import { addIamNodes } from "./iam-nodes.js";
import { addRegistryNodes } from "./registry-nodes.js";
import { addModelNodes, addServingNodes, addTrainingNodes } from "./sagemaker-nodes.js";
import { addLambdaNodes } from "./lambda-nodes.js";

export interface GraphInput {
  account: string;
  /** `mlops train --force`. */
  forceTraining?: boolean;
  /** A config with `environments:`: which stage's graph (absent: the one implicit stage). */
  stage?: Stage;
}

/**
 * The build stage trains and registers; an environment deploys a registry version (none yet:
 * its graph is empty, it waits) under names that carry it, with its config already derived
 * (environmentConfig) and the storage layout of the build stage's project.
 */
export type Stage =
  | { kind: "build" }
  | { kind: "environment"; name: string; buildProject: string; release: Release | undefined };

type Builder = (b: GraphBuilder) => void;

const BUILDERS: Builder[] = [
  addDataNodes,
  addIamNodes,
  addTrainingNodes,
  addModelNodes,
  addAlarmNodes,
  addServingNodes,
  addLambdaNodes,
];
const BUILD_STAGE_BUILDERS: Builder[] = [
  addDataNodes,
  addIamNodes,
  addTrainingNodes,
  addRegistryNodes,
];
const ENVIRONMENT_BUILDERS: Builder[] = [
  addIamNodes,
  addModelNodes,
  addAlarmNodes,
  addServingNodes,
  addLambdaNodes,
];

function buildersFor(stage: Stage | undefined): Builder[] {
  if (stage === undefined) return BUILDERS;
  if (stage.kind === "build") return BUILD_STAGE_BUILDERS;
  return stage.release ? ENVIRONMENT_BUILDERS : [];
}

export function buildGraph(config: Config, input: GraphInput): DesiredGraph {
  const context: GraphContext = {
    project: config.project,
    region: config.region,
    account: input.account,
    partition: partitionOf(config.region),
    ...(input.stage && {
      environment: input.stage.kind === "build" ? "build" : input.stage.name,
    }),
  };
  const fill = (t: string): string =>
    fillTemplate(t, { account: input.account, region: config.region }).value;
  // An environment reads the build stage's artifacts: its roles get that project's layout.
  const layoutConfig =
    input.stage?.kind === "environment" ? { ...config, project: input.stage.buildProject } : config;
  const layout = storageLayout(layoutConfig, {
    data: fill(config.data.bucket),
    state: fill(config.state.bucket),
  });
  const nodes: Node[] = [];
  const builder: GraphBuilder = {
    config,
    context,
    layout,
    forceTraining: input.forceTraining === true,
    ...(input.stage?.kind === "environment" &&
      input.stage.release && { release: input.stage.release }),
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
  for (const addNodes of buildersFor(input.stage)) addNodes(builder);
  return { context, nodes };
}

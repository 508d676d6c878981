// What each capability's node builder receives: the config, the graph context, the S3 layout
// and an `add` that tags and records a node. One builder file per capability keeps
// build-graph.ts a readable list.
import type { Config } from "../config/types.js";
import type { StorageLayout } from "./iam-policies.js";
import type { GraphContext, Node } from "./graph.js";

/** The registry version an environment's graph deploys. */
export interface Release {
  version: number;
  arn: string;
  image: string;
  artifact: string;
  /** The environment deploys only approved versions. */
  requireApproval: boolean;
}

export interface GraphBuilder {
  config: Config;
  context: GraphContext;
  layout: StorageLayout;
  forceTraining: boolean;
  /** In an environment's graph: the registry version its model serves. */
  release?: Release;
  add: <S>(address: string, kind: string, name: string, spec: S, dependsOn?: string[]) => Node<S>;
}

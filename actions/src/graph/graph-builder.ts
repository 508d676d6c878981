// What each capability's node builder receives: the config, the graph context, the S3 layout
// and an `add` that tags and records a node. One builder file per capability keeps
// build-graph.ts a readable list.
import type { Config } from "../config/types.js";
import type { StorageLayout } from "./iam-policies.js";
import type { GraphContext, Node } from "./graph.js";

export interface GraphBuilder {
  config: Config;
  context: GraphContext;
  layout: StorageLayout;
  forceTraining: boolean;
  add: <S>(address: string, kind: string, name: string, spec: S, dependsOn?: string[]) => Node<S>;
}

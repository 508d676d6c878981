// The desired state as a graph of nodes: stable addresses, physical names, tags, specs and
// explicit dependencies. Pure: built from the Config and the account id, no network.

export interface Node<Spec = unknown> {
  /** Stable, human address, e.g. "iam.role.sagemaker". */
  address: string;
  /** Handler kind, e.g. "iam.role". */
  kind: string;
  /** Physical name in AWS. */
  name: string;
  tags: Record<string, string>;
  spec: Spec;
  /** Addresses this node needs to exist first. */
  dependsOn: string[];
  /**
   * Set on a move's old resources only: the identity they were created under (their region,
   * project, account). Handlers act on them with that context; every other node has the graph's.
   */
  context?: GraphContext;
}

export interface GraphContext {
  project: string;
  region: string;
  account: string;
  /** `aws` or `aws-cn`/`aws-us-gov`, for ARNs. */
  partition: string;
  /** The stage of a config with `environments:` (an environment's name, or "build"). */
  environment?: string;
}

export interface DesiredGraph {
  context: GraphContext;
  nodes: Node[];
}

export const MANAGED_BY = "mlops-gitops";

/** Tag keys every resource the tool creates carries. */
export const TAG_PROJECT = "mlops:project";
export const TAG_MANAGED_BY = "mlops:managed-by";
/**
 * On the IAM roles only (global, so readable from any region): the state record the project was
 * last applied with, s3://bucket/key. A move to a region whose state bucket is another finds the
 * old record through it.
 */
export const TAG_STATE = "mlops:state";

/** Where the state record lives inside its bucket. */
export const stateKey = (prefix: string): string => `${prefix}state.json`;

export function resourceTags(
  context: GraphContext,
  address: string,
  configTags: Record<string, string>,
): Record<string, string> {
  return {
    ...configTags,
    [TAG_PROJECT]: context.project,
    [TAG_MANAGED_BY]: MANAGED_BY,
    "mlops:address": address,
    ...(context.environment !== undefined && { "mlops:environment": context.environment }),
  };
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Nodes in an order where every node comes after its dependencies; throws on a cycle. */
export function topologicalOrder<T extends { address: string; dependsOn: readonly string[] }>(
  nodes: readonly T[],
): T[] {
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  const state = new Map<string, "visiting" | "done">();
  const ordered: T[] = [];
  const visit = (node: T, trail: string[]): void => {
    const s = state.get(node.address);
    if (s === "done") return;
    if (s === "visiting")
      // Internal invariant: the builders add fixed edges between the tool's own kinds; no config makes a cycle.
      throw new Error(`dependency cycle: ${[...trail, node.address].join(" -> ")}`);
    state.set(node.address, "visiting");
    for (const dep of node.dependsOn) {
      const target = byAddress.get(dep);
      if (target) visit(target, [...trail, node.address]);
    }
    state.set(node.address, "done");
    ordered.push(node);
  };
  for (const node of [...nodes].sort((a, b) => a.address.localeCompare(b.address))) visit(node, []);
  return ordered;
}

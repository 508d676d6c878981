// The identity a project's resources are created under: the account, the region, the project
// name and the IAM path. Every physical name, ARN and tag the graph derives comes from these, so
// a change of any of them is a move: the resources of the old identity must go, not linger.
// Environments (a later key) join this record as one more field.
import type { GraphContext } from "./graph.js";
import { partitionOf } from "./graph.js";

export interface Identity {
  account: string;
  region: string;
  project: string;
  iamPath: string;
}

export function identityOf(context: GraphContext, iamPath: string): Identity {
  return {
    account: context.account,
    region: context.region,
    project: context.project,
    iamPath,
  };
}

/** The graph context resources of `identity` were built under (for a move's old resources). */
export function contextOf(identity: Identity): GraphContext {
  return {
    project: identity.project,
    region: identity.region,
    account: identity.account,
    partition: partitionOf(identity.region),
  };
}

/** The fields that differ, in a fixed order. */
export function identityChanges(from: Identity, to: Identity): (keyof Identity)[] {
  return (["account", "region", "project", "iamPath"] as const).filter((k) => from[k] !== to[k]);
}

/** "moves from us-east-1 to us-west-2, renames project a to b": the header of a move's plan. */
export function describeMove(from: Identity, to: Identity): string {
  const words: Record<keyof Identity, string> = {
    account: `moves from account ${from.account} to ${to.account}`,
    region: `moves from ${from.region} to ${to.region}`,
    project: `renames project ${from.project} to ${to.project}`,
    iamPath: `moves IAM path ${from.iamPath} to ${to.iamPath}`,
  };
  return identityChanges(from, to)
    .map((k) => words[k])
    .join(", ");
}

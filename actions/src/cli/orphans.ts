// Orphans: what carries the project's tags (apply/tagged-resources.ts) but no state record owns:
// left by an interrupted move, a lost record or a hand-made copy. `mlops janitor --orphans`
// lists them; `mlops destroy` deletes them with the rest (buckets only with --include-data).
// Looked for in the config's region and in the regions and projects the record knows (the
// identity it was applied with, a move in progress).
import type { StateRecord } from "../apply/state-store.js";
import { listTagged, type TaggedKind, type TaggedResource } from "../apply/tagged-resources.js";
import { contextOf, type Identity } from "../graph/identity.js";
import type { Node } from "../graph/graph.js";
import { currentIdentity } from "../plan/moves.js";
import { contextFor, type HandlerContext } from "../resources/handler.js";
import { handlerFor } from "../resources/registry.js";
import type { Session } from "../session.js";
import { removeLeftovers } from "./destroy-leftovers.js";

/** The graph kind of each tagged kind. */
const GRAPH_KIND: Record<TaggedKind, string> = {
  "sagemaker endpoint": "sagemaker.endpoint",
  "sagemaker endpoint config": "sagemaker.endpoint-config",
  "sagemaker model": "sagemaker.model",
  "sagemaker training job": "sagemaker.training-job",
  "lambda function": "lambda.function",
  "log group": "logs.log-group",
  "s3 bucket": "s3.bucket",
  "iam role": "iam.role",
};
const GLOBAL: ReadonlySet<TaggedKind> = new Set(["s3 bucket", "iam role"]);
const SAGEMAKER_OBJECTS = {
  "sagemaker model": "model",
  "sagemaker endpoint config": "endpoint config",
  "sagemaker training job": "training job",
} as const;

const key = (kind: string, region: string, name: string): string =>
  `${kind}|${region}|${name.toLowerCase()}`;

/** The identities the record knows: the session's, the one last applied, a move's source. */
function identitiesOf(session: Session, state: StateRecord): Identity[] {
  const all = [currentIdentity(session), state.identity, state.moveFrom?.from].filter(
    (i): i is Identity => i !== undefined,
  );
  const seen = new Set<string>();
  return all.filter((i) => {
    const id = `${i.project}|${i.region}|${i.iamPath}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** What the record owns, by graph kind, region and name. */
function ownedKeys(session: Session, state: StateRecord): Set<string> {
  const owned = new Set<string>();
  const here = state.identity?.region ?? session.graph.context.region;
  const add = (kind: string, region: string, name: string): void => {
    const global = kind === "s3.bucket" || kind === "iam.role";
    owned.add(key(kind, global ? "global" : region, name));
  };
  for (const r of Object.values(state.resources)) add(r.kind, here, r.name);
  for (const n of session.graph.nodes) add(n.kind, session.graph.context.region, n.name);
  const moving = state.moveFrom;
  if (moving)
    for (const r of Object.values(moving.resources)) add(r.kind, moving.from.region, r.name);
  for (const d of state.deployments) {
    add("sagemaker.model", here, d.model);
    add("sagemaker.endpoint-config", here, d.endpointConfig);
  }
  for (const run of Object.values(state.training)) add("sagemaker.training-job", here, run.job);
  return owned;
}

export async function findOrphans(session: Session): Promise<TaggedResource[]> {
  const state = await session.state.read({ fresh: true });
  const owned = ownedKeys(session, state);
  const found = new Map<string, TaggedResource>();
  for (const identity of identitiesOf(session, state)) {
    const clients = contextFor(session.ctx, { context: contextOf(identity) }).clients;
    const tagged = await listTagged(clients, {
      project: identity.project,
      region: identity.region,
      iamPath: identity.iamPath,
    });
    for (const t of tagged) {
      const where = GLOBAL.has(t.kind) ? "global" : t.region;
      if (!owned.has(key(GRAPH_KIND[t.kind], where, t.name))) found.set(t.arn, t);
    }
  }
  return [...found.values()];
}

export function describeOrphans(orphans: readonly TaggedResource[]): string[] {
  if (orphans.length === 0)
    return ["No orphans: everything tagged for the project is in its state record."];
  return [
    `${String(orphans.length)} resources carry the project's tags but no state record owns them:`,
    ...orphans.map(
      (o) =>
        `  orphan  ${o.kind.padEnd(25)} ${o.name}  (${o.region}, project ${o.project}${o.address ? `, ${o.address}` : ""})`,
    ),
    "mlops destroy deletes them (buckets only with --include-data).",
  ];
}

/** Deletes the orphans (buckets only with `includeData`); returns the lines saying what went. */
export async function removeOrphans(
  session: Session,
  orphans: readonly TaggedResource[],
  includeData: boolean,
): Promise<string[]> {
  const removed: string[] = [];
  for (const orphan of orphans) {
    if (orphan.kind === "s3 bucket" && !includeData) continue;
    const region = orphan.region === "global" ? session.graph.context.region : orphan.region;
    const context = {
      ...contextOf({ ...currentIdentity(session), region }),
      project: orphan.project,
    };
    const ctx = contextFor(session.ctx, { context });
    if (orphan.kind in SAGEMAKER_OBJECTS) {
      const kind = SAGEMAKER_OBJECTS[orphan.kind as keyof typeof SAGEMAKER_OBJECTS];
      removed.push(
        ...(await removeLeftovers(ctx.clients.sagemaker, [{ kind, name: orphan.name }])),
      );
      continue;
    }
    await deleteWithHandler(session, ctx, orphan);
    removed.push(`  delete  orphan ${orphan.kind} ${orphan.name} (${orphan.region})`);
  }
  return removed;
}

/** Through the kind's own handler, which knows what must go first (scaling, policies, objects). */
async function deleteWithHandler(
  session: Session,
  ctx: HandlerContext,
  orphan: TaggedResource,
): Promise<void> {
  const kind = GRAPH_KIND[orphan.kind];
  const handler = handlerFor(session.handlers, kind);
  const node: Node = {
    address: orphan.address ?? `orphan.${orphan.name}`,
    kind,
    name: orphan.name,
    // The endpoint's read falls back to its first variant when none is named.
    spec: kind === "sagemaker.endpoint" ? { variantName: "" } : {},
    dependsOn: [],
    tags: {},
  };
  const observed = kind === "sagemaker.endpoint" ? await handler.read(node, ctx) : {};
  if (observed === undefined) return;
  await handler.delete(node, observed, ctx);
}

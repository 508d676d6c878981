// Moves: the identity (account, region, project, IAM path) changed since the last apply. The
// old identity's resources are found through the state record (which remembers the identity it
// was applied with) or, when the new identity's record is another one (a state bucket named per
// region), through the `mlops:state` tag of the project's IAM roles, which are global. The plan
// then deletes every old resource the new graph does not take over, after the new serving path
// is ready (create before destroy), and the old identity's superseded SageMaker objects after
// that. A move the credentials cannot carry out (another account) is refused with the commands.
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { getJson } from "../aws/s3-json.js";
import { AwsOperationError, readOrUndefined } from "../aws/errors.js";
import {
  emptyState,
  migrateRecord,
  stateUri,
  type ManagedResource,
  type StateRecord,
} from "../apply/state-store.js";
import { findLeftoversIn } from "../cli/destroy-leftovers.js";
import { MANAGED_BY, TAG_MANAGED_BY, TAG_STATE, type Node } from "../graph/graph.js";
import {
  contextOf,
  describeMove,
  identityChanges,
  identityOf,
  type Identity,
} from "../graph/identity.js";
import { OperationalError } from "../operational-errors.js";
import type { Session } from "../session.js";
import { tagsFromList } from "../resources/tags.js";
import type { MoveLeftover } from "./types.js";
import { parseS3Uri } from "../aws/s3-uri.js";

/** The prefix of a move's old resources in the plan: `previous:sagemaker.endpoint.main`. */
export const PREVIOUS = "previous:";

/** Kinds whose names are global (one per account or worldwide), not per region. */
const GLOBAL_KINDS: ReadonlySet<string> = new Set([
  "iam.role",
  "iam.instance-profile",
  "s3.bucket",
  "s3.dataset",
]);

/**
 * Runs and the model registry are history, not resources: a move keeps them (their jobs are
 * leftovers; the registry's versions are what production was approved from).
 */
const NOT_DELETED: ReadonlySet<string> = new Set([
  "training.run",
  "sagemaker.model-package-group",
  "sagemaker.model-package",
]);

/** What serves requests: a move deletes the old ones only after these are ready. */
export const SERVING_KINDS: ReadonlySet<string> = new Set([
  "sagemaker.endpoint",
  "autoscaling.variant",
  "lambda.function",
  "lambda.alias",
  "lambda.provisioned-concurrency",
]);

export interface MoveSource {
  from: Identity;
  to: Identity;
  /** s3://bucket/key of the old identity's record. */
  fromState: string;
  /** The old identity's resources, by their address in its graph. */
  resources: Record<string, ManagedResource>;
  /** The old identity's SageMaker objects that are no resource of its graph. */
  leftovers: MoveLeftover[];
}

export class MoveRefusedError extends OperationalError {
  override name = "MoveRefusedError";
}

/** The identity this session applies with. */
export function currentIdentity(session: Session): Identity {
  return identityOf(session.graph.context, session.config.iam.path);
}

/**
 * The move this session's plan must carry out, if any: a move in progress (the record's
 * moveFrom), a record applied with another identity, or, for a record never applied, the record
 * the project's roles point at. Throws MoveRefusedError for a move these credentials cannot make.
 */
export async function findMove(
  session: Session,
  state: StateRecord,
): Promise<MoveSource | undefined> {
  const to = currentIdentity(session);
  const here = stateUri(session.state.bucket, session.state.key);
  if (state.moveFrom) {
    const { from, state: fromState, resources } = state.moveFrom;
    const old = fromState === here ? state : await readRecord(session, fromState, to);
    return withLeftovers(session, { from, to, fromState, resources }, old ?? emptyState());
  }
  if (state.identity) {
    if (identityChanges(state.identity, to).length === 0) return undefined;
    refuseOtherAccount(state.identity, to, here);
    return withLeftovers(
      session,
      { from: state.identity, to, fromState: here, resources: state.resources },
      state,
    );
  }
  if (Object.keys(state.resources).length > 0) return undefined; // a version 1 record
  const pointer = await statePointer(session);
  if (pointer === undefined || pointer === here) return undefined;
  const old = await readRecord(session, pointer, to);
  if (!old?.identity || identityChanges(old.identity, to).length === 0) return undefined;
  refuseOtherAccount(old.identity, to, pointer);
  return withLeftovers(
    session,
    { from: old.identity, to, fromState: pointer, resources: old.resources },
    old,
  );
}

/**
 * The old identity's resources the new graph does not take over (same kind and physical name,
 * in the same region for regional kinds), as nodes to delete under the old identity's context.
 */
export function previousNodes(move: MoveSource, desired: readonly Node[]): Node[] {
  const key = (kind: string, region: string, name: string): string =>
    `${kind}|${GLOBAL_KINDS.has(kind) ? "" : region}|${name}`;
  const taken = new Set(desired.map((n) => key(n.kind, move.to.region, n.name)));
  const context = contextOf(move.from);
  return Object.entries(move.resources)
    .filter(
      ([, r]) => !NOT_DELETED.has(r.kind) && !taken.has(key(r.kind, move.from.region, r.name)),
    )
    .map(([address, r]) => ({
      address: `${PREVIOUS}${address}`,
      kind: r.kind,
      name: r.name,
      spec: r.spec,
      dependsOn: r.dependsOn.map((d) => `${PREVIOUS}${d}`),
      tags: {},
      context,
    }));
}

/** The address a previous node had in the old identity's graph. */
export const originalAddress = (address: string): string | undefined =>
  address.startsWith(PREVIOUS) ? address.slice(PREVIOUS.length) : undefined;

export function moveSummary(move: Pick<MoveSource, "from" | "to">): string {
  return describeMove(move.from, move.to);
}

async function withLeftovers(
  session: Session,
  move: Omit<MoveSource, "leftovers">,
  old: StateRecord,
): Promise<MoveSource> {
  const leftovers = await findLeftoversIn({
    sagemaker: clientsOf(session, move.from.region).sagemaker,
    project: move.from.project,
    state: old,
    logger: session.ctx.logger,
  });
  // What the old graph names is deleted as a resource; the rest goes after the move.
  const named = new Set(Object.values(move.resources).map((r) => r.name));
  // A project rename in place keeps the region: the new identity's own objects are not leftovers.
  return { ...move, leftovers: leftovers.filter((l) => !named.has(l.name)) };
}

function clientsOf(session: Session, region: string): Session["clients"] {
  return region === session.graph.context.region || !session.ctx.clientsIn
    ? session.clients
    : session.ctx.clientsIn(region);
}

/** Another account's resources cannot be deleted with this account's credentials. */
function refuseOtherAccount(from: Identity, to: Identity, fromState: string): void {
  if (from.account === to.account) return;
  throw new MoveRefusedError(
    [
      `the state record ${fromState} was applied in account ${from.account} (${from.region}); these credentials are for account ${to.account}.`,
      "A move between accounts is not made in place: the old account's resources can only be deleted with its own credentials. Nothing was changed. In order:",
      `  1. git stash                                   # set the new config aside`,
      `  2. AWS_PROFILE=<a profile for ${from.account}> npx mlops destroy --include-data`,
      `  3. git stash pop`,
      `  4. npx mlops apply                             # with the credentials for ${to.account}`,
      "(Keep the data: leave out --include-data in step 2 and empty the old bucket yourself later.)",
    ].join("\n"),
  );
}

/** The state record the project's roles say it was last applied with (IAM is global). */
async function statePointer(session: Session): Promise<string | undefined> {
  const roles = session.graph.nodes.filter((n) => n.kind === "iam.role");
  for (const role of roles) {
    const found = await readOrUndefined(`reading the IAM role ${role.name}`, () =>
      session.clients.iam.send(new GetRoleCommand({ RoleName: role.name })),
    );
    const tags = tagsFromList(found?.Role?.Tags);
    const pointer = tags[TAG_STATE];
    if (tags[TAG_MANAGED_BY] === MANAGED_BY && pointer !== undefined) return pointer;
  }
  return undefined;
}

/** Reads another record; one the credentials may not read stops the plan with the commands. */
async function readRecord(
  session: Session,
  uri: string,
  to: Identity,
): Promise<StateRecord | undefined> {
  const location = parseS3Uri(uri);
  if (!location || location.key === "") return undefined;
  try {
    const found = await getJson<StateRecord>(session.clients.s3, location.bucket, location.key);
    return found ? migrateRecord(found.value) : undefined;
  } catch (error) {
    if (error instanceof AwsOperationError && error.errorClass === "access-denied") {
      throw new MoveRefusedError(
        [
          `the project was last applied with the state record ${uri}, which these credentials may not read; the old resources cannot be found, so nothing was changed.`,
          "With credentials that may read it, in order:",
          "  1. git stash                # set the new config aside",
          "  2. npx mlops destroy        # removes the old identity's resources (data kept)",
          "  3. git stash pop",
          `  4. npx mlops apply          # creates the project as ${describeTarget(to)}`,
        ].join("\n"),
      );
    }
    throw error;
  }
}

const describeTarget = (to: Identity): string => `${to.project} in ${to.account}/${to.region}`;

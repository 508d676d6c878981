// The one shape every AWS resource kind implements. A reader who knows one handler knows all;
// the contract in short is README.md beside this file.
import type { DeploymentRecord, TrainingRecord } from "./state-records.js";
import type { AwsClients } from "../aws/clients.js";
import type { Clock } from "../clock.js";
import type { RetrainOrigin } from "../config/types.js";
import type { Logger } from "../logger.js";
import type { GraphContext, Node } from "../graph/graph.js";

export type Risk = "downtime" | "deletes-data" | "replaces" | "cost-up" | "rollback" | "adopts";

/**
 * A deployment that takes the endpoint back to a model it served before: typically the next
 * config apply after `mlops train` (or the retrain workflow) deployed a model the config does
 * not name. Plans show it first; an unattended apply refuses it unless that plan was reviewed.
 */
export interface ModelRollback {
  /** The model served now. */
  fromModel: string;
  /** The model the plan deploys. */
  toModel: string;
  /** When the model served now was deployed, and by what (absent: by a config apply). */
  fromDeployedAt?: string;
  fromRetrain?: RetrainOrigin;
  /** When `toModel` was last deployed before: the plan goes back to it. */
  toDeployedBefore: string;
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * Why a change has its action, as data (Terraform's ActionReason beside its Action): renderers,
 * the apply action and tests decide on this, never on the words of `reason`.
 * - `up-to-date`: noop, nothing differs;
 * - `missing`: create (or train), the resource does not exist;
 * - `differs`: update, the fields in `changes` differ;
 * - `cannot-update-in-place`: replace, a field AWS does not change in place differs;
 * - `replaced-with-dependency`: replace, a dependency is replaced and this goes with it;
 * - `broken`: replace, the resource failed and AWS only allows deleting it (or it is being deleted);
 * - `in-progress`: wait (or a training run joined), something in flight reaches the desired state;
 * - `forced`: update, asked for although nothing differs (`mlops train --force`);
 * - `failed-before`: the last attempt with the same inputs failed; apply reports it again;
 * - `needs-human`: a refusal; apply stops at this resource without touching it;
 * - `not-in-config`: delete, the state record has it and the config no longer does;
 * - `not-owned`: adopt, it exists but the tool did not make it (no ownership tags, no record).
 * - `moved`: delete, a resource of the identity the project moved from (plan.move).
 */
export type ActionReason =
  | "up-to-date"
  | "missing"
  | "differs"
  | "cannot-update-in-place"
  | "replaced-with-dependency"
  | "broken"
  | "in-progress"
  | "forced"
  | "failed-before"
  | "needs-human"
  | "not-in-config"
  | "not-owned"
  | "moved";

/** The reason an action has unless its handler says otherwise. */
export const DEFAULT_ACTION_REASON: Record<Change["action"], ActionReason> = {
  noop: "up-to-date",
  update: "differs",
  replace: "cannot-update-in-place",
  wait: "in-progress",
};

export interface Change {
  /** "wait": something already in flight reaches the desired state; apply runs update() to wait. */
  action: "noop" | "update" | "replace" | "wait";
  /** Why, as data; absent: DEFAULT_ACTION_REASON of the action. */
  actionReason?: ActionReason;
  /** Why, in words, for people. */
  reason: string;
  changes: FieldChange[];
  risk: Risk[];
  /** One line for the plan beside the field changes, e.g. "upload 3 files (60 KB)". */
  summary?: string;
  rollback?: ModelRollback;
}

/**
 * What handlers may read and write of the state record: the training runs and the deployment
 * history, for what AWS cannot answer cheaply. The rest of the record (managed resources, the
 * lock) belongs to plan and apply.
 */
export interface HandlerState {
  /** The recorded training run with this fingerprint. */
  trainingRun(fingerprint: string): Promise<TrainingRecord | undefined>;
  recordTrainingRun(record: TrainingRecord): Promise<void>;
  /** Every recorded run (a search looks for the previous one to warm-start from). */
  trainingRuns?(): Promise<readonly TrainingRecord[]>;
  /** The deployment history, oldest first. */
  deployments(): Promise<readonly DeploymentRecord[]>;
  /** Edits the deployment history in one read-modify-write of the record. */
  updateDeployments(edit: (deployments: DeploymentRecord[]) => void): Promise<void>;
}

export interface HandlerContext {
  clients: AwsClients;
  logger: Logger;
  clock: Clock;
  graph: GraphContext;
  /** Aborted on SIGINT/SIGTERM: stop waiting, leave things consistent. */
  signal: AbortSignal;
  /** Folder for downloads and other caches (data archives). */
  cacheDir: string;
  /** The state record's handler sections (absent: work from what AWS says alone). */
  state?: HandlerState;
  /** Clients for another region (a move's old resources); absent: `clients` serve every node. */
  clientsIn?: (region: string) => AwsClients;
}

/** The context a handler acts on `node` with: its own identity's for a move's old resources. */
export function contextFor(ctx: HandlerContext, node: Pick<Node, "context">): HandlerContext {
  const own = node.context;
  if (own === undefined) return ctx;
  const clients =
    own.region === ctx.graph.region || ctx.clientsIn === undefined
      ? ctx.clients
      : ctx.clientsIn(own.region);
  return { ...ctx, graph: own, clients };
}

export type Status = "pending" | "ready" | "failed";

export interface ResourceHandler<Spec = unknown, Observed = unknown> {
  kind: string;
  /**
   * Fills content-derived parts of the spec (data manifest, code hashes) from local files or
   * downloads. Optional; runs before read and diff, after the node's dependencies were prepared
   * (passed by address), and its result is what the plan records.
   */
  prepare?(
    node: Node<Spec>,
    ctx: HandlerContext,
    deps: ReadonlyMap<string, Node>,
  ): Promise<Node<Spec>>;
  /** The live resource with server-set fields stripped, or undefined when it does not exist. */
  read(node: Node<Spec>, ctx: HandlerContext): Promise<Observed | undefined>;
  /** Pure: what the plan says about this resource (action, typed reason, field changes). */
  diff(node: Node<Spec>, observed: Observed): Change;
  create(node: Node<Spec>, ctx: HandlerContext): Promise<Observed>;
  /**
   * The update contract (README.md): `change` is what diff() returned for the plan, and its
   * field list is authoritative. update() makes exactly the fields `change.changes` names
   * (changedFields()) what `node` says, using `observed` for the current values its calls need,
   * and touches nothing else; kinds with no fields to change (a training run joined or forced)
   * act on `change.actionReason`. Returns what the resource looks like afterwards.
   */
  update(
    node: Node<Spec>,
    observed: Observed,
    change: Change,
    ctx: HandlerContext,
  ): Promise<Observed>;
  /** Removes the resource; "already gone" is success (deleteIfPresent), so it may run twice. */
  delete(node: Node<Spec>, observed: Observed, ctx: HandlerContext): Promise<void>;
  /** For kinds with long operations: the executor polls read() until ready or failed. */
  status?(observed: Observed): Status;
  /**
   * How the planner tells what the tool made from what someone else made, for kinds a person
   * could have made by hand with the name the tool derives: "tags" by the ownership tags on it
   * (the observed value's `tags`, see resourceTags), "parent" (sub-resources without tags: an
   * alias, concurrency, scaling) by whether the resource it depends on is the tool's; either way
   * the state record listing it (at its address, under its name) is enough. One that exists and
   * is neither is planned "adopt". Absent: content the tool writes itself (a data set, a
   * training run), never adopted.
   */
  ownership?: "tags" | "parent";
  /** How the plan calls bringing a missing one into being (training "trains"). */
  createAction?: "create" | "train";
  /** One line for the plan when the resource is to be created. */
  createSummary?(node: Node<Spec>): string | undefined;
  /** Risks of deleting this resource (a bucket deletes data). */
  deleteRisk?: Risk[];
  /**
   * Kinds whose replacement replaces this resource too, when it depends on one (the planner
   * plans it "replace", like Terraform's replace_triggered_by): the endpoint's scaling goes with
   * the endpoint and is put back on the new one.
   */
  replacedWith?: readonly string[];
}

/**
 * The top-level fields an update changes: the first segment of each path in `change.changes`
 * ("tags.team" -> "tags"). update() changes these and nothing else.
 */
export function changedFields(change: Pick<Change, "changes">): ReadonlySet<string> {
  return new Set(change.changes.map((c) => c.path.split(".")[0] ?? c.path));
}

/**
 * The words of an update's reason: the changed top-level fields, "policy, tags differ" (`names`
 * renames a field for people, e.g. codeSha256 -> code). Every handler says it this way.
 */
export function differReason(
  changes: readonly FieldChange[],
  names: Readonly<Record<string, string>> = {},
): string {
  const fields = [...changedFields({ changes: [...changes] })].map((f) => names[f] ?? f);
  return `${fields.join(", ")} differ`;
}

export function noop(reason = "up to date"): Change {
  return { action: "noop", reason, changes: [], risk: [] };
}

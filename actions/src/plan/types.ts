// The plan is plain, versioned, serialisable data: what will be done to each resource and why,
// plus the hashes that let apply refuse when the world moved since the plan was made.
// JSON format documented in docs/plan-format.md; bump PLAN_FORMAT_VERSION whenever its shape changes.
import type { CostEstimate } from "../cost/estimate.js";
import type { Node } from "../graph/graph.js";
import type { Identity } from "../graph/identity.js";
import {
  DEFAULT_ACTION_REASON,
  type ActionReason,
  type FieldChange,
  type ModelRollback,
  type Risk,
} from "../resources/handler.js";

// 2: changes may carry `rollback`, and risk "rollback".
// 3: every change carries `actionReason` (a refusal is `needs-human`, no longer only words).
// 4: action "adopt" (with `adoptWith`), action reason "not-owned", risk "adopts"; a plan may
//    carry `move` (a change of identity), changes `after`, and actionReason "moved"; `stage`
//    (environments); `cost`, the estimate from the shipped price table (outside the hash).
export const PLAN_FORMAT_VERSION = 4;

export type Action =
  "create" | "update" | "replace" | "delete" | "noop" | "train" | "wait" | "adopt";

export interface PlannedChange {
  address: string;
  kind: string;
  name: string;
  action: Action;
  /** Why it has this action, as data: decide on this, never on `reason`. */
  actionReason: ActionReason;
  /** Why, in words, for people. */
  reason: string;
  changes: FieldChange[];
  risk: Risk[];
  summary?: string;
  /** Set when this change takes the endpoint off a retrained model or back to an older one. */
  rollback?: ModelRollback;
  /**
   * With action "adopt": how apply makes the resource the config's once adoption is allowed
   * (`update`: in place, `replace`: delete and create, for what AWS does not change in place).
   */
  adoptWith?: "update" | "replace";
  dependsOn: string[];
  /**
   * Steps that must be done before this one, whatever their actions (a move deletes the old
   * serving path only after the new endpoint and Lambda are ready).
   */
  after?: string[];
  /** Digest of what was observed for this address (null: it did not exist). */
  observedDigest: string | null;
}

/** A SageMaker object of the old identity that is no graph node (superseded, or a finished job). */
export interface MoveLeftover {
  kind: "model" | "endpoint config" | "training job";
  name: string;
}

/** A change of identity (see graph/identity.ts): what the plan moves from and to. */
export interface PlannedMove {
  from: Identity;
  to: Identity;
  /** "moves from us-east-1 to us-west-2": the plan's header. */
  summary: string;
  /** The risks of the move as a whole (the union of its changes' risks, and "replaces"). */
  risk: Risk[];
  /** s3://bucket/key of the old identity's state record. */
  fromState: string;
  /** Removed after every step succeeded, in the old identity's region. */
  leftovers: MoveLeftover[];
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  project: string;
  region: string;
  account: string;
  configFile: string;
  changes: PlannedChange[];
  /** Set when the identity changed since the last apply: the plan is a move. */
  move?: PlannedMove;
  /** Desired nodes (prepared specs) by address: what apply creates or updates. */
  nodes: Record<string, Node>;
  /** Hash of every observed digest: the live state the plan was computed from. */
  observedHash: string;
  /** A config with `environments:`: the stage this plan is for and the model versions it moves. */
  stage?: PlanStage;
  /** Hash of everything above: reviewers and apply bind to this. */
  planHash: string;
  /**
   * What the config costs, estimated from the price table shipped with the tool. Outside the
   * hash: a new price table changes no resource, so it must not invalidate a reviewed plan.
   */
  cost?: CostEstimate;
}

export interface PlanStage {
  /** "build" or an environment's name. */
  name: string;
  /** The registry version served now and the one this plan deploys (absent: none). */
  served?: number;
  deploys?: { version: number; arn: string };
  /** A newer version that passed the gate and waits (for approval, in an environment that needs it). */
  waiting?: number;
  approval?: boolean;
  /**
   * The build stage of a config that served before it had environments: what it served then is
   * not deleted (addresses, the endpoint's name) until every environment in `until` serves; with
   * `until` empty, every environment serves but this stage's credentials may not read or delete
   * it (a CI role): an administrator's apply retires it.
   */
  kept?: { resources: string[]; endpoint?: string; until: string[] };
}

export interface PlanCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  train: number;
  wait: number;
  adopt: number;
  noop: number;
}

export function countActions(plan: Plan): PlanCounts {
  const counts: PlanCounts = {
    create: 0,
    update: 0,
    replace: 0,
    delete: 0,
    train: 0,
    wait: 0,
    adopt: 0,
    noop: 0,
  };
  for (const c of plan.changes) counts[c.action]++;
  return counts;
}

/** The changes that roll the served model back (see ModelRollback), in plan order. */
export function rollbacks(plan: Plan): PlannedChange[] {
  return plan.changes.filter((c) => c.rollback !== undefined);
}

/** The changes that take over a resource the tool did not make, in plan order. */
export function adoptions(plan: Plan): PlannedChange[] {
  return plan.changes.filter((c) => c.action === "adopt");
}

/** The reason an action has when nothing more specific is known. */
export function defaultActionReason(action: Action): ActionReason {
  switch (action) {
    case "create":
    case "train":
      return "missing";
    case "delete":
      return "not-in-config";
    case "adopt":
      return "not-owned";
    default:
      return DEFAULT_ACTION_REASON[action];
  }
}

/** The reason as people read it: a refusal says so first, whatever its words. */
export function reasonText(change: Pick<PlannedChange, "actionReason" | "reason">): string {
  return change.actionReason === "needs-human" ? `NEEDS A HUMAN: ${change.reason}` : change.reason;
}

/** Changes apply refuses to carry out: someone must repair the resource first. */
export function refusals(plan: Plan): PlannedChange[] {
  return plan.changes.filter((c) => c.actionReason === "needs-human");
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== "noop");
}

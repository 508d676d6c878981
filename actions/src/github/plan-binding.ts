// Binding a deploy to the plan reviewers saw. The sticky PR comment carries, in hidden HTML
// comments, a marker naming the config file and a digest of the plan: its hash plus one short
// fingerprint per address (keyed by a short hash of the address, so a plan with hundreds of
// resources still fits). Apply compares a fresh plan against it and names what differs.
import { digest, sha256 } from "../canonical.js";
import { stageLine } from "../plan/stage-line.js";
import type { Plan } from "../plan/types.js";

export interface PlanDigest {
  v: 1;
  hash: string;
  project: string;
  account: string;
  region: string;
  /**
   * Short hash of the address -> "action:fingerprint" (the fingerprint covers the spec, the
   * field changes and the live state planned against). Empty when the plan is too big to carry.
   */
  changes: Record<string, string>;
  /**
   * With environments: the stage's line ("build: …; keeps … until production serves"), which
   * can change while no resource does (an environment started serving). Absent in older
   * comments.
   */
  stage?: string;
  /** Short hash -> address; kept locally, never encoded in the comment. */
  names?: Record<string, string>;
}

/** Above this, the comment carries the hash alone. */
const MAX_ENCODED = 24_000;

const addressKey = (address: string): string => sha256(address).slice(0, 10);

/** The config path as it appears in the marker: forward slashes, no leading ./ */
export function normalizeConfigPath(path: string): string {
  return path
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .replace(/-->/g, "");
}

export function commentMarker(configPath: string): string {
  return `<!-- mlops-plan:${normalizeConfigPath(configPath)} -->`;
}

const DATA_PREFIX = "<!-- mlops-plan-data:";

export function planDigest(plan: Plan): PlanDigest {
  const changes: Record<string, string> = {};
  const names: Record<string, string> = {};
  for (const c of plan.changes) {
    const fingerprint = digest({
      action: c.action,
      changes: c.changes,
      risk: c.risk,
      observed: c.observedDigest,
      node: plan.nodes[c.address] ?? null,
    }).slice(0, 8);
    changes[addressKey(c.address)] = `${c.action}:${fingerprint}`;
    names[addressKey(c.address)] = c.address;
  }
  return {
    v: 1,
    hash: plan.planHash,
    project: plan.project,
    account: plan.account,
    region: plan.region,
    changes,
    ...(plan.stage && { stage: stageLine(plan.stage) }),
    names,
  };
}

export function encodeDigest(d: PlanDigest): string {
  const { names: _names, ...carried } = d;
  const encode = (value: unknown): string =>
    `${DATA_PREFIX}${Buffer.from(JSON.stringify(value), "utf8").toString("base64url")} -->`;
  const full = encode(carried);
  return full.length <= MAX_ENCODED ? full : encode({ ...carried, changes: {} });
}

/** The plan digest in a comment body, if the body is a plan comment for this config file. */
export function digestFromComment(body: string, configPath: string): PlanDigest | undefined {
  if (!body.trimStart().startsWith(commentMarker(configPath))) return undefined;
  const start = body.indexOf(DATA_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(" -->", start);
  if (end < 0) return undefined;
  try {
    const parsed = JSON.parse(
      Buffer.from(body.slice(start + DATA_PREFIX.length, end), "base64url").toString("utf8"),
    ) as Partial<PlanDigest>;
    if (parsed.v !== 1 || typeof parsed.hash !== "string" || typeof parsed.changes !== "object")
      return undefined;
    // A stage line that is not text is left out (an edited comment), not repeated in a message.
    if (parsed.stage !== undefined && typeof parsed.stage !== "string") delete parsed.stage;
    return parsed as PlanDigest;
  } catch {
    return undefined;
  }
}

/** Human lines naming how the plan now differs from the reviewed one. */
export function explainDifference(reviewed: PlanDigest, now: PlanDigest): string[] {
  const lines: string[] = [];
  for (const key of ["project", "account", "region"] as const) {
    if (reviewed[key] !== now[key])
      lines.push(`${key}: reviewed ${reviewed[key]}, now ${now[key]}`);
  }
  if (reviewed.stage !== undefined && now.stage !== undefined && reviewed.stage !== now.stage)
    lines.push(`stage: reviewed "${reviewed.stage}", now "${now.stage}"`);
  const names = { ...reviewed.names, ...now.names };
  const label = (key: string): string => names[key] ?? `a resource no longer in the plan (#${key})`;
  const compared = Object.keys(reviewed.changes).length > 0;
  const keys = compared
    ? [...new Set([...Object.keys(reviewed.changes), ...Object.keys(now.changes)])].sort((a, b) =>
        label(a).localeCompare(label(b)),
      )
    : [];
  for (const key of keys) {
    const address = label(key);
    const was = reviewed.changes[key];
    const is = now.changes[key];
    if (was === is) continue;
    const action = (v: string | undefined): string => v?.split(":")[0] ?? "not in the plan";
    if (action(was) !== action(is)) {
      lines.push(`${address}: reviewed ${action(was)}, now ${action(is)}`);
    } else {
      lines.push(
        `${address}: ${action(is)} in both, but what it changes (or what it was planned against) differs`,
      );
    }
  }
  if (lines.length === 0)
    lines.push(
      compared
        ? "same actions on the same addresses; the plan details differ"
        : "the reviewed plan was too large to carry per-resource details; compare the plan artifacts",
    );
  return lines;
}

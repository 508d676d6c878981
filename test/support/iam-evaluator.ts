// A small IAM identity-policy evaluator for tests: does a policy allow an action on a resource
// in a request context? Action and Resource with * and ? wildcards (actions case-insensitive),
// Allow and Deny statements (an explicit Deny wins), and the condition operators the generated
// policies use. Anything it cannot evaluate (NotAction, NotResource, another operator) throws,
// so a test never passes because the evaluator looked away. A missing context key fails the
// condition, as in AWS (no ...IfExists operators here).
//
// (@cloud-copilot/iam-simulate does this and more, but the hard part here is deriving each
// recorded request's resources and context, which is ours either way; this file is small
// enough to read in one go and keeps the project's dependencies as they are.)
import type { PolicyDocument, PolicyStatement } from "../../actions/src/graph/iam-policies.js";

export type ContextValue = string | readonly string[];

export interface Authorization {
  /** service:Action */
  action: string;
  resource: string;
  context: Readonly<Record<string, ContextValue>>;
  /** What the test recorded, for messages. */
  because: string;
}

function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

type Operator = (have: string, want: string) => boolean;

const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: (have, want) => have === want,
  StringLike: (have, want) => wildcard(want, false).test(have),
  ArnEquals: (have, want) => have === want,
  ArnLike: (have, want) => wildcard(want, false).test(have),
};

function conditionHolds(
  condition: NonNullable<PolicyStatement["Condition"]>,
  context: Authorization["context"],
): boolean {
  return Object.entries(condition).every(([operator, body]) => {
    const op = OPERATORS[operator];
    if (!op) throw new Error(`the test evaluator does not know condition operator ${operator}`);
    return Object.entries(body).every(([key, wanted]) => {
      const have = context[key];
      if (have === undefined) return false;
      // Several values in the context: each must match one wanted value (ForAllValues), which
      // is how the keys used here (tags, one value each) behave.
      return list(have).every((h) => list(wanted).some((w) => op(h, w)));
    });
  });
}

function statementMatches(s: PolicyStatement, a: Authorization): boolean {
  const loose = s as unknown as Record<string, unknown>;
  for (const key of ["NotAction", "NotResource", "NotPrincipal"]) {
    if (key in loose) throw new Error(`the test evaluator does not handle ${key}`);
  }
  if (!list(s.Action).some((p) => wildcard(p, true).test(a.action))) return false;
  if (!list(s.Resource).some((p) => wildcard(p, false).test(a.resource))) return false;
  return s.Condition === undefined || conditionHolds(s.Condition, a.context);
}

/** Allowed when a statement allows it and none denies it. */
export function isAllowed(policy: PolicyDocument, a: Authorization): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, a));
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

/** One line per authorization that `policies` (all of them: policy and boundary) do not allow. */
export function denied(
  policies: readonly PolicyDocument[],
  authorizations: readonly Authorization[],
): string[] {
  return authorizations
    .filter((a) => !policies.every((p) => isAllowed(p, a)))
    .map(
      (a) =>
        `${a.action} on ${a.resource}${
          Object.keys(a.context).length > 0 ? ` with ${JSON.stringify(a.context)}` : ""
        } (${a.because})`,
    );
}

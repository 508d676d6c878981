// IAM returns policy documents URL-encoded and in whatever shape they were written: a single
// Action string or a list, keys in any order. Normalise both sides before diffing so only
// real differences count as drift.
import type { PolicyDocument } from "../../graph/iam-policies.js";

type Loose = Record<string, unknown>;

export function decodePolicy(document: string | undefined): unknown {
  if (!document) return undefined;
  const text = document.trimStart().startsWith("{") ? document : decodeURIComponent(document);
  return JSON.parse(text) as unknown;
}

export function normalizePolicy(policy: unknown): unknown {
  if (!policy || typeof policy !== "object") return policy;
  const doc = policy as Loose;
  const statements = Array.isArray(doc["Statement"]) ? doc["Statement"] : [doc["Statement"]];
  return {
    Version: doc["Version"] ?? "2012-10-17",
    Statement: statements.map((s) => normalizeStatement(s as Loose)),
  };
}

function normalizeStatement(s: Loose): Loose {
  const out: Loose = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === "Action" || key === "NotAction" || key === "Resource" || key === "NotResource") {
      out[key] = asSortedList(value);
    } else if (key === "Principal" && value && typeof value === "object") {
      out[key] = Object.fromEntries(
        Object.entries(value as Loose).map(([k, v]) => [k, asSortedList(v)]),
      );
    } else if (key === "Condition" && value && typeof value === "object") {
      out[key] = Object.fromEntries(
        Object.entries(value as Loose).map(([op, body]) => [
          op,
          Object.fromEntries(Object.entries(body as Loose).map(([k, v]) => [k, asSortedList(v)])),
        ]),
      );
    } else {
      out[key] = value;
    }
  }
  return out;
}

function asSortedList(value: unknown): unknown[] {
  return (Array.isArray(value) ? [...(value as unknown[])] : [value]).map(String).sort();
}

export const policyJson = (doc: PolicyDocument): string => JSON.stringify(doc);

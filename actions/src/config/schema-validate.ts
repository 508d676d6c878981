// JSON-Schema validation with ajv (all errors, strict mode), each error turned into a located,
// human sentence. The schema's defaults are filled in as a side effect (useDefaults).
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import schema from "../../../schemas/mlops.schema.json" with { type: "json" };
import { didYouMean } from "./did-you-mean.js";
import type { ConfigIssue, ConfigPath } from "./issues.js";
import { pathToString } from "./issues.js";
import { locate } from "./positions.js";
import type { ParsedYaml } from "./parse-yaml.js";

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv2020({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    useDefaults: true,
    verbose: true,
  }).compile(schema);
  return compiled;
}

export const mlopsSchema = schema;

/** Validates (and fills defaults into) `parsed.data`; returns the problems found. */
export function validateAgainstSchema(parsed: ParsedYaml): ConfigIssue[] {
  const validate = validator();
  if (validate(parsed.data)) return [];
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  // A key the names' schema refuses (it says why) is not also reported as unknown.
  const refusedNames = new Set(
    (validate.errors ?? [])
      .filter((e) => e.keyword === "propertyNames")
      .map(
        (e) => `${e.instancePath}/${String((e.params as { propertyName?: unknown }).propertyName)}`,
      ),
  );
  for (const error of validate.errors ?? []) {
    // Errors about one property name are summed up by their "propertyNames" error.
    if (error.propertyName !== undefined) continue;
    const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
    if (
      error.keyword === "additionalProperties" &&
      refusedNames.has(`${error.instancePath}/${String(extra)}`)
    )
      continue;
    const issue = toIssue(parsed, error);
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function toIssue(parsed: ParsedYaml, error: ErrorObject): ConfigIssue {
  const base = instancePath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  let path: ConfigPath = base;
  let atKey = false;
  let message: string;

  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      path = [...base, key];
      atKey = true;
      const known = Object.keys((parent?.["properties"] as object | undefined) ?? {});
      const suggestion = didYouMean(key, known);
      message =
        `unknown key "${key}"` +
        (suggestion
          ? `; did you mean "${suggestion}"?`
          : known.length
            ? `; known keys: ${known.join(", ")}`
            : "");
      break;
    }
    case "required":
      atKey = true;
      message = `missing required key "${String(params["missingProperty"])}"`;
      break;
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map((v) => String(v));
      const suggestion = didYouMean(String(error.data), allowed);
      message =
        `is ${JSON.stringify(error.data)}; must be one of ${allowed.join(", ")}` +
        (suggestion ? ` (did you mean "${suggestion}"?)` : "");
      break;
    }
    case "const":
      message = `is ${JSON.stringify(error.data)}; must be ${JSON.stringify(params["allowedValue"])}`;
      break;
    case "type":
      message = `must be ${article(String(params["type"]).replace(/,/g, " or "))}, not ${describe(error.data)}`;
      break;
    case "pattern":
      message = `${JSON.stringify(error.data)} ${patternHint(parent)}`;
      break;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const bound = {
        minimum: "at least",
        maximum: "at most",
        exclusiveMinimum: "more than",
        exclusiveMaximum: "less than",
      }[error.keyword];
      message = `is ${JSON.stringify(error.data)}; must be ${bound} ${String(params["limit"])}`;
      break;
    }
    case "minLength":
    case "maxLength": {
      const length = typeof error.data === "string" ? error.data.length : 0;
      const bound = error.keyword === "minLength" ? "at least" : "at most";
      message = `${JSON.stringify(error.data)} is ${length} characters; must be ${bound} ${String(params["limit"])}`;
      break;
    }
    case "minItems":
    case "maxItems": {
      const count = Array.isArray(error.data) ? error.data.length : 0;
      const bound = error.keyword === "minItems" ? "at least" : "at most";
      message = `has ${count} entr${count === 1 ? "y" : "ies"}; must have ${bound} ${String(params["limit"])}`;
      break;
    }
    case "uniqueItems":
      message = `lists ${JSON.stringify((error.data as unknown[])[Number(params["i"])])} twice; each entry must be unique`;
      break;
    case "propertyNames": {
      // The schema of the names says what a name must look like.
      const rule = parent?.["propertyNames"] as Record<string, unknown> | undefined;
      const rules = typeof rule?.["description"] === "string" ? `: ${rule["description"]}` : "";
      path = [...base, String(params["propertyName"])];
      atKey = true;
      message = `key "${String(params["propertyName"])}" is not allowed${rules}`;
      break;
    }
    default:
      message =
        (typeof error.data === "number" || typeof error.data === "string"
          ? `is ${JSON.stringify(error.data)}; `
          : "") + (error.message ?? error.keyword);
  }
  const position = locate(parsed, path, atKey);
  return { file: parsed.file, ...position, path: pathToString(path), message };
}

function patternHint(parent: Record<string, unknown> | undefined): string {
  const description = typeof parent?.["description"] === "string" ? parent["description"] : "";
  if (description.startsWith("A duration"))
    return "is not a duration; write it like 45s, 30m, 2h or 1h30m";
  const examples = parent?.["examples"];
  if (Array.isArray(examples) && examples.length > 0) {
    return `has the wrong format; expected something like ${examples.map((e) => JSON.stringify(e)).join(" or ")}`;
  }
  return `has the wrong format (must match ${String(parent?.["pattern"])})`;
}

function instancePath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function describe(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = { object: "mapping", array: "list" };
  const name = names[type] ?? type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

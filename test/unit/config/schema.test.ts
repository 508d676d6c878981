// The schema checked by a second, independent JSON Schema implementation (hyperjump), its
// descriptions (editors show them on hover), and the shipped configs against it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  registerSchema,
  validate,
  type OutputUnit,
  type SchemaObject,
} from "@hyperjump/json-schema/draft-2020-12";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, REPO } from "./helpers.js";

const SCHEMA_PATH = join(REPO, "schemas/mlops.schema.json");
const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as SchemaObject & { $id: string };
const META = "https://json-schema.org/draft/2020-12/schema";
const CONFIG_DIR = join(REPO, "config");
const shipped = readdirSync(CONFIG_DIR)
  .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
  .sort();

beforeAll(() => {
  registerSchema(schema);
});

/** Every (sub)schema that describes a value, with its JSON pointer. */
function subschemas(node: unknown, pointer = ""): { pointer: string; schema: object }[] {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return [];
  const s = node as Record<string, unknown>;
  const found: { pointer: string; schema: object }[] = [];
  const visit = (child: unknown, at: string) => {
    if (child !== null && typeof child === "object" && !Array.isArray(child)) {
      found.push({ pointer: at, schema: child }, ...subschemas(child, at));
    }
  };
  for (const keyword of ["properties", "$defs", "patternProperties"]) {
    const map = s[keyword];
    if (map && typeof map === "object") {
      for (const [name, child] of Object.entries(map))
        visit(child, `${pointer}/${keyword}/${name}`);
    }
  }
  for (const keyword of ["items", "additionalProperties", "propertyNames"]) {
    visit(s[keyword], `${pointer}/${keyword}`);
  }
  return found;
}

const errorsOf = (units: OutputUnit[] | undefined): string[] =>
  (units ?? []).map((u) => `${u.instanceLocation} ${u.keyword} (${u.absoluteKeywordLocation})`);

describe("schemas/mlops.schema.json", () => {
  it("is a valid JSON Schema 2020-12 document per the meta-schema (hyperjump)", async () => {
    expect(schema.$schema).toBe(META);
    const output = await validate(META, schema as never, "BASIC");
    expect(errorsOf(output.valid ? [] : output.errors)).toEqual([]);
    expect(output.valid).toBe(true);
  });

  it("compiles in hyperjump (which also checks it against its dialect)", async () => {
    const validator = await validate(schema.$id);
    expect(validator(parse(BASE_CONFIG) as never).valid).toBe(true);
  });

  it("gives every property, at any depth, a description", () => {
    const all = subschemas(schema);
    expect(all.length).toBeGreaterThan(100);
    const missing = all
      .filter(({ schema: s }) => {
        const d = (s as { description?: unknown }).description;
        return typeof d !== "string" || d.trim().length < 3;
      })
      .map(({ pointer }) => pointer);
    expect(missing).toEqual([]);
  });

  it("has examples and defaults that its own subschemas accept", async () => {
    const bad: string[] = [];
    for (const { pointer, schema: s } of subschemas(schema)) {
      const { examples, default: fallback } = s as { examples?: unknown[]; default?: unknown };
      const values = [...(examples ?? []), ...(fallback === undefined ? [] : [fallback])];
      for (const value of values) {
        const output = await validate(`${schema.$id}#${pointer}`, value as never);
        if (!output.valid) bad.push(`${pointer}: ${JSON.stringify(value)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("rejects what the CLI's validator rejects, too", async () => {
    const validator = await validate(schema.$id);
    const config = parse(BASE_CONFIG) as Record<string, Record<string, unknown>>;
    const broken = (change: (c: typeof config) => void) => {
      const copy = structuredClone(config);
      change(copy);
      return validator(copy as never).valid;
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((c) => (c["version"] = 2 as never))).toBe(false);
    expect(broken((c) => ((c["training"] ?? {})["maxRuntime"] = "2 hours"))).toBe(false);
    expect(broken((c) => ((c["training"] ?? {})["maxRuntim"] = "2h"))).toBe(false);
    expect(broken((c) => delete (c["endpoint"] ?? {})["name"])).toBe(false);
  });
});

describe("shipped configs", () => {
  it("are there", () => {
    expect(shipped).toEqual(
      expect.arrayContaining(["mlops.yaml", "minimal.example.yaml", "full.example.yaml"]),
    );
  });

  it.each(shipped)("%s passes the schema under hyperjump", async (name) => {
    const data = parse(readFileSync(join(CONFIG_DIR, name), "utf8")) as unknown;
    const output = await validate(schema.$id, data as never, "BASIC");
    expect(errorsOf(output.valid ? [] : output.errors)).toEqual([]);
  });

  it.each(shipped)("%s starts with the yaml-language-server modeline", (name) => {
    const first = readFileSync(join(CONFIG_DIR, name), "utf8").split("\n")[0] ?? "";
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match, first).not.toBeNull();
    const target = resolve(dirname(join(CONFIG_DIR, name)), match?.[1] ?? "");
    expect(target).toBe(SCHEMA_PATH);
    expect(match?.[1]).toBe(relative(CONFIG_DIR, SCHEMA_PATH));
  });
});

// Files that are not configs at all, or built to hurt the parser: each must be rejected with exit
// code 1 and a located message (file:line:col) in well under a second, never a crash.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, makeWorkspace, runCli, type Workspace } from "./helpers.js";

interface Hostile {
  name: string;
  content: () => string | Uint8Array;
  /** "line:col" of the first reported problem. */
  at: string;
  message: string;
}

/** Deterministic pseudo-random bytes (xorshift32), NULs included. */
function garbage(length: number, seed = 0x9e3779b9): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const concat = (...parts: (string | Uint8Array)[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));

const billionLaughs = (): string => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = "abcdefghi";
  for (let i = 1; i < names.length; i++) {
    const prev = `*${names[i - 1] ?? ""}`;
    lines.push(`${names[i] ?? ""}: &${names[i] ?? ""} [${Array(9).fill(prev).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
};

const hostile: Hostile[] = [
  {
    name: "syntax error (unclosed flow sequence)",
    content: () => "version: 1\nproject: pets\nregion: [us-east-1\ndata:\n  bucket: b\n",
    at: "4:1",
    message: "Flow sequence in block collection must be sufficiently indented and end with a ]",
  },
  {
    name: "syntax error (nested mapping on one line)",
    content: () => "version: 1\nproject: pets: dogs\n",
    at: "2:10",
    message: "Nested mappings are not allowed in compact mappings",
  },
  {
    name: "tab indentation",
    content: () => "version: 1\ndata:\n\tsource: x\n",
    at: "3:1",
    message: "is indented with a tab; YAML needs spaces",
  },
  {
    name: "unclosed quote",
    content: () => 'version: 1\nproject: "pets\nregion: us-east-1\n',
    at: "4:1",
    message: 'Missing closing "quote',
  },
  {
    name: "duplicate key",
    content: () => "version: 1\nproject: a\nregion: us-east-1\nproject: b\n",
    at: "4:1",
    message: 'key "project" is written twice in the same mapping (first on line 2); keep one',
  },
  {
    name: "thousands of duplicate keys are capped",
    content: () => "a: 1\n".repeat(1000),
    at: "2:1",
    message: 'key "a" is written twice',
  },
  {
    name: "alias bomb (billion laughs)",
    content: billionLaughs,
    at: "2:8",
    message: "YAML aliases expand too far",
  },
  {
    name: "many aliases",
    content: () => `a: &x v\nb: [${Array(5000).fill("*x").join(", ")}]\n`,
    at: "2:405",
    message: "uses more than 100 aliases (*name); write the values out instead",
  },
  {
    name: "empty file",
    content: () => "",
    at: "1:1",
    message: "is empty: it needs at least version, project, region, data, training and endpoint",
  },
  {
    name: "comments only",
    content: () => "# nothing here\n\n# yet\n",
    at: "1:1",
    message: "is empty",
  },
  {
    name: "binary garbage with NULs",
    content: () => concat("version: 1\nproject: ", new Uint8Array([0]), garbage(64 * 1024)),
    at: "2:10",
    message: "is not a text file (it contains a NUL byte)",
  },
  {
    name: "random bytes only",
    content: () => garbage(8 * 1024, 12345),
    at: "", // wherever the first NUL is
    message: "is not a text file (it contains a NUL byte)",
  },
  {
    name: "invalid UTF-8",
    content: () => concat("version: 1\nproject: caf", new Uint8Array([0xe9]), "\n"),
    at: "2:13",
    message: "is not valid UTF-8 text",
  },
  {
    name: "UTF-16",
    content: () => concat(new Uint8Array([0xff, 0xfe]), Buffer.from("version: 1\n", "utf16le")),
    at: "1:1",
    message: "is UTF-16 text; save it as UTF-8",
  },
  {
    name: "20 MB file",
    content: () => Buffer.alloc(20 * 1024 * 1024, "# padding\n"),
    at: "1:1",
    message: "MiB; a config file may be at most 256 KiB",
  },
  {
    name: "list at the root",
    content: () => "- version: 1\n- project: pets\n",
    at: "1:1",
    message: "the top level must be a mapping of settings (version, project, ...), not a list",
  },
  {
    name: "scalar at the root",
    content: () => "# a comment first\njust some text\n",
    at: "2:1",
    message: "not a string",
  },
  {
    name: "100k levels of [ (200 KB)",
    content: () => `project: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    at: "1:72",
    message: "is nested too deeply here (over 64 levels)",
  },
  {
    name: "100k levels of { a: (within the size limit)",
    content: () => `${"{a: ".repeat(50_000)}1${"}".repeat(50_000)}\n`,
    at: "1:253",
    message: "is nested too deeply here",
  },
  {
    name: "100k levels of compact block sequences (- - - ...)",
    content: () => `${"- ".repeat(100_000)}x\n`,
    at: "1:127",
    message: "is nested too deeply here",
  },
  {
    name: "thousands of unclosed [ on their own lines",
    content: () => Array.from({ length: 5000 }, (_, i) => `k${i}: [\n`).join(""),
    at: "63:6",
    message: "is nested too deeply here",
  },
  {
    name: "nesting over 32 levels that the scan lets through",
    content: () => `project: ${"[".repeat(40)}${"]".repeat(40)}\n`,
    at: "1:41",
    message: "is nested more than 32 levels deep",
  },
  {
    name: "multiple documents",
    content: () => "version: 1\n---\nversion: 1\n",
    at: "2:1",
    message: "starts a second YAML document (---); a config file holds exactly one",
  },
];

let ws: Workspace;
let cli: string;
beforeAll(async () => {
  ws = makeWorkspace();
  cli = join(ws.dir, "bin/cli.mjs");
  mkdirSync(join(ws.dir, "bin"));
  await build({
    entryPoints: [join(REPO, "actions/src/entries/cli.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: cli,
    logLevel: "error",
    banner: {
      js: "import { createRequire as __c } from 'node:module';const require = __c(import.meta.url);",
    },
  });
});
afterAll(() => {
  ws.remove();
});

const fileOf = (name: string): string => `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`;
const LOCATED = /^(.+):(\d+):(\d+) (.+)$/;

describe("hostile files through main()", () => {
  it.each(hostile)("$name", async ({ name, content, at, message }) => {
    const file = ws.write(fileOf(name), content());
    const started = performance.now();
    const result = await runCli(["validate", "--config", file]);
    const elapsed = performance.now() - started;

    expect(result.code).toBe(1);
    expect(elapsed).toBeLessThan(1000);
    const lines = result.stderr.split("\n");
    const first = LOCATED.exec(lines[0] ?? "");
    expect(first, result.stderr).not.toBeNull();
    expect(first?.[1]).toBe(file);
    if (at) expect(`${first?.[2] ?? ""}:${first?.[3] ?? ""}`).toBe(at);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).not.toContain("--debug");
    expect(lines.length).toBeLessThanOrEqual(23); // at most 20 problems, a summary and a total
  });

  it("reports them as JSON too", async () => {
    const file = ws.write("json.yaml", "version: 1\nproject: a\nproject: b\n");
    const result = await runCli(["validate", "--config", file, "--format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      file,
      valid: false,
      issues: [
        {
          file,
          line: 3,
          column: 1,
          path: "",
          message: 'key "project" is written twice in the same mapping (first on line 2); keep one',
        },
      ],
    });
  });

  it("reports a folder and a missing file", async () => {
    const folder = await runCli(["validate", "--config", ws.dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`${ws.dir}:1:1 is not a regular file`);
    const missing = join(ws.dir, "nope.yaml");
    const result = await runCli(["validate", "--config", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${missing}:1:1 cannot be read: ENOENT`);
  });
});

describe("hostile files through a real process", () => {
  const picks = [
    "100k levels of [ (200 KB)",
    "alias bomb (billion laughs)",
    "20 MB file",
    "binary garbage with NULs",
    "multiple documents",
  ];
  it.each(picks)("%s", (name) => {
    const h = hostile.find((c) => c.name === name);
    if (!h) throw new Error(`no case ${name}`);
    const file = ws.write(`process-${fileOf(name)}`, h.content());
    const started = performance.now();
    const run = spawnSync(process.execPath, [cli, "validate", "--config", file], {
      encoding: "utf8",
      timeout: 20_000,
    });
    const elapsed = performance.now() - started;
    expect(run.status, run.stderr).toBe(1);
    expect(run.signal).toBeNull();
    expect(run.stderr).toContain(`${file}:${h.at}`);
    expect(run.stderr).toContain(h.message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Node's own start-up is part of this; the parsing itself is bounded by the test above.
    expect(elapsed).toBeLessThan(5000);
  });
});

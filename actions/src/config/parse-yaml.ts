// Reads a YAML file defensively: size, encoding, syntax, duplicate keys, alias bombs and nesting
// are all reported as located ConfigIssues, never as crashes. Positions are kept for later stages.
import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { ConfigIssue } from "./issues.js";
import { ConfigError } from "./issues.js";

export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_ALIAS_EXPANSIONS = 100;
const MAX_NESTING = 32;

export interface ParsedYaml {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  data: unknown;
}

export function parseYamlFile(file: string): ParsedYaml {
  const fail = (message: string, line = 1, column = 1): never => {
    throw new ConfigError([{ file, line, column, path: "", message }]);
  };

  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) fail("is not a regular file");
    size = stat.size;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    return fail(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (size > MAX_CONFIG_BYTES) {
    fail(`is ${(size / 1024 / 1024).toFixed(1)} MiB; a config file may be at most 1 MiB`);
  }
  const bytes = readFileSync(file);
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail("is not a text file (it contains a NUL byte)", ...lineColOfByte(bytes, nul));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("is not valid UTF-8 text");
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
      return { file, line: pos.line, column: pos.col, path: "", message: yamlMessage(e.message) };
    });
    throw new ConfigError(issues);
  }
  if (doc.contents === null)
    fail("is empty: it needs at least version, project, region, data, training and endpoint");

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(`YAML aliases expand too far (${message}); write the values out instead`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    const got = Array.isArray(data) ? "a list" : data === null ? "nothing" : `a ${typeof data}`;
    const pos = lineCounter.linePos(doc.contents?.range[0] ?? 0);
    fail(
      `the top level must be a mapping of settings (version, project, ...), not ${got}`,
      pos.line,
      pos.col,
    );
  }
  if (depthOf(data, 0) > MAX_NESTING) fail(`is nested more than ${MAX_NESTING} levels deep`);
  return { file, doc, lineCounter, data };
}

// yaml's messages end with "at line L, column C:" plus a source excerpt; we print the position
// ourselves, so keep only the sentence.
function yamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, "").trim();
}

function lineColOfByte(bytes: Buffer, offset: number): [number, number] {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return [line, offset - lineStart + 1];
}

function depthOf(value: unknown, depth: number): number {
  if (depth > MAX_NESTING || value === null || typeof value !== "object") return depth;
  let deepest = depth;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
}

// Reads a YAML file defensively: size, encoding, syntax, duplicate keys, alias bombs and nesting
// are all reported as located ConfigIssues, never as crashes. Positions are kept for later stages.
//
// The yaml library recurses per nesting level and parses at well under 1 MB/s on a slow runner,
// so hostile input is stopped before it reaches it: a size limit, then a linear scan that bounds
// nesting and the number of aliases. Duplicate keys are found here with one Set per mapping
// (yaml's own uniqueKeys check is quadratic in the size of a mapping).
import { readFileSync, statSync } from "node:fs";
import { LineCounter, isScalar, parseDocument, visit, type Document } from "yaml";
import type { ConfigIssue, ConfigPath } from "./issues.js";
import { ConfigError, pathToString, sortIssues } from "./issues.js";
import { locate, type YamlDocument } from "./positions.js";

/** A config is a few KB; this leaves room for comments while keeping parsing well under 1s. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Alias nodes (*name) written in the file. */
const MAX_ALIASES = 100;
/** Nodes aliases may expand to, in total (stops billion-laughs documents). */
const MAX_ALIAS_EXPANSIONS = 100;
/** Levels of mappings and lists in the data. */
const MAX_NESTING = 32;
/** The text scan over-counts a little (indentation plus indicators), so it allows twice that. */
const MAX_SCANNED_NESTING = 2 * MAX_NESTING;
/** A file of garbage has thousands of syntax errors; the first few say enough. */
const MAX_REPORTED = 20;

export interface ParsedYaml extends YamlDocument {
  file: string;
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
    fail(
      `is ${formatSize(size)}; a config file may be at most ${formatSize(MAX_CONFIG_BYTES)} (is this the right file?)`,
    );
  }
  const bytes = readFileSync(file);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    fail("is UTF-16 text; save it as UTF-8");
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail("is not a text file (it contains a NUL byte)", ...lineColOfByte(bytes, nul));
  const invalid = firstInvalidUtf8(bytes);
  if (invalid >= 0) {
    fail("is not valid UTF-8 text (save it as UTF-8)", ...lineColOfByte(bytes, invalid));
  }
  const text = new TextDecoder("utf-8").decode(bytes);

  const hostile = scanStructure(text);
  if (hostile) fail(hostile.message, ...lineColOfOffset(text, hostile.offset));

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number | undefined): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const syntax: ConfigIssue[] = doc.errors.map((e) => ({
    file,
    ...at(e.pos[0]),
    path: "",
    message: yamlMessage(e.code, e.message),
  }));
  const duplicates = duplicateKeys(doc).map(({ key, offset, first }) => ({
    file,
    ...at(offset),
    path: "",
    message: `key "${key}" is written twice in the same mapping (first on line ${at(first).line}); keep one`,
  }));
  if (syntax.length + duplicates.length > 0) {
    throw new ConfigError(capped(sortIssues([...syntax, ...duplicates])));
  }
  if (doc.contents === null)
    fail("is empty: it needs at least version, project, region, data, training and endpoint");

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    let first = 0;
    visit(doc, {
      Alias(_, alias) {
        first = alias.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const { line, col } = lineCounter.linePos(first);
    return fail(
      `YAML aliases expand too far (${message}); write the values out instead`,
      line,
      col,
    );
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
  const parsed: ParsedYaml = { file, doc, lineCounter, data };
  const deep = tooDeep(data, []);
  if (deep) {
    const pos = locate(parsed, deep);
    throw new ConfigError([
      {
        file,
        ...pos,
        path: pathToString(deep),
        message: `is nested more than ${MAX_NESTING} levels deep`,
      },
    ]);
  }
  return parsed;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

function capped(issues: ConfigIssue[]): ConfigIssue[] {
  if (issues.length <= MAX_REPORTED) return issues;
  const next = issues[MAX_REPORTED];
  const rest = issues.length - MAX_REPORTED;
  const kept = issues.slice(0, MAX_REPORTED);
  if (next) kept.push({ ...next, message: `... and ${rest} more YAML problems from here on` });
  return kept;
}

// yaml's messages end with "at line L, column C:" plus a source excerpt; we print the position
// ourselves, so keep only the sentence. A few are reworded for people who never read the spec.
function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") {
    return "starts a second YAML document (---); a config file holds exactly one";
  }
  if (code === "TAB_AS_INDENT") return "is indented with a tab; YAML needs spaces";
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, "").trim();
}

function duplicateKeys(doc: Document.Parsed): { key: string; offset: number; first: number }[] {
  const found: { key: string; offset: number; first: number }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const offset = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, offset);
        else found.push({ key, offset, first });
      }
    },
  });
  return found;
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
  // Columns count characters, like the parser's; the line before `offset` is valid UTF-8.
  const column = new TextDecoder("utf-8").decode(bytes.subarray(lineStart, offset)).length + 1;
  return [line, column];
}

function lineColOfOffset(text: string, offset: number): [number, number] {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return [line, offset - lineStart + 1];
}

/** Offset of the first byte that breaks UTF-8, or -1 when all of it is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

const isBlank = (c: number | undefined): boolean =>
  c === undefined || Number.isNaN(c) || c === SPACE || c === TAB || c === LF || c === CR;

/**
 * One linear pass over the text that finds what would make the parser recurse or loop too
 * much: nesting (flow brackets, block indentation and compact "- - -" / "? ?" indicators) and
 * alias nodes. Quoted scalars, comments and block scalars are skipped. It over-counts a little;
 * the exact nesting limit is checked on the data afterwards.
 */
export function scanStructure(text: string): { offset: number; message: string } | undefined {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  let aliases = 0;
  let indicators = 0;
  let lineIndent = 0;
  let blockScalarIndent = -1;
  let i = 0;
  let lineStart = true;
  const nestedTooDeep = (offset: number) => ({
    offset,
    message: `is nested too deeply here (over ${MAX_SCANNED_NESTING} levels); a config needs only a few`,
  });
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      let j = i;
      while (text.charCodeAt(j) === SPACE) j++;
      const c = text.charCodeAt(j);
      const empty = j >= n || c === LF || c === CR || c === TAB || c === 35; /* # */
      if (blockScalarIndent >= 0) {
        if (empty || j - i > blockScalarIndent) {
          i = skipLine(text, i);
          continue;
        }
        blockScalarIndent = -1;
      }
      if (!empty && flow === 0) {
        const indent = j - i;
        while (indents.length > 0 && (indents.at(-1) ?? 0) > indent) indents.pop();
        if (indents.length === 0 || (indents.at(-1) ?? 0) < indent) indents.push(indent);
        lineIndent = indent;
        indicators = 0;
      }
      i = j;
      continue;
    }
    const c = text.charCodeAt(i);
    const prev = i > 0 ? text.charCodeAt(i - 1) : LF;
    const tokenStart = isBlank(prev) || (flow > 0 && (prev === 91 || prev === 123 || prev === 44)); // [ { ,
    switch (c) {
      case LF:
        lineStart = true;
        i++;
        break;
      case 35: // #
        if (isBlank(prev)) i = skipLine(text, i);
        else i++;
        break;
      case 34: // "
        if (tokenStart || (flow > 0 && prev === 58)) i = skipDoubleQuoted(text, i + 1);
        else i++;
        break;
      case 39: // '
        if (tokenStart || (flow > 0 && prev === 58)) i = skipSingleQuoted(text, i + 1);
        else i++;
        break;
      case 91: // [
      case 123: // {
        if (flow > 0 || tokenStart) {
          flow++;
          if (indents.length + indicators + flow > MAX_SCANNED_NESTING) return nestedTooDeep(i);
        }
        i++;
        break;
      case 93: // ]
      case 125: // }
        if (flow > 0) flow--;
        i++;
        break;
      case 45: // -
      case 63: // ?
      case 58: // :
        if (flow === 0 && isBlank(text.charCodeAt(i + 1)) && (c === 58 || tokenStart)) {
          indicators++;
          if (indents.length + indicators > MAX_SCANNED_NESTING) return nestedTooDeep(i);
        }
        i++;
        break;
      case 42: // *
        if (tokenStart && ++aliases > MAX_ALIASES) {
          return {
            offset: i,
            message: `uses more than ${MAX_ALIASES} aliases (*name); write the values out instead`,
          };
        }
        i++;
        break;
      case 124: // |
      case 62: // >
        if (flow === 0 && tokenStart) {
          blockScalarIndent = lineIndent;
          i = skipLine(text, i);
        } else i++;
        break;
      default:
        i++;
    }
  }
  return undefined;
}

function skipLine(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end < 0 ? text.length : end;
}

function skipDoubleQuoted(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92)
      i += 2; // backslash escape
    else if (c === 34) return i + 1;
    else i++;
  }
  return text.length;
}

function skipSingleQuoted(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    if (text.charCodeAt(i) === 39) {
      if (text.charCodeAt(i + 1) === 39) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

/** The path of a value nested deeper than MAX_NESTING, if there is one. */
function tooDeep(value: unknown, path: (string | number)[]): ConfigPath | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (path.length >= MAX_NESTING) return path;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const found = tooDeep(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

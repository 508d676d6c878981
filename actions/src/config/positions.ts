// Maps a path inside the parsed data back to the line and column where the user wrote it.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { ConfigPath } from "./issues.js";

/** A parsed YAML document and the line counter that maps its offsets to lines. */
export interface YamlDocument {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  column: number;
}

/**
 * Position of the value at `path`; with `atKey`, or when the value is a mapping or list, of the
 * key that names it (for "unknown key", "missing key" or a rule about a whole block).
 * A path that does not exist in the file (a default, a missing key) resolves to the deepest
 * part that does.
 */
export function locate(parsed: YamlDocument, path: ConfigPath, atKey = false): Position {
  let node: unknown = parsed.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && scalarKey(p.key) === String(segment));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      // A problem with a whole mapping or list is shown at its key, not at its first entry.
      const collection = isMap(pair.value) || isSeq(pair.value);
      if (isLast && (atKey || collection) && keyStart !== undefined) {
        offset = keyStart;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const { line, col } = parsed.lineCounter.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === "object" && "range" in node
    ? (node as Node).range?.[0]
    : undefined;
}

function scalarKey(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

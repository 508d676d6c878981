// Cuts markdown to a size limit without leaving a code fence or <details> block open: the cut
// falls between lines, every block still open there is closed, and a note says where the rest is.

export interface TruncateResult {
  text: string;
  truncated: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Returns `markdown` unchanged when it fits in `limit` characters; otherwise its longest prefix
 * of whole lines that fits together with the closers of the blocks open at the cut and `note`.
 */
export function truncateMarkdown(markdown: string, limit: number, note: string): TruncateResult {
  if (markdown.length <= limit) return { text: markdown, truncated: false };
  const lines = markdown.split("\n");
  const kept: string[] = [];
  let size = 0;
  let fence: string | undefined; // the open fence's marker, e.g. "```"
  let details = 0;
  const closers = (openFence: string | undefined, openDetails: number): string =>
    (openFence === undefined ? "" : `\n${openFence}`) + "\n\n</details>".repeat(openDetails);
  const tail = `\n\n${note}`;

  for (const line of lines) {
    // What the state would be after this line.
    let nextFence = fence;
    let nextDetails = details;
    const marker = FENCE.exec(line)?.[1];
    if (fence === undefined) {
      if (marker !== undefined) nextFence = marker;
      else {
        nextDetails += count(line, /<details\b/gi);
        nextDetails = Math.max(0, nextDetails - count(line, /<\/details>/gi));
      }
    } else if (
      marker !== undefined &&
      marker[0] === fence[0] &&
      marker.length >= fence.length &&
      line.trim() === marker
    ) {
      nextFence = undefined;
    }
    const added = (kept.length === 0 ? 0 : 1) + line.length;
    if (size + added + closers(nextFence, nextDetails).length + tail.length > limit) break;
    kept.push(line);
    size += added;
    fence = nextFence;
    details = nextDetails;
  }
  return { text: `${kept.join("\n")}${closers(fence, details)}${tail}`, truncated: true };
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

// Safe truncation of markdown: cuts between lines and closes whatever is open at the cut.
import { describe, expect, it } from "vitest";
import { truncateMarkdown } from "../../actions/src/github/truncate.js";

const NOTE = "> cut; see the run summary";

describe("truncateMarkdown", () => {
  it("returns text that fits unchanged", () => {
    expect(truncateMarkdown("a\nb", 10, NOTE)).toEqual({ text: "a\nb", truncated: false });
  });

  it("closes a code fence and a details block open at the cut, within the limit", () => {
    const body = [
      "# Plan",
      "<details><summary>Fields</summary>",
      "",
      "```diff",
      ...Array.from({ length: 500 }, (_, i) => `+ field${i}: ${"v".repeat(40)}`),
      "```",
      "</details>",
    ].join("\n");
    const { text, truncated } = truncateMarkdown(body, 2_000, NOTE);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text.split("\n").filter((l) => l.startsWith("```"))).toHaveLength(2);
    expect(text).toMatch(/```\n\n<\/details>\n\n> cut; see the run summary$/);
  });

  it("closes a longer fence with the same marker and ignores markup inside fences", () => {
    const body = [
      "````md",
      "```",
      "<details>",
      ...Array.from({ length: 200 }, () => "x".repeat(50)),
      "````",
    ].join("\n");
    const { text } = truncateMarkdown(body, 1_000, NOTE);
    expect(text).toMatch(/\n````\n\n> cut/);
    expect(text).not.toContain("</details>");
  });
});

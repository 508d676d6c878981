// The sticky plan comment's body: the hidden marker and plan digest first (so truncation never
// touches them), the markdown plan cut to fit GitHub's limit, and where it was planned.
import { renderStages } from "../plan/render-stages.js";
import { renderMarkdown } from "../plan/render-markdown.js";
import type { Plan } from "../plan/types.js";
import { COMMENT_LIMIT } from "./comments.js";
import { commentMarker, encodeDigest, planDigest } from "./plan-binding.js";
import { truncateMarkdown } from "./truncate.js";

/** Headroom under GitHub's limit (it counts characters; stay well clear). */
const MARGIN = 536;

export interface CommentBody {
  body: string;
  truncated: boolean;
}

export function planCommentBody(
  plan: Plan,
  options: {
    configPath: string;
    runUrl: string;
    sha: string;
    /** The cost estimate's markdown, shown after the plan. */
    cost?: string;
    /** A config with `environments:`: their plans, a section each after the build stage's. */
    environments?: readonly Plan[];
  },
): CommentBody {
  const head = `${commentMarker(options.configPath)}\n${encodeDigest(planDigest(plan))}\n`;
  const cost = options.cost !== undefined ? `\n\n${options.cost}` : "";
  const foot = `${cost}\n\n<sub>Planned at ${options.sha.slice(0, 7)} in [this run](${options.runUrl}); this comment is updated on every push.</sub>`;
  const markdown = options.environments
    ? renderStages([plan, ...options.environments], "markdown", false)
    : renderMarkdown(plan);
  const note =
    `> [!NOTE]\n> This plan is too long for a comment (${markdown.length.toLocaleString("en-US")} characters) and was cut here. ` +
    `The full plan is in the [run summary](${options.runUrl}) and in the plan artifact.`;
  const fitted = truncateMarkdown(
    markdown,
    COMMENT_LIMIT - MARGIN - head.length - foot.length,
    note,
  );
  return { body: `${head}${fitted.text}${foot}`, truncated: fitted.truncated };
}

export function forkNoticeBody(configPath: string, runUrl: string, reason: string): string {
  return [
    commentMarker(configPath),
    `### mlops plan for \`${configPath}\``,
    "",
    `> [!NOTE]\n> ${reason}`,
    "",
    `See the [run summary](${runUrl}).`,
  ].join("\n");
}

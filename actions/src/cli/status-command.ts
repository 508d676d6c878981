// `mlops status`: the live service at a glance, read-only (the plan role may run it).
import { collectStatus } from "../status/collect.js";
import { renderStatusMarkdown, renderStatusText } from "../status/render.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";

export type StatusFormat = "text" | "markdown" | "json";

export interface StatusCommandOptions extends EngineOptions {
  format: StatusFormat;
}

export async function statusCommand(options: StatusCommandOptions, io: Output): Promise<number> {
  return withSession(options, async (session) => {
    await session.accountConfirmed;
    const status = await collectStatus(session);
    io.out(
      options.format === "json"
        ? JSON.stringify(status, null, 2)
        : options.format === "markdown"
          ? renderStatusMarkdown(status)
          : renderStatusText(status),
    );
    return 0;
  });
}

// `mlops sync`: the data set alone (its bucket first), always checked against a real listing
// of the prefix, so objects deleted or changed behind our back are put right.
import { runApply } from "../apply/run-apply.js";
import { report } from "./apply-command.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";

const DATA_NODES = new Set(["s3.bucket.data", "s3.dataset.data"]);

export async function syncCommand(options: EngineOptions, io: Output): Promise<number> {
  return withSession(
    options,
    async (session) => {
      const result = await runApply(session, {
        operation: "sync",
        confirm: () => Promise.resolve(true),
        selectNodes: (nodes) => nodes.filter((n) => DATA_NODES.has(n.address)),
        transform: (plan) => ({
          ...plan,
          changes: plan.changes.map((c) =>
            c.address === "s3.dataset.data" && c.action === "noop"
              ? { ...c, action: "update", reason: "verify against a listing of the prefix" }
              : c,
          ),
        }),
      });
      return report(result, io);
    },
    { verifyData: true },
  );
}

// `mlops destroy`: deletes what the config manages in reverse dependency order. The data
// bucket and its data (and the state bucket, which holds the lock) stay unless --include-data.
import { runApply } from "../apply/run-apply.js";
import type { Plan } from "../plan/types.js";
import { report } from "./apply-command.js";
import { confirmer } from "./confirm.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { renderText } from "../plan/render-text.js";

const DATA_KINDS = new Set(["s3.bucket", "s3.dataset"]);

export function toDestroyPlan(plan: Plan, includeData: boolean): Plan {
  // Buckets go last: the state record and the lock live in one, and deletes wait for the
  // deletion of whatever depends on them.
  const buckets = plan.changes.filter((c) => c.kind === "s3.bucket").map((c) => c.address);
  return {
    ...plan,
    changes: plan.changes.map((c) => {
      const exists = c.observedDigest !== null;
      const keep = !includeData && DATA_KINDS.has(c.kind);
      if (!exists || keep) {
        return {
          ...c,
          action: "noop",
          reason: keep ? "kept (data; pass --include-data)" : "does not exist",
          changes: [],
        };
      }
      return {
        ...c,
        action: "delete",
        reason: "destroy",
        changes: [],
        risk: DATA_KINDS.has(c.kind) ? ["deletes-data"] : [],
        dependsOn:
          c.kind === "s3.bucket" ? c.dependsOn : [...new Set([...c.dependsOn, ...buckets])],
      };
    }),
  };
}

export async function destroyCommand(
  options: EngineOptions & { autoApprove: boolean; includeData: boolean },
  io: Output,
): Promise<number> {
  return withSession(options, async (session) => {
    const ask = confirmer(options.autoApprove, "destroy these resources");
    const result = await runApply(session, {
      operation: "destroy",
      transform: (plan) => toDestroyPlan(plan, options.includeData),
      confirm: async (plan) => {
        io.out(renderText(plan));
        return ask();
      },
    });
    return report(result, io);
  });
}

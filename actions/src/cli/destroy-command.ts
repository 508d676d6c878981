// `mlops destroy`: deletes what the config manages in reverse dependency order (with what a move
// in progress left of the old identity), then the SageMaker models and endpoint configs earlier
// deployments superseded (destroy-leftovers.ts) and what carries the project's tags but no state
// record owns (orphans.ts), and says what it removed. The data bucket and its data (and the state bucket, which holds
// the lock) stay unless --include-data.
import { runApply } from "../apply/run-apply.js";
import type { Plan } from "../plan/types.js";
import { report } from "./apply-command.js";
import { confirmer } from "./confirm.js";
import { findLeftovers, removeLeftovers, type Leftover } from "./destroy-leftovers.js";
import { describeOrphans, findOrphans, removeOrphans } from "./orphans.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { renderText } from "../plan/render-text.js";
import { environmentStanding } from "../environments/served.js";
import { BUILD_STAGE } from "../environments/stages.js";
import { OperationalError } from "../operational-errors.js";
import type { Session } from "../session.js";

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
      // What the tool did not make is not the tool's to destroy.
      const foreign = c.action === "adopt";
      const { adoptWith: _adoptWith, ...change } = c;
      if (!exists || keep || foreign) {
        return {
          ...change,
          action: "noop",
          reason: foreign
            ? "kept (not made by mlops)"
            : keep
              ? "kept (data; pass --include-data)"
              : "does not exist",
          changes: [],
        };
      }
      return {
        ...change,
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
    await refuseWhileEnvironmentsServe(session);
    const ask = confirmer(options.autoApprove, "destroy these resources");
    // Found before the plan runs: --include-data deletes the state record they are read from.
    let leftovers = await findLeftovers(session);
    // What carries the project's tags but no record owns (an interrupted move, a lost record).
    const orphans = await findOrphans(session);
    let removed: string[] = [];
    const result = await runApply(session, {
      operation: "destroy",
      checkDataRegion: false,
      transform: (plan) => toDestroyPlan(plan, options.includeData),
      confirm: async (plan) => {
        leftovers = notInPlan(leftovers, plan);
        io.out(renderText(plan));
        io.out(describeLeftovers(leftovers));
        if (orphans.length > 0) io.out(describeOrphans(orphans).join("\n"));
        return ask();
      },
      afterApply: async () => {
        removed = await removeLeftovers(session.clients.sagemaker, leftovers);
        removed.push(...(await removeOrphans(session, orphans, options.includeData)));
      },
    });
    const code = report(result, io);
    if (removed.length > 0) {
      io.out(removed.join("\n"));
      io.out(
        `Removed ${String(removed.length)} superseded models, endpoint configs and finished training jobs.`,
      );
    }
    return code;
  });
}

/** Leftovers the plan does not delete itself (the graph names only the live model and config). */
function notInPlan(leftovers: readonly Leftover[], plan: Plan): Leftover[] {
  const planned = new Set(
    plan.changes
      .filter((c) => c.action === "delete")
      .map((c) => plan.nodes[c.address])
      .filter((n) => n !== undefined)
      .map((n) => `${n.kind}:${n.name}`),
  );
  // A training job is never a graph node of its own (training.run records it).
  const kindOf = {
    model: "sagemaker.model",
    "endpoint config": "sagemaker.endpoint-config",
    "training job": "sagemaker.training-job",
  };
  return leftovers.filter((l) => !planned.has(`${kindOf[l.kind]}:${l.name}`));
}

function describeLeftovers(leftovers: readonly Leftover[]): string {
  if (leftovers.length === 0)
    return "No superseded models or endpoint configs, and no finished training jobs, to remove.";
  return [
    `Also removes ${String(leftovers.length)} superseded models and endpoint configs of earlier deployments, and finished training jobs:`,
    ...leftovers.map((l) => `  - SageMaker ${l.kind} ${l.name}`),
  ].join("\n");
}

/**
 * The build stage holds the registry every environment deploys from: it goes last, after every
 * environment that still has resources (their records say so).
 */
async function refuseWhileEnvironmentsServe(session: Session): Promise<void> {
  if (session.stage?.name !== BUILD_STAGE) return;
  const { withResources: serving } = await environmentStanding(
    session.clients.s3,
    session.config,
    session.graph.context.account,
  );
  if (serving.length === 0) return;
  throw new OperationalError(
    `the build stage holds the model registry that ${serving.join(", ")} deploy from; nothing was destroyed. Destroy ${serving.length === 1 ? "that environment" : "those environments"} first: ${serving.map((e) => `mlops destroy --env ${e}`).join("; ")}`,
  );
}

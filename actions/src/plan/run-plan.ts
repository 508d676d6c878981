// One plan: read the state record, find a move, and compute the plan against live AWS, with the
// config's cost estimate from the shipped price table. Changes nothing; refuses training data in
// another region before showing anything. The build stage keeps what the config served before
// it had environments until they all serve.
import { estimateCost, type CostEstimate } from "../cost/estimate.js";
import { PRICE_TABLE } from "../cost/prices.generated.js";
import { environmentStanding } from "../environments/served.js";
import { BUILD_STAGE } from "../environments/stages.js";
import type { Session } from "../session.js";
import { computePlan, type Observations, type PlanInput } from "./compute.js";
import { checkDataRegion } from "./data-region.js";
import { findMove } from "./moves.js";
import type { Plan } from "./types.js";

/** A plan fresh from the account, so it always carries its cost estimate. */
export type CostedPlan = Plan & { cost: CostEstimate };

export async function runPlan(
  session: Session,
): Promise<{ plan: CostedPlan; observations: Observations }> {
  const state = session.state.read();
  const [result] = await Promise.all([
    computePlan({
      graph: session.graph,
      state,
      move: state.then((record) => findMove(session, record)),
      handlers: session.handlers,
      ctx: session.ctx,
      configFile: session.config.file,
      ...stageInput(session),
    }),
    session.accountConfirmed,
    checkDataRegion(session),
  ]);
  return { ...result, plan: { ...result.plan, cost: estimateCost(session.config, PRICE_TABLE) } };
}

/** What a plan needs to know of the session's stage (plan and apply compute plans alike). */
export function stageInput(session: Session): Pick<PlanInput, "stage" | "waitingEnvironments"> {
  if (!session.stage) return {};
  if (session.stage.name !== BUILD_STAGE) return { stage: session.stage };
  return {
    stage: session.stage,
    waitingEnvironments: async () =>
      (await environmentStanding(session.clients.s3, session.config, session.graph.context.account))
        .waiting,
  };
}

// One plan: read the state record and compute the plan against live AWS. Changes nothing.
import type { Session } from "../session.js";
import { computePlan, type Observations } from "./compute.js";
import type { Plan } from "./types.js";

export async function runPlan(
  session: Session,
): Promise<{ plan: Plan; observations: Observations }> {
  const [result] = await Promise.all([
    computePlan({
      graph: session.graph,
      state: session.state.read(),
      handlers: session.handlers,
      ctx: session.ctx,
      configFile: session.config.file,
      ...(session.stage && { stage: session.stage }),
    }),
    session.accountConfirmed,
  ]);
  return result;
}

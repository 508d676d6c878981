// Entry of actions/plan (bundled to actions/dist/plan.js): the action is planAction() in
// ../github/plan-action.ts, where tests can import it.
import { planAction } from "../github/plan-action.js";
import { runAction } from "../github/report-error.js";

await runAction(planAction);

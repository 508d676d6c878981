// Entry of actions/apply (bundled to actions/dist/apply.js): the action is applyAction() in
// ../github/apply-action.ts, where tests can import it.
import { applyAction } from "../github/apply-action.js";
import { runAction } from "../github/report-error.js";

await runAction(applyAction);

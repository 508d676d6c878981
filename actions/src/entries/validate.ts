// Entry of actions/validate (bundled to actions/dist/validate.js): the action is validateAction() in
// ../github/validate-action.ts, where tests can import it.
import { validateAction } from "../github/validate-action.js";
import { runAction } from "../github/report-error.js";

await runAction(validateAction);

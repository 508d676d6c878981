// Entry of actions/train (bundled to actions/dist/train.js): the action is trainAction() in
// ../github/train-action.ts, where tests can import it.
import { trainAction } from "../github/train-action.js";
import { runAction } from "../github/report-error.js";

await runAction(trainAction);

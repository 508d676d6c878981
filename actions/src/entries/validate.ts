// Entry of actions/validate (bundled to actions/dist/validate.js): the action is validateAction() in
// ../github/validate-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";
import { runAction } from "../github/report-error.js";

// Before the action's code (the AWS SDK) is loaded, so that it is compiled from the cache.
enableCompileCache();
await runAction(async () => (await import("../github/validate-action.js")).validateAction());

// Entry of actions/validate (bundled to actions/dist/validate.js): the action is validateAction() in
// ../github/validate-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";

// Before any other code (the AWS SDK, @actions/core) is loaded, so that it is compiled from the
// cache: everything else is imported dynamically.
enableCompileCache();
const { runAction } = await import("../github/report-error.js");
await runAction(async () => (await import("../github/validate-action.js")).validateAction());

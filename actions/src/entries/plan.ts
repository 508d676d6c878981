// Entry of actions/plan (bundled to actions/dist/plan.js): the action is planAction() in
// ../github/plan-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";
import { runAction } from "../github/report-error.js";

// Before the action's code (the AWS SDK) is loaded, so that it is compiled from the cache.
enableCompileCache();
// Its first AWS request goes out now and is answered while the rest of the SDK loads.
(await import("../aws/early-identity.js")).startIdentityCheck();
await runAction(async () => (await import("../github/plan-action.js")).planAction());

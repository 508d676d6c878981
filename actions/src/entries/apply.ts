// Entry of actions/apply (bundled to actions/dist/apply.js): the action is applyAction() in
// ../github/apply-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";

// Before any other code (the AWS SDK, @actions/core) is loaded, so that it is compiled from the
// cache: everything else is imported dynamically.
enableCompileCache();
// Its first AWS request goes out now and is answered while the rest of the SDK loads.
(await import("../aws/early-identity.js")).startIdentityCheck();
const { runAction } = await import("../github/report-error.js");
await runAction(async () => (await import("../github/apply-action.js")).applyAction());

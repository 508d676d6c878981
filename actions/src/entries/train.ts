// Entry of actions/train (bundled to actions/dist/train.js): the action is trainAction() in
// ../github/train-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";
import { runAction } from "../github/report-error.js";

// Before the action's code (the AWS SDK) is loaded, so that it is compiled from the cache.
enableCompileCache();
// Its first AWS request goes out now and is answered while the rest of the SDK loads.
(await import("../aws/early-identity.js")).startIdentityCheck();
await runAction(async () => (await import("../github/train-action.js")).trainAction());

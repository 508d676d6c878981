// Entry of actions/ec2-runner (bundled to actions/dist/ec2-runner.js): the action is ec2RunnerAction() in
// ../github/ec2-runner-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";
import { runAction } from "../github/report-error.js";

// Before the action's code (the AWS SDK) is loaded, so that it is compiled from the cache.
enableCompileCache();
await runAction(async () => (await import("../github/ec2-runner-action.js")).ec2RunnerAction());

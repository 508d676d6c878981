// Entry of actions/ec2-runner (bundled to actions/dist/ec2-runner.js): the action is ec2RunnerAction() in
// ../github/ec2-runner-action.ts, where tests can import it.
import { enableCompileCache } from "../compile-cache.js";

// Before any other code (the AWS SDK, @actions/core) is loaded, so that it is compiled from the
// cache: everything else is imported dynamically.
enableCompileCache();
const { runAction } = await import("../github/report-error.js");
await runAction(async () => (await import("../github/ec2-runner-action.js")).ec2RunnerAction());

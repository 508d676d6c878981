// Entry of actions/ec2-runner (bundled to actions/dist/ec2-runner.js): the action is ec2RunnerAction() in
// ../github/ec2-runner-action.ts, where tests can import it.
import { ec2RunnerAction } from "../github/ec2-runner-action.js";
import { runAction } from "../github/report-error.js";

await runAction(ec2RunnerAction);

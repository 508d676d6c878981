// The GPU EC2 runner for training: start (launch + single-use runner), stop, janitor.
export { dlamiParameterName, resolveAmi, ssmParameterReader, type ParameterReader } from "./ami.js";
export {
  GitHubApiError,
  GitHubRunnerApi,
  type GitHubRunner,
  type JitConfig,
  type RunnerApi,
} from "./github-runners.js";
export { describeJanitorReport, runJanitor, type JanitorReport } from "./janitor.js";
export {
  CAPACITY_ERRORS,
  launchChoices,
  NoCapacityError,
  runInstancesInput,
  type LaunchChoice,
} from "./launch.js";
export { runnerLabel, runnerName, runnerNamePrefix, TAG } from "./names.js";
export { RunnerStartError, startRunner, type StartOptions, type StartResult } from "./start.js";
export { RunnerStopError, stopRunner, type StopOptions, type StopResult } from "./stop.js";
export {
  DEFAULT_RUNNER_RELEASE,
  encodeUserData,
  JOB_STARTED_HOOK,
  renderJobStartedHook,
  renderUserData,
  USER_DATA_MAX_BYTES,
  type ExpectedJob,
} from "./user-data.js";

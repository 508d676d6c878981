// Errors that describe a situation needing attention (AWS said no, a lock is held, a quality
// gate failed, a runner never came online) rather than a bug. The CLI and every action report
// these with their message alone; anything else is an internal fault, reported with its stack.
const OPERATIONAL_ERROR_NAMES: ReadonlySet<string> = new Set([
  "AbortError",
  "ArchiveError",
  "AwsOperationError",
  "DeploymentFailedError",
  "EmulatorError",
  "GitHubApiError",
  "InputError",
  "LockError",
  "NeedsHumanError",
  "NoCapacityError",
  "PlanMismatchError",
  "QualityGateError",
  "RunnerStartError",
  "RunnerStopError",
  "StateConflictError",
  "TrainingFailedError",
  "UnreviewedRollbackError",
  "UserDataError",
  "WaitError",
]);

export function isOperationalError(error: unknown): error is Error {
  return error instanceof Error && OPERATIONAL_ERROR_NAMES.has(error.name);
}

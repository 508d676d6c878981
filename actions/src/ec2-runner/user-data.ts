// The runner instance's user data: a bash script that arms the watchdogs first (hard lifetime,
// then idle), installs the pinned actions/runner release (sha256 checked; the Deep Learning AMI
// has none), runs one single-use JIT runner and shuts the instance down when it exits. With
// InstanceInitiatedShutdownBehavior=terminate every shutdown ends the instance, whatever happens
// to the workflow. The script re-runs itself with --idle-watchdog as a transient systemd
// service, so the watchdog is one shellcheck-clean script and outlives cloud-init.
import { OperationalError } from "../operational-errors.js";

/** actions/runner release installed on the instance (JIT runners update themselves if GitHub asks). */
export const DEFAULT_RUNNER_RELEASE = {
  version: "2.329.0",
  sha256: "194f1e1e4bd02f80b7e9633fc546084d8d4e19f3928a324d512ea53430102e1d",
} as const;

/** EC2 refuses user data over 16 KB (base64). */
export const USER_DATA_MAX_BYTES = 16 * 1024;

/** The one job the runner may run: a job of this workflow run of this repository. */
export interface ExpectedJob {
  /** OWNER/REPO, as GITHUB_REPOSITORY names it. */
  repository: string;
  /** GITHUB_RUN_ID of the run that started the runner. */
  runId: string;
}

/** Where the user data installs the job-started hook (outside the runner's work folder). */
export const JOB_STARTED_HOOK = "/opt/mlops/job-started.sh";

export interface UserDataOptions {
  /** generate-jitconfig's encoded_jit_config (base64). */
  jitConfig: string;
  expectedJob: ExpectedJob;
  maxLifetimeSeconds: number;
  idleTimeoutSeconds: number;
  /** How often the idle watchdog looks for a running job; default 30. */
  idleCheckSeconds?: number;
  runner?: { version: string; sha256: string };
}

export class UserDataError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "UserDataError";
  }
}

export function renderUserData(options: UserDataOptions): string {
  const runner = options.runner ?? DEFAULT_RUNNER_RELEASE;
  check(/^[A-Za-z0-9+/=]+$/.test(options.jitConfig), "the JIT config is not base64");
  check(/^\d+\.\d+\.\d+$/.test(runner.version), `runner version "${runner.version}" is not x.y.z`);
  check(/^[0-9a-f]{64}$/.test(runner.sha256), "the runner sha256 is not 64 lowercase hex digits");
  const lifetime = seconds(options.maxLifetimeSeconds, "maxLifetimeSeconds");
  const idle = seconds(options.idleTimeoutSeconds, "idleTimeoutSeconds");
  const every = seconds(options.idleCheckSeconds ?? 30, "idleCheckSeconds");
  const hook = renderJobStartedHook(options.expectedJob);
  return `#!/bin/bash
# mlops EC2 training runner (rendered by actions/src/ec2-runner/user-data.ts).
# Runs one single-use GitHub Actions runner; the instance shuts down (and so terminates) after
# ${lifetime}s in any case, after ${idle}s without a running job, or when the runner exits.
set -euo pipefail

readonly MAX_LIFETIME_SECONDS=${lifetime}
readonly IDLE_TIMEOUT_SECONDS=${idle}
readonly IDLE_CHECK_SECONDS=${every}
readonly RUNNER_VERSION=${runner.version}
readonly RUNNER_SHA256=${runner.sha256}
readonly RUNNER_USER=runner
readonly RUNNER_DIR=/opt/actions-runner
readonly JIT_CONFIG='${options.jitConfig}'

log() {
  echo "mlops-runner $(date -u +%Y-%m-%dT%H:%M:%SZ): $*"
}

halt() {
  log "shutting down: $*"
  shutdown -h now || poweroff
}

# Shuts down after IDLE_TIMEOUT_SECONDS without a Runner.Worker process (no job running).
idle_watchdog() {
  local last_busy now
  last_busy=$(date +%s)
  while true; do
    now=$(date +%s)
    if pgrep -f "$RUNNER_DIR/bin/Runner.Worker" >/dev/null; then
      last_busy=$now
    elif ((now - last_busy >= IDLE_TIMEOUT_SECONDS)); then
      halt "no job for \${IDLE_TIMEOUT_SECONDS}s"
      return 0
    fi
    sleep "$IDLE_CHECK_SECONDS"
  done
}

if [[ "\${1:-}" == "--idle-watchdog" ]]; then
  idle_watchdog
  exit 0
fi

trap 'halt "bootstrap failed at line $LINENO"' ERR

# 1. The hard limit, armed before anything else can fail or hang.
if ! systemd-run --unit=mlops-max-lifetime --on-active="\${MAX_LIFETIME_SECONDS}s" /sbin/shutdown -h now; then
  nohup bash -c "sleep \${MAX_LIFETIME_SECONDS}; shutdown -h now" >/dev/null 2>&1 &
fi
log "max lifetime armed: \${MAX_LIFETIME_SECONDS}s"

# 2. The idle watchdog: this script again, as its own service.
self=$(readlink -f "$0")
if ! systemd-run --unit=mlops-idle-watchdog /bin/bash "$self" --idle-watchdog; then
  nohup /bin/bash "$self" --idle-watchdog >/dev/null 2>&1 &
fi
log "idle watchdog armed: \${IDLE_TIMEOUT_SECONDS}s"

# 3. The runner: a user of its own (the runner refuses root), sudo like a hosted runner.
if ! id "$RUNNER_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$RUNNER_USER"
fi
for group in docker video render; do
  if getent group "$group" >/dev/null; then
    usermod -aG "$group" "$RUNNER_USER"
  fi
done
echo "$RUNNER_USER ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/90-mlops-runner
chmod 0440 /etc/sudoers.d/90-mlops-runner

tarball="actions-runner-linux-x64-\${RUNNER_VERSION}.tar.gz"
mkdir -p "$RUNNER_DIR"
curl --fail --silent --show-error --location --retry 5 --retry-delay 3 \\
  --output "/tmp/$tarball" \\
  "https://github.com/actions/runner/releases/download/v\${RUNNER_VERSION}/$tarball"
echo "$RUNNER_SHA256  /tmp/$tarball" | sha256sum --check --strict
tar -xzf "/tmp/$tarball" -C "$RUNNER_DIR"
rm -f "/tmp/$tarball"
"$RUNNER_DIR/bin/installdependencies.sh" || log "installdependencies.sh failed; trying the runner anyway"
chown -R "$RUNNER_USER:$RUNNER_USER" "$RUNNER_DIR"

# 4. The job-started hook: the runner takes only the job of the run that started it (its label
# can be read in public logs); any other job ends the instance before a step runs.
mkdir -p "$(dirname "${JOB_STARTED_HOOK}")"
cat >"${JOB_STARTED_HOOK}" <<'MLOPS_JOB_STARTED_HOOK'
${hook}MLOPS_JOB_STARTED_HOOK
chmod 0755 "${JOB_STARTED_HOOK}"
echo "ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_STARTED_HOOK}" >>"$RUNNER_DIR/.env"
chown "$RUNNER_USER:$RUNNER_USER" "$RUNNER_DIR/.env"

# 5. One job, then the instance ends.
log "starting the single-use runner \${RUNNER_VERSION}"
status=0
cd "$RUNNER_DIR"
sudo -u "$RUNNER_USER" -H env ACTIONS_RUNNER_HOOK_JOB_STARTED="${JOB_STARTED_HOOK}" \\
  ./run.sh --jitconfig "$JIT_CONFIG" || status=$?
trap - ERR
halt "runner exited with status $status"
`;
}

/**
 * The runner's job-started hook (ACTIONS_RUNNER_HOOK_JOB_STARTED), run before the job's first
 * step with the job's GITHUB_REPOSITORY and GITHUB_RUN_ID: it accepts only the run that started
 * the runner; for any other job it shuts the instance down (so it terminates) and fails the job.
 */
export function renderJobStartedHook(expected: ExpectedJob): string {
  check(
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(expected.repository),
    `repository "${expected.repository}" is not OWNER/REPO`,
  );
  check(/^[0-9]{1,20}$/.test(expected.runId), `run id "${expected.runId}" is not a number`);
  return `#!/bin/bash
# mlops job-started hook (rendered by actions/src/ec2-runner/user-data.ts): this runner is for
# one job of run ${expected.runId} of ${expected.repository}.
set -uo pipefail

readonly EXPECTED_REPOSITORY='${expected.repository}'
readonly EXPECTED_RUN_ID='${expected.runId}'

if [[ "\${GITHUB_REPOSITORY:-}" == "$EXPECTED_REPOSITORY" && "\${GITHUB_RUN_ID:-}" == "$EXPECTED_RUN_ID" ]]; then
  echo "mlops-runner: a job of run $EXPECTED_RUN_ID of $EXPECTED_REPOSITORY: accepted"
  exit 0
fi
echo "mlops-runner: refusing a job of run \${GITHUB_RUN_ID:-?} of \${GITHUB_REPOSITORY:-?}: this runner is for run $EXPECTED_RUN_ID of $EXPECTED_REPOSITORY; shutting the instance down" >&2
sudo -n shutdown -h now || sudo -n poweroff || true
exit 1
`;
}

/** Base64 user data for RunInstances; refuses what EC2 would refuse. */
export function encodeUserData(script: string): string {
  const encoded = Buffer.from(script, "utf8").toString("base64");
  if (encoded.length > USER_DATA_MAX_BYTES) {
    throw new UserDataError(
      `runner user data is ${encoded.length} bytes base64; EC2 allows at most ${USER_DATA_MAX_BYTES}`,
    );
  }
  return encoded;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new UserDataError(`runner user data: ${message}`);
}

function seconds(value: number, what: string): number {
  check(Number.isInteger(value) && value > 0, `${what} must be a positive whole number`);
  return value;
}

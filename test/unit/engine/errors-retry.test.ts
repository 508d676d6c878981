// Error translation (aws/errors.ts) and our busy/throttle retry (aws/retry.ts) on a fake clock.
import { describe, expect, it } from "vitest";
import {
  AwsOperationError,
  classifyError,
  readOrUndefined,
} from "../../../actions/src/aws/errors.js";
import { retryBusy } from "../../../actions/src/aws/retry.js";
import { fakeClock } from "../../../actions/src/clock.js";
import { awsError } from "./helpers.js";

describe("classifyError", () => {
  it.each([
    ["ThrottlingException", "Rate exceeded", 400, "retryable"],
    ["Throttling", "Rate exceeded", 400, "retryable"],
    ["TooManyRequestsException", "Rate exceeded", 429, "retryable"],
    ["SlowDown", "Please reduce your request rate.", 503, "retryable"],
    ["ConcurrentUpdateException", "Concurrent update in progress", 400, "retryable"],
    ["ResourceConflictException", "An update is in progress for resource: fn", 409, "retryable"],
    [
      "InvalidParameterValueException",
      "The role defined for the function cannot be assumed by Lambda.",
      400,
      "retryable",
    ],
    [
      "ValidationException",
      'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/pets".',
      400,
      "retryable",
    ],
    ["ValidationException", 'Could not find endpoint "pets".', 400, "not-found"],
    ["ValidationException", 'Could not find endpoint configuration "pets-ec-1".', 400, "not-found"],
    ["ValidationException", 'Could not find model "pets-model-1".', 400, "not-found"],
    ["ValidationException", "Requested resource not found.", 400, "not-found"],
    [
      "ValidationException",
      "Could not find training job 'arn:...:training-job/x'.",
      400,
      "not-found",
    ],
    ["ValidationException", "1 validation error detected: InstanceType", 400, "terminal"],
    ["NoSuchEntity", "The role with name x cannot be found.", 404, "not-found"],
    ["NotFound", "", 404, "not-found"],
    ["NoSuchBucket", "The specified bucket does not exist", 404, "not-found"],
    ["AccessDenied", "User is not authorized to perform: s3:CreateBucket", 403, "access-denied"],
    ["AccessDeniedException", "not authorized", 400, "access-denied"],
    ["EntityAlreadyExists", "Role with name x already exists.", 409, "terminal"],
    ["InternalError", "We encountered an internal error.", 500, "retryable"],
  ] as const)("%s (%s) is %s", (name, message, status, expected) => {
    expect(classifyError(awsError(name, message, status))).toBe(expected);
  });

  it("says which permission is missing when access is denied", () => {
    const error = new AwsOperationError(
      "creating S3 bucket pets-data",
      awsError(
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/ci/gh is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::pets-data",
        403,
      ),
    );
    expect(error.errorClass).toBe("access-denied");
    expect(error.message).toMatch(
      /^creating S3 bucket pets-data: access denied: the credentials lack s3:CreateBucket/,
    );
  });

  it("reads a missing thing as undefined and wraps other failures with context", async () => {
    await expect(
      readOrUndefined("reading endpoint pets", () =>
        Promise.reject(awsError("ValidationException", 'Could not find endpoint "pets".')),
      ),
    ).resolves.toBeUndefined();
    await expect(
      readOrUndefined("reading endpoint pets", () =>
        Promise.reject(awsError("ValidationException", "1 validation error detected")),
      ),
    ).rejects.toThrow("reading endpoint pets: ValidationException: 1 validation error detected");
  });
});

describe("retryBusy", () => {
  const failing = (errors: Error[], value = "ok") => {
    let calls = 0;
    const fn = (): Promise<string> => {
      const error = errors[calls++];
      return error ? Promise.reject(error) : Promise.resolve(value);
    };
    return { fn, calls: () => calls };
  };

  it("retries a throttled call, then returns its result", async () => {
    const clock = fakeClock();
    const { fn, calls } = failing([awsError("ThrottlingException", "Rate exceeded")]);
    const delays: number[] = [];
    const result = await retryBusy("creating role", fn, {
      deadlineMs: 60_000,
      clock,
      onRetry: (_attempt, _error, delay) => delays.push(delay),
    });
    expect(result).toBe("ok");
    expect(calls()).toBe(2);
    expect(delays).toHaveLength(1);
  });

  it("retries an IAM propagation delay (role cannot be assumed yet)", async () => {
    const clock = fakeClock();
    const propagation = awsError(
      "InvalidParameterValueException",
      "The role defined for the function cannot be assumed by Lambda.",
    );
    const { fn, calls } = failing([propagation, propagation, propagation]);
    await expect(retryBusy("creating function", fn, { deadlineMs: 120_000, clock })).resolves.toBe(
      "ok",
    );
    expect(calls()).toBe(4);
  });

  it("backs off exponentially (capped) on busy errors and gives up at the deadline", async () => {
    const clock = fakeClock();
    const busy = awsError("ConcurrentUpdateException", "Concurrent update in progress");
    let calls = 0;
    const delays: number[] = [];
    const attempt = retryBusy(
      "registering scalable target",
      () => {
        calls++;
        return Promise.reject(busy);
      },
      {
        deadlineMs: 120_000,
        baseDelayMs: 1000,
        maxDelayMs: 15_000,
        clock,
        onRetry: (_a, _e, delay) => delays.push(delay),
      },
    );
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsOperationError);
    expect((error as AwsOperationError).errorClass).toBe("retryable");
    expect((error as Error).message).toContain(
      "registering scalable target: ConcurrentUpdateException",
    );
    // Full jitter within [ceiling/2, ceiling], ceiling doubling from 1 s up to 15 s.
    delays.slice(0, 4).forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(500 * 2 ** i);
      expect(d).toBeLessThanOrEqual(1000 * 2 ** i);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(15_000);
    // It stopped at the deadline: the waits add up to exactly the deadline, never beyond.
    expect(delays.reduce((a, b) => a + b, 0)).toBe(120_000);
    expect(clock.now()).toBe(120_000);
    expect(calls).toBe(delays.length + 1);
  });

  it("does not retry terminal or access-denied errors", async () => {
    for (const e of [
      awsError("ValidationException", "bad instance type"),
      awsError("AccessDenied", "not authorized to perform: iam:CreateRole", 403),
    ]) {
      const clock = fakeClock();
      const { fn, calls } = failing([e]);
      await expect(retryBusy("x", fn, { deadlineMs: 60_000, clock })).rejects.toThrow(e.message);
      expect(calls()).toBe(1);
      expect(clock.now()).toBe(0);
    }
  });

  it("stops retrying once aborted", async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let calls = 0;
    const result = retryBusy(
      "x",
      () => {
        calls++;
        if (calls === 2) controller.abort();
        return Promise.reject(awsError("ThrottlingException", "Rate exceeded"));
      },
      { deadlineMs: 600_000, clock, signal: controller.signal },
    );
    await expect(result).rejects.toThrow("ThrottlingException");
    expect(calls).toBe(2);
  });
});

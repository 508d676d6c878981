// The apply lock and the state record over an in-memory S3 that honours conditional writes.
import { describe, expect, it } from "vitest";
import {
  acquireLock,
  forceUnlock,
  LockError,
  type LockInfo,
  type LockLocation,
} from "../../../actions/src/apply/lock.js";
import { StateStore, type StateRecord } from "../../../actions/src/apply/state-store.js";
import { fakeClock } from "../../../actions/src/clock.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import { fakeObjectStore, mockedClients } from "./helpers.js";

const BUCKET = "pets-state";
const KEY = ".mlops/lock.json";

function setup() {
  const aws = mockedClients();
  const store = fakeObjectStore(aws.s3);
  const where: LockLocation = { s3: aws.clients.s3, bucket: BUCKET, key: KEY };
  return { aws, store, where };
}

const lockOptions = (owner: string, clock = fakeClock(Date.parse("2025-01-01T00:00:00Z"))) => {
  const logger = memoryLogger();
  return {
    logger,
    clock,
    options: {
      operation: "apply",
      waitSeconds: 30,
      ttlSeconds: 3600,
      clock,
      logger,
      pollMs: 5000,
      env: { GITHUB_ACTIONS: "true", GITHUB_WORKFLOW: "deploy", GITHUB_ACTOR: owner },
    },
  };
};

describe("apply lock", () => {
  it("is taken with If-None-Match and released by its holder", async () => {
    const { store, where } = setup();
    const lock = await acquireLock(where, lockOptions("alice").options);
    expect(store.json(BUCKET, KEY) as LockInfo | undefined).toMatchObject({
      id: lock.info.id,
      owner: "GitHub Actions (deploy, alice)",
      operation: "apply",
    });
    await lock.release();
    expect(store.objects.size).toBe(0);
  });

  it("makes a second acquirer wait, then fail naming the holder and its lock id", async () => {
    const { store, where } = setup();
    const first = await acquireLock(where, lockOptions("alice").options);
    const second = lockOptions("bob");
    const error = await acquireLock(where, second.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    const message = (error as Error).message;
    expect(message).toContain(`could not take the lock s3://${BUCKET}/${KEY} within 30s`);
    expect(message).toContain("held by GitHub Actions (deploy, alice) for apply");
    expect(message).toContain(`[lock ${first.info.id}]`);
    // It waited (polling) for the whole timeout before giving up.
    expect(second.clock.now() - Date.parse("2025-01-01T00:00:00Z")).toBe(30_000);
    expect(store.log.filter((l) => l === `put ${KEY} 412`)).toHaveLength(7);
    // One progress line, not one per poll.
    expect(second.logger.lines.filter((l) => l.includes("waiting for the lock"))).toHaveLength(1);
    // The holder's lock is untouched.
    expect((store.json(BUCKET, KEY) as LockInfo | undefined)?.id).toBe(first.info.id);
  });

  it("the waiter gets the lock once the holder releases it", async () => {
    const { where } = setup();
    const first = await acquireLock(where, lockOptions("alice").options);
    const second = lockOptions("bob");
    const clock = second.clock;
    // Release while the second one sleeps between polls.
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      await first.release();
      return sleep(ms, signal);
    };
    const lock = await acquireLock(where, second.options);
    expect(lock.info.owner).toBe("GitHub Actions (deploy, bob)");
  });

  it("suggests mlops unlock for an expired lock", async () => {
    const { where } = setup();
    const first = await acquireLock(where, { ...lockOptions("alice").options, ttlSeconds: 1 });
    const error = await acquireLock(where, lockOptions("bob").options).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`mlops unlock ${first.info.id}`);
    expect((error as Error).message).toContain("expired at");
  });

  it("release never removes a successor's lock", async () => {
    const { store, where } = setup();
    const first = await acquireLock(where, lockOptions("alice").options);
    await forceUnlock(where, first.info.id);
    const second = await acquireLock(where, lockOptions("bob").options);
    await first.release();
    expect((store.json(BUCKET, KEY) as LockInfo | undefined)?.id).toBe(second.info.id);
  });

  it("forceUnlock removes only the lock it names", async () => {
    const { store, where } = setup();
    const held = await acquireLock(where, lockOptions("alice").options);
    await expect(forceUnlock(where, "some-other-id")).rejects.toThrow(
      `the lock is ${held.info.id}, not some-other-id`,
    );
    expect((store.json(BUCKET, KEY) as LockInfo | undefined)?.id).toBe(held.info.id);
    await expect(forceUnlock(where, held.info.id)).resolves.toMatchObject({ id: held.info.id });
    expect(store.objects.size).toBe(0);
    await expect(forceUnlock(where, held.info.id)).rejects.toThrow("there is no lock at");
  });
});

describe("state record", () => {
  const STATE_KEY = ".mlops/state.json";

  it("two writers updating at once both land (If-Match conflict retried)", async () => {
    const { aws, store } = setup();
    // Two stores: two processes, so the in-process queue does not serialise them.
    const a = new StateStore(aws.clients.s3, BUCKET, STATE_KEY);
    const b = new StateStore(aws.clients.s3, BUCKET, STATE_KEY);
    await a.update((r) => {
      r.lastAppliedPlanHash = "first";
    });
    await Promise.all([
      a.update((r) => {
        r.resources["iam.role.sagemaker"] = {
          kind: "iam.role",
          name: "r",
          spec: {},
          dependsOn: [],
        };
      }),
      b.update((r) => {
        r.resources["s3.bucket.data"] = { kind: "s3.bucket", name: "b", spec: {}, dependsOn: [] };
      }),
    ]);
    expect(store.log).toContain(`put ${STATE_KEY} 412`);
    const record = store.json(BUCKET, STATE_KEY) as StateRecord | undefined;
    expect(Object.keys(record?.resources ?? {}).sort()).toEqual([
      "iam.role.sagemaker",
      "s3.bucket.data",
    ]);
    expect(record?.lastAppliedPlanHash).toBe("first");
  });

  it("the first write of two racing writers is If-None-Match, and the loser retries", async () => {
    const { aws, store } = setup();
    const a = new StateStore(aws.clients.s3, BUCKET, STATE_KEY);
    const b = new StateStore(aws.clients.s3, BUCKET, STATE_KEY);
    await Promise.all([
      a.update((r) => {
        r.training["x"] = {
          fingerprint: "x",
          job: "j1",
          backend: "sagemaker",
          status: "Completed",
        };
      }),
      b.update((r) => {
        r.training["y"] = {
          fingerprint: "y",
          job: "j2",
          backend: "sagemaker",
          status: "Completed",
        };
      }),
    ]);
    expect(
      Object.keys(
        (store.json(BUCKET, STATE_KEY) as StateRecord | undefined)?.training ?? {},
      ).sort(),
    ).toEqual(["x", "y"]);
  });

  it("writes nothing when a mutation changes nothing", async () => {
    const { aws, store } = setup();
    const s = new StateStore(aws.clients.s3, BUCKET, STATE_KEY);
    await s.update((r) => {
      r.lastAppliedPlanHash = "h";
    });
    const puts = store.log.filter((l) => l.startsWith("put")).length;
    await s.update((r) => {
      r.lastAppliedPlanHash = "h";
    });
    expect(store.log.filter((l) => l.startsWith("put")).length).toBe(puts);
  });

  it("reads an empty record when there is none yet", async () => {
    const { aws } = setup();
    await expect(new StateStore(aws.clients.s3, BUCKET, STATE_KEY).read()).resolves.toEqual({
      version: 2,
      resources: {},
      training: {},
      deployments: [],
    });
  });
});

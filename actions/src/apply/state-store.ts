// The state record: what AWS cannot answer cheaply (which resources this tool manages, the
// data manifest hash, training fingerprint -> job -> artifact, deployment history, the last
// applied plan hash). Written with If-Match so two writers never lose each other's updates.
import type { S3Client } from "@aws-sdk/client-s3";
import { canonicalJson } from "../canonical.js";
import { getJson, putJsonIf } from "../aws/s3-json.js";
import { OperationalError } from "../operational-errors.js";
import type { Identity } from "../graph/identity.js";
import type { HandlerState } from "../resources/handler.js";
import type { DeploymentRecord, TrainingRecord } from "../resources/state-records.js";

// 2: the record remembers the identity it was applied with, and a move in progress (moveFrom).
export const STATE_FORMAT_VERSION = 2;

export interface ManagedResource {
  kind: string;
  name: string;
  spec: unknown;
  dependsOn: string[];
}

// The sections handlers read and write (through HandlerState) are typed beside the handlers.
export type { DeploymentRecord, TrainingRecord } from "../resources/state-records.js";

/**
 * A move in progress (written before its first step, cleared after its last): the old
 * identity's resources still to delete, so an interrupted move is finished by the next apply
 * even after the new resources took over the addresses in `resources`.
 */
export interface MoveInProgress {
  from: Identity;
  /** s3://bucket/key of the old identity's state record (it may be the same record). */
  state: string;
  resources: Record<string, ManagedResource>;
}

export interface StateRecord {
  version: typeof STATE_FORMAT_VERSION;
  /** The identity of the last apply (absent in a record from before version 2: unknown). */
  identity?: Identity;
  moveFrom?: MoveInProgress;
  resources: Record<string, ManagedResource>;
  data?: { manifestHash: string; files: number; syncedAt: string };
  training: Record<string, TrainingRecord>;
  deployments: DeploymentRecord[];
  lastAppliedPlanHash?: string;
  updatedAt?: string;
  /** An environment's record (configs with `environments:`): which registry version it serves. */
  environment?: EnvironmentRecord;
}

export interface EnvironmentRecord {
  /** The version promote or rollback chose; the environment deploys it while it is Approved. */
  pinned?: number;
  /** Versions deployed, oldest first: the last is the one served now. */
  served?: ServedVersion[];
}

export interface ServedVersion {
  version: number;
  arn: string;
  at: string;
}

/** At most this many served versions are remembered (rollback goes back through them). */
export const MAX_SERVED_RECORDS = 50;

export function emptyState(): StateRecord {
  return { version: STATE_FORMAT_VERSION, resources: {}, training: {}, deployments: [] };
}

/** A record as stored: this version, or an older one that migrateRecord() brings up to it. */
type StoredRecord = StateRecord | (Omit<StateRecord, "version"> & { version: 1 });

/**
 * Brings an older record up to this version. A version 1 record does not say which identity it
 * was applied with; it is taken as the current one (it was made before moves were detected).
 */
export function migrateRecord(stored: StoredRecord): StateRecord {
  return { ...stored, version: STATE_FORMAT_VERSION };
}

/** Where a record lives, as the record's pointers and messages write it. */
export const stateUri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

export class StateConflictError extends OperationalError {
  override name = "StateConflictError";
}

export class StateStore {
  /** Updates from one process are serialised; If-Match guards against other processes. */
  private queue: Promise<unknown> = Promise.resolve();
  /** What read() answers with until a write or a fresh read replaces it. */
  private latest: Promise<StateRecord> | undefined;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
  ) {}

  /**
   * The record as this process last read or wrote it. One run reads it once: a plan works from
   * one snapshot, and during an apply the lock keeps other writers out, so our own writes are
   * the only changes (they refresh the snapshot). `fresh` reads it again, as after taking the lock.
   */
  read(options: { fresh?: boolean } = {}): Promise<StateRecord> {
    if (this.latest === undefined || options.fresh === true) {
      const reading = getJson<StoredRecord>(this.s3, this.bucket, this.key).then((found) =>
        found ? migrateRecord(found.value) : emptyState(),
      );
      this.latest = reading;
      // A failed read is not remembered: the next caller tries again.
      reading.catch(() => {
        if (this.latest === reading) this.latest = undefined;
      });
    }
    return this.latest.then((record) => structuredClone(record));
  }

  /**
   * Read-modify-write with If-Match (If-None-Match for the first write). On a conflict the
   * record is re-read and the mutation applied again, so concurrent writers both land.
   * Nothing is written when the mutation changes nothing.
   */
  update(mutate: (record: StateRecord) => void): Promise<StateRecord> {
    const next = this.queue.then(() => this.updateNow(mutate));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async updateNow(
    mutate: (record: StateRecord) => void,
    attempts = 5,
  ): Promise<StateRecord> {
    for (let i = 0; i < attempts; i++) {
      const found = await getJson<StoredRecord>(this.s3, this.bucket, this.key);
      const record = found ? migrateRecord(found.value) : emptyState();
      const before = canonicalJson(record);
      mutate(record);
      if (found && canonicalJson(record) === before && found.value.version === record.version)
        return this.remember(record);
      record.updatedAt = new Date().toISOString();
      const written = await putJsonIf(
        this.s3,
        this.bucket,
        this.key,
        record,
        found ? { ifMatch: found.etag } : { ifNoneMatch: "*" },
      );
      if (written !== undefined) return this.remember(record);
    }
    this.latest = undefined;
    throw new StateConflictError(
      `the state record s3://${this.bucket}/${this.key} kept changing under us; try again`,
    );
  }

  private remember(record: StateRecord): StateRecord {
    this.latest = Promise.resolve(structuredClone(record));
    return record;
  }
}

/** The narrow view of the record that resource handlers get (HandlerContext.state). */
export function handlerState(store: StateStore): HandlerState {
  return {
    trainingRun: async (fingerprint) => (await store.read()).training[fingerprint],
    trainingRuns: async () => Object.values((await store.read()).training),
    recordTrainingRun: async (record) => {
      await store.update((state) => {
        state.training[record.fingerprint] = record;
      });
    },
    deployments: async () => (await store.read()).deployments,
    updateDeployments: async (edit) => {
      await store.update((state) => {
        edit(state.deployments);
      });
    },
  };
}

// Shared by the engine unit tests: AWS clients stubbed with aws-sdk-client-mock, SDK-shaped
// errors, a handler context on a fake clock, hand-made plans, and an in-memory S3 object store
// that honours If-None-Match / If-Match like S3 does (for the lock and the state record).
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AwsClients } from "../../../actions/src/aws/clients.js";
import { fakeClock, type Clock } from "../../../actions/src/clock.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import type { Node } from "../../../actions/src/graph/graph.js";
import type { Observations } from "../../../actions/src/plan/compute.js";
import { planHashOf } from "../../../actions/src/plan/compute.js";
import {
  PLAN_FORMAT_VERSION,
  defaultActionReason,
  type Plan,
  type PlannedChange,
} from "../../../actions/src/plan/types.js";
import type { HandlerContext } from "../../../actions/src/resources/handler.js";

const clientConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

/** Real SDK clients whose `send` is stubbed; each test gets fresh ones. */
export function mockedClients() {
  const clients: AwsClients = {
    s3: new S3Client(clientConfig),
    iam: new IAMClient(clientConfig),
    sts: new STSClient(clientConfig),
    sagemaker: new SageMakerClient(clientConfig),
    autoscaling: new ApplicationAutoScalingClient(clientConfig),
    lambda: new LambdaClient(clientConfig),
    ec2: new EC2Client(clientConfig),
    logs: new CloudWatchLogsClient(clientConfig),
    cloudwatch: new CloudWatchClient(clientConfig),
    tagging: new ResourceGroupsTaggingAPIClient(clientConfig),
  };
  return {
    clients,
    s3: mockClient(clients.s3),
    iam: mockClient(clients.iam),
    sagemaker: mockClient(clients.sagemaker),
    lambda: mockClient(clients.lambda),
    autoscaling: mockClient(clients.autoscaling),
  };
}

/** An error shaped like the ones the SDK throws (name, message, HTTP status). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode },
  });
}

export type TestContext = HandlerContext & {
  logger: ReturnType<typeof memoryLogger>;
  clock: Clock & { advance(ms: number): void };
};

export function testContext(
  clients: AwsClients,
  options: { signal?: AbortSignal } = {},
): TestContext {
  return {
    clients,
    logger: memoryLogger(),
    clock: fakeClock(Date.parse("2025-01-01T00:00:00Z")),
    graph: { project: "pets", region: "us-east-1", account: "123456789012", partition: "aws" },
    signal: options.signal ?? new AbortController().signal,
    cacheDir: join(tmpdir(), "mlops-unit-cache"),
  };
}

export function testNode<S = Record<string, never>>(
  address: string,
  options: { kind?: string; name?: string; spec?: S; dependsOn?: string[] } = {},
): Node<S> {
  return {
    address,
    kind: options.kind ?? "test.thing",
    name: options.name ?? address.split(".").pop() ?? address,
    tags: { "mlops:address": address },
    spec: options.spec ?? ({} as S),
    dependsOn: options.dependsOn ?? [],
  };
}

/** A plan over `nodes`, each with the given action; observations say what exists. */
export function testPlan(
  entries: { node: Node; action: PlannedChange["action"]; observed?: unknown }[],
): { plan: Plan; observations: Observations } {
  const changes: PlannedChange[] = entries.map(({ node, action, observed }) => ({
    address: node.address,
    kind: node.kind,
    name: node.name,
    action,
    actionReason: defaultActionReason(action),
    reason: action,
    changes: [],
    risk: [],
    dependsOn: node.dependsOn,
    observedDigest: observed === undefined ? null : "digest",
  }));
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: "pets",
    region: "us-east-1",
    account: "123456789012",
    configFile: "mlops.yaml",
    changes,
    nodes: Object.fromEntries(entries.map((e) => [e.node.address, e.node])),
    observedHash: "observed",
    planHash: "",
  };
  plan.planHash = planHashOf(plan);
  const observations: Observations = new Map(
    entries.map((e) => [
      e.node.address,
      { observed: e.observed, digest: e.observed === undefined ? null : "digest" },
    ]),
  );
  return { plan, observations };
}

/** A promise resolved from outside. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
} {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface StoredObject {
  body: string;
  etag: string;
}

/**
 * An in-memory bucket behind a mocked S3Client: GetObject, PutObject (with If-None-Match: *
 * and If-Match -> 412 PreconditionFailed) and DeleteObject (with If-Match), which is all the
 * lock and the state record use. Each call yields to the event loop first, so concurrent
 * callers really interleave.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- AwsStub's own parameters
export function fakeObjectStore(s3: AwsStub<any, any, any>) {
  const objects = new Map<string, StoredObject>();
  const log: string[] = [];
  const key = (bucket: string | undefined, k: string | undefined): string => `${bucket}/${k}`;
  const preconditionFailed = (): Error =>
    awsError(
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      412,
    );

  s3.on(GetObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string }) => {
    await settle();
    log.push(`get ${input.Key}`);
    const found = objects.get(key(input.Bucket, input.Key));
    if (!found) throw awsError("NoSuchKey", "The specified key does not exist.", 404);
    const body = found.body;
    return {
      ETag: found.etag,
      Body: { transformToString: () => Promise.resolve(body) },
    };
  });
  s3.on(PutObjectCommand).callsFake(
    async (input: {
      Bucket?: string;
      Key?: string;
      Body?: unknown;
      IfNoneMatch?: string;
      IfMatch?: string;
    }) => {
      await settle();
      const k = key(input.Bucket, input.Key);
      const existing = objects.get(k);
      if (input.IfNoneMatch === "*" && existing) {
        log.push(`put ${input.Key} 412`);
        throw preconditionFailed();
      }
      if (input.IfMatch !== undefined && existing?.etag !== input.IfMatch) {
        log.push(`put ${input.Key} 412`);
        throw preconditionFailed();
      }
      const body = String(input.Body);
      const etag = `"${createHash("md5").update(body).update(String(log.length)).digest("hex")}"`;
      objects.set(k, { body, etag });
      log.push(`put ${input.Key}`);
      return { ETag: etag };
    },
  );
  s3.on(DeleteObjectCommand).callsFake(
    async (input: { Bucket?: string; Key?: string; IfMatch?: string }) => {
      await settle();
      const k = key(input.Bucket, input.Key);
      if (input.IfMatch !== undefined && objects.get(k)?.etag !== input.IfMatch) {
        log.push(`delete ${input.Key} 412`);
        throw preconditionFailed();
      }
      objects.delete(k);
      log.push(`delete ${input.Key}`);
      return {};
    },
  );
  return {
    objects,
    log,
    json(bucket: string, k: string): Record<string, unknown> | undefined {
      const found = objects.get(key(bucket, k));
      return found ? (JSON.parse(found.body) as Record<string, unknown>) : undefined;
    },
  };
}

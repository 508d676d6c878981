// An in-memory SageMaker endpoint (+ its configs and models) and Application Auto Scaling behind
// aws-sdk-client-mock: enough behaviour for the endpoint and autoscaling handlers, with
// scripted statuses and update outcomes (ok, silent rollback, Failed, UpdateRollbackFailed),
// one-shot errors, and a log of every call for exact order assertions.
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingPolicy,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { handlerState, StateStore } from "../../../actions/src/apply/state-store.js";
import type { AwsClients } from "../../../actions/src/aws/clients.js";
import { fakeClock } from "../../../actions/src/clock.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import type { HandlerContext } from "../../../actions/src/resources/handler.js";
import { awsError, fakeObjectStore } from "../engine/helpers.js";

const clientConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

export type UpdateOutcome = "ok" | "silent-rollback" | "failed" | "rollback-failed";

interface EndpointState {
  status: string;
  config: string;
  pending?: string;
  failureReason?: string;
  variants: { name: string; count: number }[];
  /** DescribeEndpoint answers left before the current transition ends. */
  pollsLeft: number;
  /** What the transition ends in. */
  then?: () => void;
}

export interface FakeSageMaker {
  clients: AwsClients;
  ctx: HandlerContext & { logger: ReturnType<typeof memoryLogger> };
  /** "sagemaker:UpdateEndpoint", "autoscaling:RegisterScalableTarget", ... in call order. */
  calls: string[];
  mutating(): string[];
  inputs(operation: string): Record<string, unknown>[];
  endpoints: Map<string, EndpointState>;
  configs: Map<string, { instanceType: string; model: string; variant: string; created: number }>;
  models: Map<string, number>;
  targets: Map<string, { min: number; max: number }>;
  policies: Map<string, ScalingPolicy[]>;
  /** Tags by the exact ARN they were put under (ListTags of another form finds none). */
  tagged: Map<string, Record<string, string>>;
  /** The next UpdateEndpoint ends this way after `polls` DescribeEndpoint answers of Updating. */
  nextUpdate: { outcome: UpdateOutcome; polls: number };
  /** The next `times` calls of `operation` throw `error`. */
  failNext(operation: string, error: Error, times?: number): void;
  /** Puts the endpoint in `status` for `polls` DescribeEndpoint answers, then back to InService. */
  busyFor(name: string, status: string, polls: number): void;
  addConfig(name: string, model: string, instanceType?: string, created?: number): void;
  addEndpoint(name: string, config: string, status?: string, failureReason?: string): void;
  state: StateStore;
  stateRecord(): Promise<Awaited<ReturnType<StateStore["read"]>>>;
}

const MUTATING = /:(Create|Update|Delete|Deregister|Register|Put)/;

export function fakeSageMaker(): FakeSageMaker {
  const sagemakerClient = new SageMakerClient(clientConfig);
  const autoscalingClient = new ApplicationAutoScalingClient(clientConfig);
  const s3Client = new S3Client(clientConfig);
  const sm = mockClient(sagemakerClient);
  const aas = mockClient(autoscalingClient);
  fakeObjectStore(mockClient(s3Client));
  const clients = {
    sagemaker: sagemakerClient,
    autoscaling: autoscalingClient,
    s3: s3Client,
  } as Partial<AwsClients> as AwsClients;
  const state = new StateStore(s3Client, "state-bucket", "mlops/state.json");
  const ctx = {
    clients,
    logger: memoryLogger(),
    clock: fakeClock(Date.parse("2025-01-01T00:00:00Z")),
    graph: { project: "pets", region: "us-east-1", account: "123456789012", partition: "aws" },
    signal: new AbortController().signal,
    cacheDir: "/nonexistent-cache",
    state: handlerState(state),
  };

  const calls: string[] = [];
  const inputLog: [string, Record<string, unknown>][] = [];
  const faults: { op: string; error: Error; times: number }[] = [];
  const endpoints = new Map<string, EndpointState>();
  const configs: FakeSageMaker["configs"] = new Map();
  const models = new Map<string, number>();
  const targets = new Map<string, { min: number; max: number }>();
  const policies = new Map<string, ScalingPolicy[]>();
  const tagged = new Map<string, Record<string, string>>();
  let created = 1000;

  const fake: FakeSageMaker = {
    clients,
    ctx,
    calls,
    mutating: () => calls.filter((c) => MUTATING.test(c)),
    inputs: (op) => inputLog.filter(([o]) => o === op).map(([, i]) => i),
    endpoints,
    configs,
    models,
    targets,
    policies,
    tagged,
    nextUpdate: { outcome: "ok", polls: 2 },
    failNext(op, error, times = 1) {
      faults.push({ op, error, times });
    },
    busyFor(name, status, polls) {
      const e = endpoints.get(name);
      if (!e) throw new Error(`no endpoint ${name}`);
      e.status = status;
      e.pollsLeft = polls;
      e.then = () => {
        e.status = "InService";
      };
    },
    addConfig(name, model, instanceType = "ml.m5.large", at = created++) {
      configs.set(name, { instanceType, model, variant: "AllTraffic", created: at });
      if (!models.has(model)) models.set(model, at);
    },
    addEndpoint(name, config, status = "InService", failureReason) {
      endpoints.set(name, {
        status,
        config,
        ...(failureReason !== undefined && { failureReason }),
        variants: [{ name: "AllTraffic", count: 2 }],
        pollsLeft: 0,
      });
    },
    state,
    stateRecord: () => state.read(),
  };

  const record = (op: string, input: object): void => {
    calls.push(op);
    inputLog.push([op, input as Record<string, unknown>]);
    const fault = faults.find((f) => f.op === op && f.times > 0);
    if (fault) {
      fault.times--;
      throw fault.error;
    }
  };
  const endpointOf = (name: string | undefined): EndpointState => {
    const e = endpoints.get(name ?? "");
    if (!e) throw awsError("ValidationException", `Could not find endpoint "${name ?? ""}".`);
    return e;
  };
  const configOf = (name: string | undefined) => {
    const c = configs.get(name ?? "");
    if (!c) {
      throw awsError(
        "ValidationException",
        `Could not find endpoint configuration "${name ?? ""}".`,
      );
    }
    return c;
  };

  sm.on(ListTagsCommand).callsFake((input: { ResourceArn?: string }) => {
    record("sagemaker:ListTags", input);
    const tags = tagged.get(input.ResourceArn ?? "");
    return tags && { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  });
  sm.on(DescribeEndpointCommand).callsFake((input: { EndpointName?: string }) => {
    record("sagemaker:DescribeEndpoint", input);
    const e = endpointOf(input.EndpointName);
    if (e.pollsLeft > 0) e.pollsLeft--;
    else if (e.then) {
      const then = e.then;
      delete e.then;
      then();
    }
    return {
      EndpointName: input.EndpointName,
      EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${input.EndpointName ?? ""}`,
      EndpointConfigName: e.config,
      EndpointStatus: e.status,
      FailureReason: e.failureReason,
      ProductionVariants: e.variants.map((v) => ({
        VariantName: v.name,
        CurrentInstanceCount: v.count,
        DesiredInstanceCount: v.count,
      })),
      ...(e.pending !== undefined && {
        PendingDeploymentSummary: { EndpointConfigName: e.pending, ProductionVariants: [] },
      }),
      CreationTime: new Date(0),
      LastModifiedTime: new Date(),
    };
  });
  sm.on(DescribeEndpointConfigCommand).callsFake((input: { EndpointConfigName?: string }) => {
    record("sagemaker:DescribeEndpointConfig", input);
    const c = configOf(input.EndpointConfigName);
    return {
      EndpointConfigName: input.EndpointConfigName,
      ProductionVariants: [
        {
          VariantName: c.variant,
          ModelName: c.model,
          InstanceType: c.instanceType,
          InitialInstanceCount: 1,
        },
      ],
      CreationTime: new Date(c.created),
    };
  });
  sm.on(CreateEndpointCommand).callsFake(
    (input: { EndpointName?: string; EndpointConfigName?: string }) => {
      record("sagemaker:CreateEndpoint", input);
      const config = configOf(input.EndpointConfigName);
      const e: EndpointState = {
        status: "Creating",
        config: input.EndpointConfigName ?? "",
        variants: [{ name: config.variant, count: 1 }],
        pollsLeft: 1,
      };
      e.then = () => {
        e.status = "InService";
      };
      endpoints.set(input.EndpointName ?? "", e);
      return { EndpointArn: "arn" };
    },
  );
  sm.on(UpdateEndpointCommand).callsFake(
    (input: { EndpointName?: string; EndpointConfigName?: string }) => {
      record("sagemaker:UpdateEndpoint", input);
      const e = endpointOf(input.EndpointName);
      configOf(input.EndpointConfigName);
      if (e.status === "Failed")
        throw awsError("ValidationException", "Cannot update failed endpoint");
      if (e.status !== "InService" && e.status !== "UpdateRollbackFailed") {
        throw awsError(
          "ValidationException",
          `Cannot update in-progress endpoint "${input.EndpointName ?? ""}".`,
        );
      }
      const { outcome, polls } = fake.nextUpdate;
      fake.nextUpdate = { outcome: "ok", polls: 2 };
      const target = input.EndpointConfigName ?? "";
      e.status = "Updating";
      e.pending = target;
      delete e.failureReason;
      e.pollsLeft = polls;
      e.then = () => {
        delete e.pending;
        if (outcome === "ok") {
          e.config = target;
          e.status = "InService";
        } else if (outcome === "silent-rollback") e.status = "InService";
        else if (outcome === "failed") {
          e.status = "Failed";
          e.failureReason =
            "The primary container for production variant AllTraffic did not pass the ping health check.";
        } else {
          e.status = "UpdateRollbackFailed";
          e.failureReason = "Rollback failed.";
        }
      };
      return { EndpointArn: "arn" };
    },
  );
  sm.on(DeleteEndpointCommand).callsFake((input: { EndpointName?: string }) => {
    record("sagemaker:DeleteEndpoint", input);
    const e = endpointOf(input.EndpointName);
    e.status = "Deleting";
    e.pollsLeft = 1;
    e.then = () => endpoints.delete(input.EndpointName ?? "");
    return {};
  });
  const page = <T>(items: T[], token: string | undefined, size = 2) => {
    const start = Number(token ?? "0");
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: items.slice(start, start + size), next };
  };
  sm.on(ListEndpointConfigsCommand).callsFake(
    (input: { NameContains?: string; NextToken?: string; SortOrder?: string }) => {
      record("sagemaker:ListEndpointConfigs", input);
      const all = [...configs.entries()]
        .filter(([n]) => n.includes(input.NameContains ?? ""))
        .sort(([, a], [, b]) => b.created - a.created);
      const { items, next } = page(all, input.NextToken);
      return {
        EndpointConfigs: items.map(([n, c]) => ({
          EndpointConfigName: n,
          EndpointConfigArn: `arn:${n}`,
          CreationTime: new Date(c.created),
        })),
        ...(next !== undefined && { NextToken: next }),
      };
    },
  );
  sm.on(ListModelsCommand).callsFake((input: { NameContains?: string; NextToken?: string }) => {
    record("sagemaker:ListModels", input);
    const all = [...models.entries()]
      .filter(([n]) => n.includes(input.NameContains ?? ""))
      .sort(([, a], [, b]) => b - a);
    const { items, next } = page(all, input.NextToken);
    return {
      Models: items.map(([n, at]) => ({
        ModelName: n,
        ModelArn: `arn:${n}`,
        CreationTime: new Date(at),
      })),
      ...(next !== undefined && { NextToken: next }),
    };
  });
  sm.on(DeleteEndpointConfigCommand).callsFake((input: { EndpointConfigName?: string }) => {
    record("sagemaker:DeleteEndpointConfig", input);
    configs.delete(input.EndpointConfigName ?? "");
    return {};
  });
  sm.on(DeleteModelCommand).callsFake((input: { ModelName?: string }) => {
    record("sagemaker:DeleteModel", input);
    models.delete(input.ModelName ?? "");
    return {};
  });

  const notRegistered = (id: string): Error =>
    awsError("ObjectNotFoundException", `No scalable target registered for ${id}`);
  aas.on(DescribeScalableTargetsCommand).callsFake((input: { ResourceIds?: string[] }) => {
    record("autoscaling:DescribeScalableTargets", input);
    return {
      ScalableTargets: (input.ResourceIds ?? [])
        .filter((id) => targets.has(id))
        .map((id) => ({
          ServiceNamespace: "sagemaker",
          ResourceId: id,
          ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
          MinCapacity: targets.get(id)?.min,
          MaxCapacity: targets.get(id)?.max,
          RoleARN: "arn:role",
          CreationTime: new Date(),
        })),
    };
  });
  aas.on(DescribeScalingPoliciesCommand).callsFake((input: { ResourceId?: string }) => {
    record("autoscaling:DescribeScalingPolicies", input);
    return { ScalingPolicies: policies.get(input.ResourceId ?? "") ?? [] };
  });
  aas
    .on(RegisterScalableTargetCommand)
    .callsFake((input: { ResourceId?: string; MinCapacity?: number; MaxCapacity?: number }) => {
      record("autoscaling:RegisterScalableTarget", input);
      targets.set(input.ResourceId ?? "", {
        min: input.MinCapacity ?? 0,
        max: input.MaxCapacity ?? 0,
      });
      return {};
    });
  aas.on(PutScalingPolicyCommand).callsFake((input: ScalingPolicy) => {
    record("autoscaling:PutScalingPolicy", input);
    const id = input.ResourceId ?? "";
    if (!targets.has(id)) throw notRegistered(id);
    const others = (policies.get(id) ?? []).filter((p) => p.PolicyName !== input.PolicyName);
    policies.set(id, [
      ...others,
      { ...input, PolicyARN: `arn:${input.PolicyName ?? ""}`, CreationTime: new Date() },
    ]);
    return { PolicyARN: "arn" };
  });
  aas
    .on(DeleteScalingPolicyCommand)
    .callsFake((input: { ResourceId?: string; PolicyName?: string }) => {
      record("autoscaling:DeleteScalingPolicy", input);
      const id = input.ResourceId ?? "";
      policies.set(
        id,
        (policies.get(id) ?? []).filter((p) => p.PolicyName !== input.PolicyName),
      );
      return {};
    });
  aas.on(DeregisterScalableTargetCommand).callsFake((input: { ResourceId?: string }) => {
    record("autoscaling:DeregisterScalableTarget", input);
    const id = input.ResourceId ?? "";
    if (!targets.has(id)) throw notRegistered(id);
    targets.delete(id);
    policies.delete(id);
    return {};
  });
  return fake;
}

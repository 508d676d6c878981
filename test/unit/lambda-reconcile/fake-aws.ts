// An in-memory Lambda + CloudWatch Logs behind aws-sdk-client-mock: enough state (function,
// versions, aliases, concurrency, log groups) for whole plan -> apply cycles, with one-shot
// faults and scripted statuses, and a log of every call for exact request assertions.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand as LogsTagResourceCommand,
  UntagResourceCommand as LogsUntagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";
import type { AwsClients } from "../../../actions/src/aws/clients.js";

const clientConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

/** An error shaped like the SDK's (name, message, HTTP status). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode },
  });
}

const notFound = (what: string): Error =>
  awsError("ResourceNotFoundException", `Function not found: ${what}`, 404);

interface Provisioned {
  requested: number;
  status: "IN_PROGRESS" | "READY" | "FAILED";
  reason?: string;
  /** Polls left before IN_PROGRESS ends. */
  pollsLeft: number;
  fail: boolean;
}

interface FunctionState {
  latest: FunctionConfiguration;
  tags: Record<string, string>;
  /** $LATEST changed since the last publish. */
  dirty: boolean;
  versions: FunctionConfiguration[];
  aliases: Map<string, string>;
  reserved?: number;
  provisioned: Map<string, Provisioned>;
  /** LastUpdateStatus answers of the reads after the next update (InProgress until then). */
  afterUpdate: Pick<FunctionConfiguration, "LastUpdateStatus" | "LastUpdateStatusReason">[];
}

interface LogGroupState {
  retention?: number;
  tags: Record<string, string>;
}

export interface FakeAws {
  clients: AwsClients;
  /** Every call, e.g. "lambda:UpdateFunctionCode", in order. */
  calls: string[];
  /** Inputs of the calls of one operation. */
  inputs(operation: string): Record<string, unknown>[];
  functions: Map<string, FunctionState>;
  logGroups: Map<string, LogGroupState>;
  account: { limit: number; minUnreserved: number };
  /** The next `times` calls of `operation` ("lambda:CreateFunction") throw `error`. */
  failNext(operation: string, error: Error, times?: number): void;
  /** The next PutProvisionedConcurrencyConfig on `functionName` ends FAILED. */
  failProvisioned(functionName: string): void;
  /** After the next code/config update, reads of $LATEST answer these, then Successful. */
  scriptUpdate(
    functionName: string,
    answers: Pick<FunctionConfiguration, "LastUpdateStatus" | "LastUpdateStatusReason">[],
  ): void;
  mutating(): string[];
}

const READ_PREFIXES = ["Get", "List", "Describe"];

export function fakeAws(): FakeAws {
  const lambdaClient = new LambdaClient(clientConfig);
  const logsClient = new CloudWatchLogsClient(clientConfig);
  const clients = {
    lambda: lambdaClient,
    logs: logsClient,
  } as Partial<AwsClients> as AwsClients;
  const lambda = mockClient(lambdaClient);
  const logs = mockClient(logsClient);
  const calls: string[] = [];
  const inputLog: [string, Record<string, unknown>][] = [];
  const functions = new Map<string, FunctionState>();
  const logGroups = new Map<string, LogGroupState>();
  const faults = new Map<string, Error[]>();
  const failingProvisioned = new Set<string>();
  const account = { limit: 1000, minUnreserved: 100 };

  const record = (operation: string, input: object): void => {
    calls.push(operation);
    inputLog.push([operation, input as Record<string, unknown>]);
    const queued = faults.get(operation);
    const fault = queued?.shift();
    if (fault) throw fault;
  };
  const fn = (name: unknown): FunctionState => {
    const found = functions.get(String(name));
    if (!found) throw notFound(String(name));
    return found;
  };
  const qualified = (state: FunctionState, q: string | undefined): FunctionConfiguration => {
    if (q === undefined || q === "$LATEST") return state.latest;
    // Like Lambda, an alias qualifier answers for the version it points to, $LATEST included.
    const version = state.aliases.get(q) ?? q;
    if (version === "$LATEST") return state.latest;
    const found = state.versions.find((v) => v.Version === version);
    if (!found) throw notFound(`${state.latest.FunctionName ?? ""}:${q}`);
    return found;
  };
  const sha = (zip: unknown): string =>
    createHash("sha256")
      .update(zip as Uint8Array)
      .digest("base64");
  const changed = (state: FunctionState, patch: Partial<FunctionConfiguration>): void => {
    if (state.latest.LastUpdateStatus === "InProgress") {
      throw awsError(
        "ResourceConflictException",
        `The operation cannot be performed at this time. An update is in progress for resource: ${state.latest.FunctionArn ?? ""}`,
        409,
      );
    }
    const scripted = state.afterUpdate.length > 0;
    state.latest = {
      ...state.latest,
      ...patch,
      LastUpdateStatus: scripted ? "InProgress" : "Successful",
    };
    delete state.latest.LastUpdateStatusReason;
    state.dirty = true;
  };
  /** Each read while InProgress moves one scripted answer on. */
  const pollLatest = (state: FunctionState): void => {
    if (state.latest.LastUpdateStatus !== "InProgress") return;
    const next = state.afterUpdate.shift() ?? { LastUpdateStatus: "Successful" };
    state.latest = { ...state.latest, ...next };
  };

  lambda.on(GetFunctionCommand).callsFake((input: { FunctionName: string }) => {
    record("lambda:GetFunction", input);
    const state = fn(input.FunctionName);
    pollLatest(state);
    return {
      Configuration: state.latest,
      Tags: { ...state.tags },
      ...(state.reserved !== undefined && {
        Concurrency: { ReservedConcurrentExecutions: state.reserved },
      }),
    };
  });
  // Lambda has no resource policy until someone adds a permission: AWS says not found.
  lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string }) => {
    record("lambda:GetPolicy", input);
    fn(input.FunctionName);
    throw awsError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
  });
  lambda
    .on(GetFunctionConfigurationCommand)
    .callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      record("lambda:GetFunctionConfiguration", input);
      const state = fn(input.FunctionName);
      if (input.Qualifier === undefined) pollLatest(state);
      return qualified(state, input.Qualifier);
    });
  lambda.on(CreateFunctionCommand).callsFake((input: Record<string, unknown>) => {
    record("lambda:CreateFunction", input);
    const name = String(input["FunctionName"]);
    if (functions.has(name)) {
      throw awsError("ResourceConflictException", `Function already exist: ${name}`, 409);
    }
    const code = input["Code"] as { ZipFile: Uint8Array };
    functions.set(name, {
      latest: {
        FunctionName: name,
        FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
        Version: "$LATEST",
        CodeSha256: sha(code.ZipFile),
        Runtime: input["Runtime"] as FunctionConfiguration["Runtime"],
        Handler: input["Handler"] as string,
        MemorySize: input["MemorySize"] as number,
        Timeout: input["Timeout"] as number,
        Architectures: input["Architectures"] as FunctionConfiguration["Architectures"],
        Role: input["Role"] as string,
        Environment: input["Environment"] as FunctionConfiguration["Environment"],
        State: "Active",
        LastUpdateStatus: "Successful",
      },
      tags: { ...(input["Tags"] as Record<string, string>) },
      dirty: true,
      versions: [],
      aliases: new Map(),
      provisioned: new Map(),
      afterUpdate: [],
    });
    return functions.get(name)?.latest;
  });
  lambda.on(UpdateFunctionCodeCommand).callsFake((input: Record<string, unknown>) => {
    record("lambda:UpdateFunctionCode", input);
    const state = fn(input["FunctionName"]);
    changed(state, {
      CodeSha256: sha(input["ZipFile"]),
      Architectures: input["Architectures"] as FunctionConfiguration["Architectures"],
    });
    return state.latest;
  });
  lambda.on(UpdateFunctionConfigurationCommand).callsFake((input: Record<string, unknown>) => {
    record("lambda:UpdateFunctionConfiguration", input);
    const state = fn(input["FunctionName"]);
    changed(state, {
      Runtime: input["Runtime"] as FunctionConfiguration["Runtime"],
      Handler: input["Handler"] as string,
      MemorySize: input["MemorySize"] as number,
      Timeout: input["Timeout"] as number,
      Role: input["Role"] as string,
      Environment: input["Environment"] as FunctionConfiguration["Environment"],
    });
    return state.latest;
  });
  lambda.on(TagResourceCommand).callsFake((input: { Resource: string; Tags: object }) => {
    record("lambda:TagResource", input);
    const state = fn(input.Resource.split(":").pop());
    Object.assign(state.tags, input.Tags);
    return {};
  });
  lambda.on(UntagResourceCommand).callsFake((input: { Resource: string; TagKeys: string[] }) => {
    record("lambda:UntagResource", input);
    const state = fn(input.Resource.split(":").pop());
    for (const k of input.TagKeys) Reflect.deleteProperty(state.tags, k);
    return {};
  });
  lambda
    .on(PublishVersionCommand)
    .callsFake((input: { FunctionName: string; CodeSha256?: string }) => {
      record("lambda:PublishVersion", input);
      const state = fn(input.FunctionName);
      if (input.CodeSha256 !== undefined && input.CodeSha256 !== state.latest.CodeSha256) {
        throw awsError("PreconditionFailedException", "CodeSha256 does not match", 412);
      }
      const last = state.versions.at(-1);
      if (last && !state.dirty) return last;
      const version = {
        ...state.latest,
        Version: String(state.versions.length + 1),
        FunctionArn: `${state.latest.FunctionArn ?? ""}:${state.versions.length + 1}`,
      };
      state.versions.push(version);
      state.dirty = false;
      return version;
    });
  lambda.on(GetAliasCommand).callsFake((input: { FunctionName: string; Name: string }) => {
    record("lambda:GetAlias", input);
    const version = fn(input.FunctionName).aliases.get(input.Name);
    if (version === undefined) throw notFound(`${input.FunctionName}:${input.Name}`);
    return { Name: input.Name, FunctionVersion: version };
  });
  const putAlias =
    (operation: string, mustExist: boolean) =>
    (input: { FunctionName: string; Name: string; FunctionVersion: string }) => {
      record(operation, input);
      const state = fn(input.FunctionName);
      if (state.aliases.has(input.Name) !== mustExist) {
        throw mustExist
          ? notFound(input.Name)
          : awsError("ResourceConflictException", `Alias already exists: ${input.Name}`, 409);
      }
      qualified(state, input.FunctionVersion);
      state.aliases.set(input.Name, input.FunctionVersion);
      // Provisioned concurrency stays on the alias and is allocated to the new version.
      const p = state.provisioned.get(input.Name);
      if (p) {
        const fail = failingProvisioned.delete(input.FunctionName);
        state.provisioned.set(input.Name, { ...p, status: "IN_PROGRESS", pollsLeft: 2, fail });
      }
      return { Name: input.Name, FunctionVersion: input.FunctionVersion };
    };
  lambda.on(CreateAliasCommand).callsFake(putAlias("lambda:CreateAlias", false));
  lambda.on(UpdateAliasCommand).callsFake(putAlias("lambda:UpdateAlias", true));
  lambda.on(DeleteAliasCommand).callsFake((input: { FunctionName: string; Name: string }) => {
    record("lambda:DeleteAlias", input);
    fn(input.FunctionName).aliases.delete(input.Name);
    return {};
  });
  lambda.on(DeleteFunctionCommand).callsFake((input: { FunctionName: string }) => {
    record("lambda:DeleteFunction", input);
    fn(input.FunctionName);
    functions.delete(input.FunctionName);
    return {};
  });
  lambda.on(GetFunctionConcurrencyCommand).callsFake((input: { FunctionName: string }) => {
    record("lambda:GetFunctionConcurrency", input);
    const reserved = fn(input.FunctionName).reserved;
    return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
  });
  const reservedTotal = (): number =>
    [...functions.values()].reduce((sum, f) => sum + (f.reserved ?? 0), 0);
  lambda.on(GetAccountSettingsCommand).callsFake((input: object) => {
    record("lambda:GetAccountSettings", input);
    return {
      AccountLimit: {
        ConcurrentExecutions: account.limit,
        UnreservedConcurrentExecutions: account.limit - reservedTotal(),
      },
    };
  });
  lambda
    .on(PutFunctionConcurrencyCommand)
    .callsFake((input: { FunctionName: string; ReservedConcurrentExecutions: number }) => {
      record("lambda:PutFunctionConcurrency", input);
      const state = fn(input.FunctionName);
      const others = reservedTotal() - (state.reserved ?? 0);
      if (account.limit - others - input.ReservedConcurrentExecutions < account.minUnreserved) {
        throw awsError(
          "InvalidParameterValueException",
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
        );
      }
      // Like Lambda: provisioned concurrency is carved out of the reservation.
      const provisioned = [...state.provisioned.values()].reduce((n, p) => n + p.requested, 0);
      if (input.ReservedConcurrentExecutions < provisioned) {
        throw awsError(
          "InvalidParameterValueException",
          `ReservedConcurrentExecutions (${input.ReservedConcurrentExecutions}) cannot be less than the function's provisioned concurrency (${provisioned}).`,
        );
      }
      state.reserved = input.ReservedConcurrentExecutions;
      return { ReservedConcurrentExecutions: state.reserved };
    });
  lambda.on(DeleteFunctionConcurrencyCommand).callsFake((input: { FunctionName: string }) => {
    record("lambda:DeleteFunctionConcurrency", input);
    delete fn(input.FunctionName).reserved;
    return {};
  });
  const provisionedKey = (input: { FunctionName: string; Qualifier?: string }): string => {
    if (input.Qualifier === undefined || input.Qualifier === "$LATEST") {
      throw awsError(
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
      );
    }
    return input.Qualifier;
  };
  lambda
    .on(PutProvisionedConcurrencyConfigCommand)
    .callsFake(
      (input: {
        FunctionName: string;
        Qualifier?: string;
        ProvisionedConcurrentExecutions: number;
      }) => {
        record("lambda:PutProvisionedConcurrencyConfig", input);
        const state = fn(input.FunctionName);
        const key = provisionedKey(input);
        qualified(state, key);
        const fail = failingProvisioned.delete(input.FunctionName);
        state.provisioned.set(key, {
          requested: input.ProvisionedConcurrentExecutions,
          status: "IN_PROGRESS",
          pollsLeft: 2,
          fail,
        });
        return {
          RequestedProvisionedConcurrentExecutions: input.ProvisionedConcurrentExecutions,
          Status: "IN_PROGRESS",
        };
      },
    );
  lambda
    .on(GetProvisionedConcurrencyConfigCommand)
    .callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      record("lambda:GetProvisionedConcurrencyConfig", input);
      const state = fn(input.FunctionName);
      const p = state.provisioned.get(provisionedKey(input));
      if (!p) {
        throw awsError(
          "ProvisionedConcurrencyConfigNotFoundException",
          "No Provisioned Concurrency Config found for this function",
          404,
        );
      }
      if (p.status === "IN_PROGRESS" && --p.pollsLeft <= 0) {
        if (p.fail) {
          p.status = "FAILED";
          p.reason = "FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize";
        } else p.status = "READY";
      }
      return {
        RequestedProvisionedConcurrentExecutions: p.requested,
        AllocatedProvisionedConcurrentExecutions: p.status === "READY" ? p.requested : 0,
        Status: p.status,
        ...(p.reason !== undefined && { StatusReason: p.reason }),
      };
    });
  lambda
    .on(ListProvisionedConcurrencyConfigsCommand)
    .callsFake((input: { FunctionName: string }) => {
      record("lambda:ListProvisionedConcurrencyConfigs", input);
      const state = fn(input.FunctionName);
      return {
        ProvisionedConcurrencyConfigs: [...state.provisioned].map(([qualifier, p]) => ({
          FunctionArn: `${state.latest.FunctionArn ?? ""}:${qualifier}`,
          RequestedProvisionedConcurrentExecutions: p.requested,
          Status: p.status,
        })),
      };
    });
  lambda
    .on(DeleteProvisionedConcurrencyConfigCommand)
    .callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      record("lambda:DeleteProvisionedConcurrencyConfig", input);
      fn(input.FunctionName).provisioned.delete(provisionedKey(input));
      return {};
    });

  const groupArn = (name: string): string =>
    `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;
  const group = (arnOrName: string): LogGroupState => {
    const name = arnOrName.replace(/^arn:[^:]+:logs:[^:]+:\d+:log-group:/, "");
    const found = logGroups.get(name);
    if (!found)
      throw awsError("ResourceNotFoundException", "The specified log group does not exist.");
    return found;
  };
  logs.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix?: string }) => {
    record("logs:DescribeLogGroups", input);
    return {
      logGroups: [...logGroups.entries()]
        .filter(([name]) => name.startsWith(input.logGroupNamePrefix ?? ""))
        .map(([name, g]) => ({
          logGroupName: name,
          logGroupArn: groupArn(name),
          ...(g.retention !== undefined && { retentionInDays: g.retention }),
        })),
    };
  });
  logs.on(ListTagsForResourceCommand).callsFake((input: { resourceArn: string }) => {
    record("logs:ListTagsForResource", input);
    return { tags: { ...group(input.resourceArn).tags } };
  });
  logs
    .on(CreateLogGroupCommand)
    .callsFake((input: { logGroupName: string; tags?: Record<string, string> }) => {
      record("logs:CreateLogGroup", input);
      if (logGroups.has(input.logGroupName)) {
        throw awsError("ResourceAlreadyExistsException", "The specified log group already exists");
      }
      logGroups.set(input.logGroupName, { tags: { ...input.tags } });
      return {};
    });
  logs
    .on(PutRetentionPolicyCommand)
    .callsFake((input: { logGroupName: string; retentionInDays: number }) => {
      record("logs:PutRetentionPolicy", input);
      group(input.logGroupName).retention = input.retentionInDays;
      return {};
    });
  logs
    .on(LogsTagResourceCommand)
    .callsFake((input: { resourceArn: string; tags: Record<string, string> }) => {
      record("logs:TagResource", input);
      Object.assign(group(input.resourceArn).tags, input.tags);
      return {};
    });
  logs
    .on(LogsUntagResourceCommand)
    .callsFake((input: { resourceArn: string; tagKeys: string[] }) => {
      record("logs:UntagResource", input);
      const g = group(input.resourceArn);
      for (const k of input.tagKeys) Reflect.deleteProperty(g.tags, k);
      return {};
    });
  logs.on(DeleteLogGroupCommand).callsFake((input: { logGroupName: string }) => {
    record("logs:DeleteLogGroup", input);
    group(input.logGroupName);
    logGroups.delete(input.logGroupName);
    return {};
  });

  return {
    clients,
    calls,
    inputs: (operation) => inputLog.filter(([op]) => op === operation).map(([, i]) => i),
    functions,
    logGroups,
    account,
    failNext(operation, error, times = 1) {
      faults.set(operation, [...(faults.get(operation) ?? []), ...Array<Error>(times).fill(error)]);
    },
    failProvisioned(functionName) {
      failingProvisioned.add(functionName);
    },
    scriptUpdate(functionName, answers) {
      fn(functionName).afterUpdate.push(...answers);
    },
    mutating: () =>
      calls.filter((c) => !READ_PREFIXES.some((p) => (c.split(":")[1] ?? "").startsWith(p))),
  };
}

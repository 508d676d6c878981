// Nodes of the Lambda capability. One node per thing AWS changes through its own API, so the
// plan says exactly what moves and the executor orders it:
//
//   logs.log-group.api ──► lambda.function.api ──► lambda.alias.api ──► lambda.provisioned-concurrency.api
//   iam.role.lambda ─────┘          └──────────► lambda.reserved-concurrency.api ──┘
//
// - the log group first: the function's role may write to it but not create it;
// - the function is $LATEST: code (CodeSha256) and configuration, updated only where they differ;
// - the alias publishes a version only when the version it points at differs from what the
//   function should be (its spec repeats those versioned fields), then moves to it, so clients
//   never see $LATEST half-updated;
// - reserved concurrency is a function-level setting with its own API and its own failure (the
//   account's unreserved minimum), and provisioned concurrency (on the alias, never $LATEST)
//   counts against it, so it waits for it. Each exists only when configured; removing one from
//   the config deletes it (the state record knows it was ours).
import type { Config, LambdaConfig } from "../config/types.js";
import type { GraphBuilder } from "./graph-builder.js";
import { roleAddress, roleArn } from "./iam-nodes.js";

export const LOG_GROUP = "logs.log-group.api";
export const FUNCTION = "lambda.function.api";
export const ALIAS = "lambda.alias.api";
export const RESERVED_CONCURRENCY = "lambda.reserved-concurrency.api";
export const PROVISIONED_CONCURRENCY = "lambda.provisioned-concurrency.api";

/** What a published version freezes: the alias compares its version with this. */
export interface FunctionVersionSpec {
  /** Base64 SHA-256 of the deterministic zip of `code`; filled by prepare(). */
  codeSha256: string;
  runtime: LambdaConfig["runtime"];
  handler: string;
  memory: number;
  timeoutSeconds: number;
  architecture: LambdaConfig["architecture"];
  role: string;
  environment: Record<string, string>;
}

export interface FunctionSpec extends FunctionVersionSpec {
  /** Absolute path of the folder zipped as the code. */
  code: string;
}

export interface AliasSpec {
  functionName: string;
  alias: string;
  /** The code folder, so prepare() can hash it like the function's. */
  code: string;
  version: FunctionVersionSpec;
}

export interface LogGroupSpec {
  retentionDays: number;
}

export interface ReservedConcurrencySpec {
  functionName: string;
  concurrency: number;
}

export interface ProvisionedConcurrencySpec {
  functionName: string;
  /** The alias: provisioned concurrency is never put on $LATEST. */
  qualifier: string;
  concurrency: number;
}

export const logGroupName = (functionName: string): string => `/aws/lambda/${functionName}`;

/**
 * The function's environment: the user's variables, then the ones the tool owns (the endpoint
 * name always comes from the config, never from the user).
 */
export function lambdaEnvironment(config: Config, lambda: LambdaConfig): Record<string, string> {
  return {
    ...lambda.environment,
    MLOPS_ENDPOINT_NAME: config.endpoint.name,
    MLOPS_TOP_K: String(lambda.topK),
    MLOPS_CORS_ORIGIN: lambda.corsOrigin,
  };
}

export function addLambdaNodes(b: GraphBuilder): void {
  const { add, config } = b;
  const lambda = config.lambda;
  if (!lambda) return;
  const functionName = lambda.name;
  const version: FunctionVersionSpec = {
    codeSha256: "",
    runtime: lambda.runtime,
    handler: lambda.handler,
    memory: lambda.memory,
    timeoutSeconds: lambda.timeoutSeconds,
    architecture: lambda.architecture,
    role: roleArn(b, "lambda"),
    environment: lambdaEnvironment(config, lambda),
  };
  add<LogGroupSpec>(LOG_GROUP, "logs.log-group", logGroupName(functionName), {
    retentionDays: lambda.logRetentionDays,
  });
  add<FunctionSpec>(FUNCTION, "lambda.function", functionName, { ...version, code: lambda.code }, [
    roleAddress("lambda"),
    LOG_GROUP,
  ]);
  add<AliasSpec>(
    ALIAS,
    "lambda.alias",
    `${functionName}:${lambda.alias}`,
    { functionName, alias: lambda.alias, code: lambda.code, version },
    [FUNCTION],
  );
  if (lambda.reservedConcurrency !== undefined) {
    add<ReservedConcurrencySpec>(
      RESERVED_CONCURRENCY,
      "lambda.reserved-concurrency",
      functionName,
      { functionName, concurrency: lambda.reservedConcurrency },
      [FUNCTION],
    );
  }
  if (lambda.provisionedConcurrency > 0) {
    add<ProvisionedConcurrencySpec>(
      PROVISIONED_CONCURRENCY,
      "lambda.provisioned-concurrency",
      `${functionName}:${lambda.alias}`,
      { functionName, qualifier: lambda.alias, concurrency: lambda.provisionedConcurrency },
      lambda.reservedConcurrency !== undefined ? [ALIAS, RESERVED_CONCURRENCY] : [ALIAS],
    );
  }
}

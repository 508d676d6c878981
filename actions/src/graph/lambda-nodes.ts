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
// - the Function URL (lambda.url) is on the alias, so it always reaches the published version;
//   a public one (auth NONE) needs the resource-policy statements that let anyone invoke through
//   that URL (lambda.permission.function-url, after the URL). An AWS_IAM URL needs none: callers
//   in the account are allowed by their own IAM policies, so no statement widens access.
import type { Config, FunctionUrlAuth, LambdaConfig } from "../config/types.js";
import type { GraphBuilder } from "./graph-builder.js";
import { roleAddress, roleArn } from "./iam-nodes.js";

export const LOG_GROUP = "logs.log-group.api";
export const FUNCTION = "lambda.function.api";
export const ALIAS = "lambda.alias.api";
export const RESERVED_CONCURRENCY = "lambda.reserved-concurrency.api";
export const PROVISIONED_CONCURRENCY = "lambda.provisioned-concurrency.api";
export const FUNCTION_URL = "lambda.function-url.api";
export const FUNCTION_URL_PERMISSION = "lambda.permission.function-url";

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

/** The URL's CORS as CreateFunctionUrlConfig sends it (AWS's Cors shape, MaxAge in seconds). */
export interface FunctionUrlCorsSpec {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge: number;
}

export interface FunctionUrlSpec {
  functionName: string;
  /** The alias the URL invokes. */
  qualifier: string;
  authType: FunctionUrlAuth;
  /** Absent: no CORS. */
  cors?: FunctionUrlCorsSpec;
}

/**
 * One statement of the function's resource policy, as AddPermission takes it. The tool's
 * statements have fixed Sids (PUBLIC_URL_STATEMENT_IDS) so they can be told from a user's.
 */
export interface PermissionStatementSpec {
  sid: string;
  action: "lambda:InvokeFunctionUrl" | "lambda:InvokeFunction";
  principal: string;
  /** lambda:FunctionUrlAuthType condition: the statement holds only through a URL of this auth. */
  functionUrlAuthType?: FunctionUrlAuth;
  /** lambda:InvokedViaFunctionUrl condition: InvokeFunction only through the function's URL. */
  invokedViaFunctionUrl?: boolean;
}

export interface PermissionSpec {
  functionName: string;
  qualifier: string;
  statements: PermissionStatementSpec[];
}

/** The Sids of the statements a public (auth NONE) Function URL needs, and only those. */
export const PUBLIC_URL_STATEMENT_IDS = {
  invokeUrl: "mlops-public-url",
  invoke: "mlops-public-url-invoke",
} as const;

/**
 * What a public URL needs in the resource policy (AWS's own console adds the same): anyone may
 * call InvokeFunctionUrl through an auth-NONE URL, and, since October 2025, InvokeFunction but
 * only when invoked via the Function URL. Nothing else is granted.
 */
export function publicUrlStatements(): PermissionStatementSpec[] {
  return [
    {
      sid: PUBLIC_URL_STATEMENT_IDS.invokeUrl,
      action: "lambda:InvokeFunctionUrl",
      principal: "*",
      functionUrlAuthType: "NONE",
    },
    {
      sid: PUBLIC_URL_STATEMENT_IDS.invoke,
      action: "lambda:InvokeFunction",
      principal: "*",
      invokedViaFunctionUrl: true,
    },
  ];
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
  if (lambda.url) addFunctionUrlNodes(b, lambda);
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

function addFunctionUrlNodes(b: GraphBuilder, lambda: LambdaConfig): void {
  const url = lambda.url;
  if (!url) return;
  const target = { functionName: lambda.name, qualifier: lambda.alias };
  const cors = url.cors;
  b.add<FunctionUrlSpec>(
    FUNCTION_URL,
    "lambda.function-url",
    `${lambda.name}:${lambda.alias}`,
    {
      ...target,
      authType: url.auth,
      ...(cors && {
        cors: {
          allowOrigins: cors.allowOrigins,
          allowMethods: cors.allowMethods,
          allowHeaders: cors.allowHeaders,
          exposeHeaders: cors.exposeHeaders,
          allowCredentials: cors.allowCredentials,
          maxAge: cors.maxAgeSeconds,
        },
      }),
    },
    [ALIAS],
  );
  if (url.auth === "NONE") {
    b.add<PermissionSpec>(
      FUNCTION_URL_PERMISSION,
      "lambda.permission",
      `${lambda.name}:${lambda.alias}`,
      { ...target, statements: publicUrlStatements() },
      [FUNCTION_URL],
    );
  }
}

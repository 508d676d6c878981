// mlops validate and AWS's limits: for each config value that reaches a request, the value at
// the limit (counting what the tool adds) is valid and one past it is refused at its line and
// column. The limits come from a table generated from botocore's models, which must be current.
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { AWS_LIMITS } from "../../../actions/src/config/aws-limits.generated.js";
import { BASE_CONFIG, REPO, issuesOf, makeWorkspace, sub } from "./helpers.js";

const w = makeWorkspace();
afterAll(() => {
  w.remove();
});

const tags = (n: number, value = "v"): string =>
  `tags:\n${Array.from({ length: n }, (_, i) => `  k${String(i)}: "${value}"`).join("\n")}\n`;
const hyperparameters = (n: number, value = "1"): string =>
  `  hyperparameters:\n${Array.from({ length: n }, (_, i) => `    p${String(i)}: ${value}`).join("\n")}\n`;
const HP_MAX = AWS_LIMITS.hyperParameters.max; // 100 entries, the tool adds 4
const HP_VALUE = AWS_LIMITS.hyperParameterValue.max; // 2500 characters, JSON-encoded

interface Case {
  what: string;
  under: (text: string) => string;
  over: (text: string) => string;
  /** The path the refusal names. */
  path: string;
}

const CASES: Case[] = [
  {
    what: "tag value length (256 characters)",
    under: sub("  team: ml\n", `  team: "${"a".repeat(256)}"\n`),
    over: sub("  team: ml\n", `  team: "${"a".repeat(257)}"\n`),
    path: "tags.team",
  },
  {
    what: "tag value pattern (letters, digits, spaces, _ . : / = + - @)",
    under: sub("  team: ml\n", `  team: "ML team: platform/ops_1 + x@y.z = -"\n`),
    over: sub("  team: ml\n", `  team: "ML team (platform)"\n`),
    path: "tags.team",
  },
  {
    what: "tag key length (128 characters)",
    under: sub("  team: ml\n", `  ${"k".repeat(128)}: ml\n`),
    over: sub("  team: ml\n", `  ${"k".repeat(129)}: ml\n`),
    path: `tags.${"k".repeat(129)}`,
  },
  {
    what: "tag count (50, the tool adds 4)",
    under: sub("tags:\n  team: ml\n", tags(46)),
    over: sub("tags:\n  team: ml\n", tags(47)),
    path: "tags",
  },
  {
    what: "tag count with the EC2 runner (50, it adds 8)",
    under: (t) =>
      sub("tags:\n  team: ml\n", tags(42))(sub("backend: sagemaker", "backend: ec2")(t)),
    over: (t) => sub("tags:\n  team: ml\n", tags(43))(sub("backend: sagemaker", "backend: ec2")(t)),
    path: "tags",
  },
  {
    what: "hyperparameter count (100, the tool adds 4)",
    under: sub("  maxRuntime: 2h\n", `  maxRuntime: 2h\n${hyperparameters(HP_MAX - 4)}`),
    over: sub("  maxRuntime: 2h\n", `  maxRuntime: 2h\n${hyperparameters(HP_MAX - 3)}`),
    path: "training.hyperparameters",
  },
  {
    what: "hyperparameter value length, JSON-encoded (2500: a string gains 2 quotes)",
    under: sub(
      "  maxRuntime: 2h\n",
      `  maxRuntime: 2h\n${hyperparameters(1, "x".repeat(HP_VALUE - 2))}`,
    ),
    over: sub(
      "  maxRuntime: 2h\n",
      `  maxRuntime: 2h\n${hyperparameters(1, "x".repeat(HP_VALUE - 1))}`,
    ),
    path: "training.hyperparameters.p0",
  },
  {
    what: "training instance type (the model's enum)",
    under: sub("type: ml.m5.xlarge", "type: ml.g5.2xlarge"),
    over: sub("type: ml.m5.xlarge", "type: ml.g5.3xlarge"),
    path: "training.instance.type",
  },
  {
    what: "endpoint instance type (the model's enum)",
    under: sub("instanceType: ml.m5.large", "instanceType: ml.g5.xlarge"),
    over: sub("instanceType: ml.m5.large", "instanceType: ml.m5.huge"),
    path: "endpoint.instanceType",
  },
  {
    what: "EC2 runner instance type (the model's enum)",
    under: (t) => sub("[g5.xlarge]", "[g6e.xlarge]")(sub("backend: sagemaker", "backend: ec2")(t)),
    over: (t) => sub("[g5.xlarge]", "[g5.xxlarge]")(sub("backend: sagemaker", "backend: ec2")(t)),
    path: "training.ec2.instanceTypes[0]",
  },
  {
    what: "metric regex length (500)",
    under: sub('regex: "test_loss=([0-9.]+)"', `regex: "(${"a".repeat(498)})"`),
    over: sub('regex: "test_loss=([0-9.]+)"', `regex: "(${"a".repeat(499)})"`),
    path: "training.metrics[0].regex",
  },
  {
    what: "Function URL CORS origins (100)",
    under: withUrlCors(`allowOrigins: [${origins(100)}]`),
    over: withUrlCors(`allowOrigins: [${origins(101)}]`),
    path: "lambda.url.cors.allowOrigins",
  },
  {
    what: "Function URL CORS origin length (253)",
    under: withUrlCors(`allowOrigins: [https://${"a".repeat(245)}]`),
    over: withUrlCors(`allowOrigins: [https://${"a".repeat(246)}]`),
    path: "lambda.url.cors.allowOrigins[0]",
  },
  {
    what: "Function URL CORS method length (6: OPTIONS is refused)",
    under: withUrlCors("allowOrigins: ['*'], allowMethods: [DELETE]"),
    over: withUrlCors("allowOrigins: ['*'], allowMethods: [OPTIONS]"),
    path: "lambda.url.cors.allowMethods[0]",
  },
  {
    what: "Function URL CORS methods (6)",
    under: withUrlCors("allowOrigins: ['*'], allowMethods: [GET, PUT, POST, HEAD, PATCH, DELETE]"),
    over: withUrlCors(
      "allowOrigins: ['*'], allowMethods: [GET, PUT, POST, HEAD, PATCH, DELETE, '*']",
    ),
    path: "lambda.url.cors.allowMethods",
  },
  {
    what: "Function URL CORS header length (1024)",
    under: withUrlCors(`allowOrigins: ['*'], exposeHeaders: [x-${"h".repeat(1022)}]`),
    over: withUrlCors(`allowOrigins: ['*'], exposeHeaders: [x-${"h".repeat(1023)}]`),
    path: "lambda.url.cors.exposeHeaders[0]",
  },
  {
    what: "Function URL CORS max age (1d)",
    under: withUrlCors("allowOrigins: ['*'], maxAge: 1d"),
    over: withUrlCors("allowOrigins: ['*'], maxAge: 1d1s"),
    path: "lambda.url.cors.maxAge",
  },
  {
    what: "Lambda environment name pattern",
    under: sub("    LOG_LEVEL: info\n", "    L1: info\n"),
    over: sub("    LOG_LEVEL: info\n", "    L-1: info\n"),
    path: "lambda.environment.L-1",
  },
  {
    what: "Lambda environment size (4 KB with the tool's variables)",
    under: sub(
      "    LOG_LEVEL: info\n",
      `    LOG_LEVEL: "${"v".repeat(4096 - lambdaOverhead())}"\n`,
    ),
    over: sub("    LOG_LEVEL: info\n", `    LOG_LEVEL: "${"v".repeat(4097 - lambdaOverhead())}"\n`),
    path: "lambda.environment",
  },
];

/** The base config with a Function URL whose CORS is `cors` (YAML flow mapping contents). */
function withUrlCors(cors: string): (text: string) => string {
  return sub("  environment:\n", `  url: { cors: { ${cors} } }\n  environment:\n`);
}

function origins(n: number): string {
  return Array.from({ length: n }, (_, i) => `https://o${String(i)}.example.com`).join(", ");
}

/**
 * Bytes of the environment as sent, less LOG_LEVEL's value: the base config's endpoint name
 * and the Lambda defaults (topK 3, no CORS origin without a URL) with the tool's variable names.
 */
function lambdaOverhead(): number {
  return Buffer.byteLength(
    JSON.stringify({
      LOG_LEVEL: "",
      MLOPS_ENDPOINT_NAME: "pets",
      MLOPS_TOP_K: "3",
      MLOPS_CORS_ORIGIN: "",
    }),
  );
}

describe("AWS limits in mlops validate", () => {
  it.each(CASES)("$what: at the limit valid, one past refused at its line", (c) => {
    expect(issuesOf(w.write("under.yaml", c.under(BASE_CONFIG)))).toEqual([]);
    const file = w.write("over.yaml", c.over(BASE_CONFIG));
    const issues = issuesOf(file);
    expect(issues.map((i) => i.path)).toEqual([c.path]);
    expect(issues[0]?.line).toBeGreaterThan(0);
    expect(issues[0]?.column).toBeGreaterThan(0);
  });
});

describe("the generated table", () => {
  it("is what scripts/aws-limits.py makes from the installed botocore", () => {
    const python = process.env["MLOPS_PYTHON"] ?? "python3";
    const run = spawnSync(python, ["scripts/aws-limits.py", "--check"], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

// One invalid config per rule (schema and semantic): each case changes test/fixtures/config/
// base.yaml in one place and expects exactly one problem at a known line, path and message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../actions/src/config/issues.js";
import { BASE_CONFIG, issuesOf, makeWorkspace, sub, type Workspace } from "./helpers.js";

type Edit = (text: string) => string;

interface Case {
  name: string;
  edit: Edit | Edit[];
  line: number;
  path: string;
  message: string;
}

const long = (n: number, c = "a"): string => c.repeat(n);

/** model.serve (at line 30) in place of the quality gate, with `rest` after its image. */
const serve = (rest = "", artifact = "s3://models/pets/model.tar.gz"): Edit =>
  sub(
    "  qualityGate: { metric: test:accuracy, min: 0.7 }\n",
    `  serve:\n    artifact: ${artifact}\n    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/pets:1\n${rest}`,
  );

const cases: Case[] = [
  // --- Schema ---
  {
    name: "version 2",
    edit: sub("version: 1", "version: 2"),
    line: 2,
    path: "version",
    message: "is 2; must be 1",
  },
  {
    name: "missing required key",
    edit: sub("  name: pets\n", ""),
    line: 31,
    path: "endpoint",
    message: 'missing required key "name"',
  },
  {
    name: "unknown key with a suggestion",
    edit: sub("  maxRuntime: 2h", "  maxRuntim: 2h"),
    line: 21,
    path: "training.maxRuntim",
    message: 'unknown key "maxRuntim"; did you mean "maxRuntime"?',
  },
  {
    name: "unknown key without a close match lists the known keys",
    edit: sub("    count: 1\n", "    count: 1\n    colour: red\n"),
    line: 19,
    path: "training.instance.colour",
    message: 'unknown key "colour"; known keys: type, count, volumeSizeGB',
  },
  {
    name: "wrong enum value with a suggestion",
    edit: sub("backend: sagemaker", "backend: sagemakr"),
    line: 12,
    path: "training.backend",
    message: 'is "sagemakr"; must be one of sagemaker, ec2, local (did you mean "sagemaker"?)',
  },
  {
    name: "wrong enum value of an added key",
    edit: sub("  timeout: 30s\n", "  timeout: 30s\n  runtime: nodejs18.x\n"),
    line: 48,
    path: "lambda.runtime",
    message: "must be one of nodejs20.x, nodejs22.x, nodejs24.x",
  },
  {
    name: "wrong type (string for integer)",
    edit: sub("count: 1", "count: two"),
    line: 18,
    path: "training.instance.count",
    message: 'must be an integer, not string "two"',
  },
  {
    name: "wrong type (mapping for string)",
    edit: sub("  name: pets\n", "  name: { id: pets }\n"),
    line: 32,
    path: "endpoint.name",
    message: "must be a string, not a mapping",
  },
  {
    name: "tag value that is not a string",
    edit: sub("team: ml", "team: 12"),
    line: 6,
    path: "tags.team",
    message: "must be a string, not number 12",
  },
  {
    name: "bad duration",
    edit: sub("maxRuntime: 2h", "maxRuntime: 2 hours"),
    line: 21,
    path: "training.maxRuntime",
    message: '"2 hours" is not a duration; write it like 45s, 30m, 2h or 1h30m',
  },
  {
    name: "project with uppercase letters",
    edit: sub("project: pets", "project: Pets"),
    line: 3,
    path: "project",
    message: '"Pets" has the wrong format; expected something like "dog-breeds"',
  },
  {
    // Derived names (<project>-<hash8>-<attempt>, <project>-sagemaker) would pass 63/64
    // characters only above 50; the schema's 40 stops a long project first.
    name: "project too long for the names derived from it",
    edit: sub("project: pets", `project: ${long(41)}`),
    line: 3,
    path: "project",
    message: "is 41 characters; must be at most 40",
  },
  {
    name: "region of the wrong shape",
    edit: sub("region: eu-west-1", "region: europe"),
    line: 4,
    path: "region",
    message: 'has the wrong format; expected something like "us-east-1" or "eu-west-1"',
  },
  {
    name: "data sync concurrency above 1024",
    edit: sub("  delete: false\n", "  delete: false\n  concurrency: 5000\n"),
    line: 11,
    path: "data.concurrency",
    message: "is 5000; must be at most 1024",
  },
  {
    name: "canary size above 50",
    edit: sub("canarySize: 10", "canarySize: 60"),
    line: 38,
    path: "endpoint.deployment.canarySize",
    message: "is 60; must be at most 50",
  },
  {
    name: "linear step below 10",
    edit: sub("linearStepSize: 20", "linearStepSize: 5"),
    line: 39,
    path: "endpoint.deployment.linearStepSize",
    message: "is 5; must be at least 10",
  },
  {
    name: "environment variable name that is not one",
    edit: sub("LOG_LEVEL: info", "1LOG: info"),
    line: 51,
    path: "lambda.environment.1LOG",
    message: 'key "1LOG" is not allowed: A variable name',
  },
  {
    name: "duplicate EC2 instance type",
    edit: sub("[g5.xlarge]", "[g5.xlarge, g5.xlarge]"),
    line: 26,
    path: "training.ec2.instanceTypes",
    message: 'lists "g5.xlarge" twice',
  },

  // --- Names ---
  {
    name: "endpoint name with an underscore",
    edit: sub("  name: pets\n", "  name: pets_endpoint\n"),
    line: 32,
    path: "endpoint.name",
    message: 'SageMaker name "pets_endpoint" may only use letters, digits and hyphens',
  },
  {
    name: "endpoint name over 63 characters",
    edit: sub("  name: pets\n", `  name: ${long(64, "e")}\n`),
    line: 32,
    path: "endpoint.name",
    message: "is 64 characters; at most 63",
  },
  {
    name: "variant name with a space",
    edit: sub(
      "  instanceType: ml.m5.large",
      '  variantName: "All Traffic"\n  instanceType: ml.m5.large',
    ),
    line: 33,
    path: "endpoint.variantName",
    message: 'SageMaker name "All Traffic" may only use',
  },
  {
    name: "lambda name over 64 characters",
    edit: sub("name: pets-inference", `name: ${long(65, "l")}`),
    line: 45,
    path: "lambda.name",
    message: "Lambda function name",
  },
  {
    name: "lambda alias of only digits",
    edit: sub("  timeout: 30s\n", '  timeout: 30s\n  alias: "42"\n'),
    line: 48,
    path: "lambda.alias",
    message:
      'Lambda alias "42" may only use letters, digits, hyphens and underscores, not only digits',
  },
  {
    name: "IAM role name over 64 characters",
    edit: sub(
      "  path: /mlops/\n",
      `  path: /mlops/\n  roleNames:\n    sagemaker: ${long(65, "r")}\n`,
    ),
    line: 55,
    path: "iam.roleNames.sagemaker",
    message: "IAM role name",
  },

  // --- Buckets ---
  {
    name: "bucket with uppercase letters",
    edit: sub("bucket: pets-${account}-${region}", "bucket: Pets-${account}"),
    line: 9,
    path: "data.bucket",
    message:
      'bucket name "Pets-123456789012" may only use lowercase letters, digits, dots and hyphens',
  },
  {
    name: "bucket too long once ${account} and ${region} are filled in",
    edit: sub("bucket: pets-", "bucket: pets-training-data-for-the-dog-breed-classifier-"),
    line: 9,
    path: "data.bucket",
    message: "is 70 characters; it must be 3 to 63 (with ${account} as a 12-digit id)",
  },
  {
    name: "bucket that looks like an IP address",
    edit: sub("bucket: pets-${account}-${region}", "bucket: 192.168.10.20"),
    line: 9,
    path: "data.bucket",
    message: 'bucket name "192.168.10.20" must not look like an IP address',
  },
  {
    name: "bucket with two dots in a row",
    edit: sub("bucket: pets-${account}-${region}", "bucket: pets..data"),
    line: 9,
    path: "data.bucket",
    message: "must not contain two dots in a row",
  },
  {
    name: "bucket with an unknown placeholder",
    edit: sub("bucket: pets-${account}", "bucket: pets-${foo}"),
    line: 9,
    path: "data.bucket",
    message: "unknown placeholder ${foo}; only ${account} and ${region} are filled in",
  },
  {
    name: "state bucket of its own with a bad name",
    edit: sub("data:\n", "state:\n  bucket: State_Bucket\ndata:\n"),
    line: 8,
    path: "state.bucket",
    message: 'bucket name "State_Bucket" may only use lowercase letters',
  },
  {
    name: "s3:// data source with a bad bucket name",
    edit: sub("source: data", "source: s3://Pets_Data/images/"),
    line: 8,
    path: "data.source",
    message: 'bucket name "Pets_Data" may only use lowercase letters',
  },

  // --- Tags ---
  {
    name: "reserved tag prefix",
    edit: sub("team: ml", "mlops:team: ml"),
    line: 6,
    path: "tags.mlops:team",
    message: 'tag key "mlops:team" uses a reserved prefix',
  },
  {
    name: "too many tags",
    edit: sub("  team: ml\n", Array.from({ length: 48 }, (_, i) => `  t${i}: v\n`).join("")),
    line: 5,
    path: "tags",
    message: "has 48 tags; at most 46",
  },

  // --- Data ---
  {
    name: "http:// archive",
    edit: sub("source: data", "source: http://example.com/pets.zip"),
    line: 8,
    path: "data.source",
    message: "must use https://, not http://",
  },
  {
    name: "local data folder missing",
    edit: sub("source: data", "source: no-such-folder"),
    line: 8,
    path: "data.source",
    message: "no-such-folder does not exist (paths are relative to the config file)",
  },
  {
    name: "delete with an s3:// source",
    edit: [
      sub("source: data", "source: s3://pets-data/images/"),
      sub("delete: false", "delete: true"),
    ],
    line: 10,
    path: "data.delete",
    message: "cannot be true when data.source is an s3:// prefix",
  },

  // --- Training ---
  {
    name: "training sourceDir missing",
    edit: sub("sourceDir: training", "sourceDir: no-such-dir"),
    line: 14,
    path: "training.sourceDir",
    message: "no-such-dir does not exist (paths are relative to the config file)",
  },
  {
    name: "entry point missing",
    edit: sub("entryPoint: train.py", "entryPoint: missing.py"),
    line: 13,
    path: "training.entryPoint",
    message: "missing.py does not exist",
  },
  {
    name: "unknown framework version",
    edit: sub('version: "2.3"', 'version: "1.9"'),
    line: 15,
    path: "training.framework.version",
    message: "PyTorch 1.9 has no known SageMaker image; use one of 2.0, 2.1",
  },
  {
    name: "entry point outside sourceDir",
    edit: sub("entryPoint: train.py", "entryPoint: ../train.py"),
    line: 13,
    path: "training.entryPoint",
    message: '"../train.py" points outside training.sourceDir',
  },
  {
    name: "python tag the framework image is not built for",
    edit: sub("python: py311", "python: py310"),
    line: 15,
    path: "training.framework.version",
    message: "the PyTorch 2.3 image is built for py311, not py310",
  },
  {
    name: "training instance type without ml.",
    edit: sub("type: ml.m5.xlarge", "type: m5.xlarge"),
    line: 17,
    path: "training.instance.type",
    message: '"m5.xlarge" is not a SageMaker instance type; they start with "ml."',
  },
  {
    name: "several instances with a non-sagemaker backend",
    edit: [sub("backend: sagemaker", "backend: local"), sub("count: 1", "count: 2")],
    line: 18,
    path: "training.instance.count",
    message: "is 2, but only the sagemaker backend trains on several instances",
  },
  {
    name: "maxRuntime above 28 days",
    edit: sub("maxRuntime: 2h", "maxRuntime: 29d"),
    line: 21,
    path: "training.maxRuntime",
    message: "is 29d; SageMaker allows 1m to 28d",
  },
  {
    name: "maxRuntime below a minute",
    edit: sub("maxRuntime: 2h", "maxRuntime: 30s"),
    line: 21,
    path: "training.maxRuntime",
    message: "is 30s; SageMaker allows 1m to 28d",
  },
  {
    name: "spot without maxWait",
    edit: sub("enabled: false", "enabled: true"),
    line: 19,
    path: "training.spot",
    message: "needs maxWait when spot is enabled",
  },
  {
    name: "spot maxWait shorter than maxRuntime",
    edit: sub("enabled: false\n", "enabled: true\n    maxWait: 1h\n"),
    line: 21,
    path: "training.spot.maxWait",
    message: "is 1h; it must be at least training.maxRuntime (2h)",
  },
  {
    name: "metric regex without a capture group",
    edit: sub('"test_loss=([0-9.]+)"', '"test_loss=[0-9.]+"'),
    line: 23,
    path: "training.metrics[0].regex",
    message: "needs a capture group ( ... ) around the value",
  },
  {
    name: "invalid metric regex",
    edit: sub('"test_loss=([0-9.]+)"', '"test_loss=([0-9.+)"'),
    line: 23,
    path: "training.metrics[0].regex",
    message: "is not a valid regular expression",
  },
  {
    name: "duplicate metric name",
    edit: sub("name: test:loss,", "name: test:accuracy,"),
    line: 24,
    path: "training.metrics[1].name",
    message: 'metric "test:accuracy" is defined twice',
  },
  {
    name: "CPU instance type for the EC2 runner",
    edit: [sub("backend: sagemaker", "backend: ec2"), sub("[g5.xlarge]", "[g5.xlarge, m5.xlarge]")],
    line: 26,
    path: "training.ec2.instanceTypes[1]",
    message: '"m5.xlarge" is not a GPU type the PyTorch Deep Learning AMIs support',
  },
  {
    name: "idleTimeout not shorter than maxLifetime",
    edit: sub("idleTimeout: 15m", "idleTimeout: 3h"),
    line: 28,
    path: "training.ec2.idleTimeout",
    message: "must be shorter than maxLifetime (3h)",
  },

  // --- Model ---
  {
    name: "quality gate with both min and max",
    edit: sub("min: 0.7 }", "min: 0.7, max: 0.9 }"),
    line: 30,
    path: "model.qualityGate",
    message: "needs exactly one of min or max",
  },
  {
    name: "quality gate on an undefined metric",
    edit: sub("metric: test:accuracy", "metric: test:f1"),
    line: 30,
    path: "model.qualityGate.metric",
    message: '"test:f1" is not defined in training.metrics (test:loss, test:accuracy)',
  },
  {
    name: "served model with environments",
    edit: [serve(), (t) => `${t}environments:\n  staging: {}\n`],
    line: 30,
    path: "model.serve",
    message: "cannot be used with environments: they deploy registry versions",
  },
  {
    name: "served model's endpoint config adopted without its model",
    edit: serve("    adopt: { endpointConfig: pets-config }\n"),
    line: 33,
    path: "model.serve.adopt.endpointConfig",
    message: "needs adopt.model too: an endpoint config names the model its variant serves",
  },
  {
    name: "served artifact that is a prefix",
    edit: serve("", "s3://models/pets/"),
    line: 31,
    path: "model.serve.artifact",
    message: '"s3://models/pets/" is a prefix (a folder); SageMaker needs the model.tar.gz object',
  },

  // --- Endpoint ---
  {
    name: "endpoint instance type without ml.",
    edit: sub("instanceType: ml.m5.large", "instanceType: m5.large"),
    line: 33,
    path: "endpoint.instanceType",
    message: '"m5.large" is not a SageMaker instance type',
  },
  {
    name: "minCapacity above maxCapacity",
    edit: sub("minCapacity: 1", "minCapacity: 4"),
    line: 41,
    path: "endpoint.autoscaling.minCapacity",
    message: "is 4, more than maxCapacity (3)",
  },
  {
    name: "initialInstanceCount outside the scaling range",
    edit: sub("initialInstanceCount: 1", "initialInstanceCount: 5"),
    line: 34,
    path: "endpoint.initialInstanceCount",
    message: "is 5, outside the auto-scaling range 1-3",
  },
  {
    name: "waitInterval above an hour",
    edit: sub("    linearStepSize: 20\n", "    linearStepSize: 20\n    waitInterval: 2h\n"),
    line: 40,
    path: "endpoint.deployment.waitInterval",
    message: "is 2h; at most 1h",
  },
  {
    name: "maxExecutionTimeout below 10 minutes",
    edit: sub("    linearStepSize: 20\n", "    linearStepSize: 20\n    maxExecutionTimeout: 5m\n"),
    line: 40,
    path: "endpoint.deployment.maxExecutionTimeout",
    message: "is 5m; SageMaker allows 10m to 8h",
  },

  // --- Lambda ---
  {
    name: "lambda code folder missing",
    edit: sub("code: lambda/dist", "code: lambda/build"),
    line: 46,
    path: "lambda.code",
    message: "lambda/build does not exist (run npm run build",
  },
  {
    name: "lambda timeout above 15 minutes",
    edit: sub("timeout: 30s", "timeout: 16m"),
    line: 47,
    path: "lambda.timeout",
    message: "is 16m; Lambda allows 1s to 15m",
  },
  {
    name: "provisioned concurrency above reserved",
    edit: sub("provisionedConcurrency: 1", "provisionedConcurrency: 6"),
    line: 48,
    path: "lambda.provisionedConcurrency",
    message: "is 6, more than reservedConcurrency (5)",
  },
  {
    name: "public Function URL without reserved concurrency",
    edit: sub("  reservedConcurrency: 5\n", "  url: { auth: NONE }\n"),
    line: 49,
    path: "lambda.url.auth",
    message: "is NONE (a public URL): set lambda.reservedConcurrency too",
  },
  {
    name: "Function URL auth not one AWS knows",
    edit: sub("  reservedConcurrency: 5\n", "  reservedConcurrency: 5\n  url: { auth: IAM }\n"),
    line: 50,
    path: "lambda.url.auth",
    message: "must be one of",
  },
  {
    name: "reserved AWS_ environment variable",
    edit: sub("LOG_LEVEL: info", "AWS_REGION: eu-west-1"),
    line: 51,
    path: "lambda.environment.AWS_REGION",
    message: '"AWS_REGION" is reserved',
  },
  {
    name: "reserved MLOPS_ environment variable",
    edit: sub("LOG_LEVEL: info", "MLOPS_ENDPOINT: other"),
    line: 51,
    path: "lambda.environment.MLOPS_ENDPOINT",
    message: '"MLOPS_ENDPOINT" is reserved',
  },
  {
    name: "rollback alarms beyond SageMaker's 10, counting the tool's own",
    edit: sub(
      "    linearStepSize: 20\n",
      `    linearStepSize: 20\n    rollbackAlarms: [${Array.from({ length: 9 }, (_, i) => `a${i}`).join(", ")}]\n`,
    ),
    line: 40,
    path: "endpoint.deployment.rollbackAlarms",
    message: "makes 11 rollback alarms with the tool's own (2); SageMaker allows 10",
  },
  {
    name: "alarm period not in whole minutes",
    edit: sub("iam:\n", "monitoring:\n  period: 90s\niam:\n"),
    line: 53,
    path: "monitoring.period",
    message: "is 1m30s; use whole minutes (1m or more)",
  },
  {
    name: "more datapoints to alarm than evaluated periods",
    edit: sub("iam:\n", "monitoring:\n  evaluationPeriods: 2\n  datapointsToAlarm: 3\niam:\n"),
    line: 54,
    path: "monitoring.datapointsToAlarm",
    message: "is 3, more than evaluationPeriods (2)",
  },
  {
    name: "alarms evaluated over more than a day",
    edit: sub("iam:\n", "monitoring:\n  period: 1h\n  evaluationPeriods: 25\niam:\n"),
    line: 54,
    path: "monitoring.evaluationPeriods",
    message: "times period is 1d1h; CloudWatch evaluates at most 1d",
  },
  {
    name: "alarm topic in another region",
    edit: sub(
      "iam:\n",
      "monitoring:\n  topicArn: arn:aws:sns:us-east-1:123456789012:alerts\niam:\n",
    ),
    line: 53,
    path: "monitoring.topicArn",
    message: "is in another region than eu-west-1; CloudWatch notifies topics of its own region",
  },
  {
    name: "data capture destination longer than SageMaker's 512 characters as sent",
    edit: sub(
      "  initialInstanceCount: 1\n",
      `  initialInstanceCount: 1\n  dataCapture:\n    prefix: ${"c".repeat(480)}/\n`,
    ),
    line: 36,
    path: "endpoint.dataCapture.prefix",
    message: "is 514 characters as sent; AWS allows at most 512 (AWS sagemaker DestinationS3Uri)",
  },
  {
    name: "data capture inside the synced data prefix",
    edit: [
      sub("  delete: false\n", "  delete: false\n  prefix: images/\n"),
      sub(
        "  initialInstanceCount: 1\n",
        "  initialInstanceCount: 1\n  dataCapture:\n    prefix: images/capture/\n",
      ),
    ],
    line: 37,
    path: "endpoint.dataCapture.prefix",
    message:
      '"images/capture/" is inside data.prefix "images/": the data sync would treat captures as data; use a prefix beside it',
  },
];

let ws: Workspace;
beforeAll(() => {
  ws = makeWorkspace();
});
afterAll(() => {
  ws.remove();
});

function writeCase(name: string, edits: Edit | Edit[]): string {
  const text = [edits].flat().reduce((t, edit) => edit(t), BASE_CONFIG);
  return ws.write(`${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`, text);
}

const brief = (issues: readonly ConfigIssue[]) =>
  issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);

describe("invalid configs", () => {
  it("the base config is valid", () => {
    expect(brief(issuesOf(ws.write("base.yaml", BASE_CONFIG)))).toEqual([]);
  });

  it("covers at least 30 rules", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)("$name", ({ name, edit, line, path, message }) => {
    const file = writeCase(name, edit);
    const issues = issuesOf(file);
    expect(brief(issues)).toHaveLength(1);
    const [issue] = issues;
    expect(issue).toMatchObject({ file, line, path });
    expect(issue?.message).toContain(message);
    expect(issue?.column).toBeGreaterThan(0);
  });

  it("reports every semantic problem at once, sorted by line", () => {
    const file = writeCase("several", [
      sub("provisionedConcurrency: 1", "provisionedConcurrency: 6"),
      sub("type: ml.m5.xlarge", "type: m5.xlarge"),
      sub("instanceType: ml.m5.large", "instanceType: m5.large"),
      sub("bucket: pets-${account}", "bucket: pets-${foo}"),
    ]);
    const issues = issuesOf(file);
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [9, "data.bucket"],
      [17, "training.instance.type"],
      [33, "endpoint.instanceType"],
      [48, "lambda.provisionedConcurrency"],
    ]);
  });

  it("reports every schema problem at once, sorted by line", () => {
    const file = writeCase("several-schema", [
      sub("linearStepSize: 20", "linearStepSize: 5"),
      sub("version: 1", "version: 2"),
      sub("maxRuntime: 2h", "maxRuntime: 2 hours"),
      sub("count: 1", "count: two"),
    ]);
    const issues = issuesOf(file);
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [2, "version"],
      [18, "training.instance.count"],
      [21, "training.maxRuntime"],
      [39, "endpoint.deployment.linearStepSize"],
    ]);
  });
});

// `npm run demo`: the whole product on this machine with no AWS account. Starts the local AWS
// emulator and generates a small data set; validates and plans a config that uses every part
// of the product; applies it (data sync, IAM, real local training, model, endpoint,
// auto-scaling, the Lambda with version, alias and concurrency); re-plans (no changes); changes
// a hyperparameter and the scaling maximum and applies the minimal plan through UpdateEndpoint;
// then predicts through the front door: `mlops invoke` signs a call to the Function URL, which
// the emulator hands to the real Lambda handler, running here against the model served by
// serve.py (an unsigned call is refused first). Each step checks its outcome: the exit code is
// 0 only if every step did what it should.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { basename, join } from "node:path";
import {
  DescribeScalableTargetsCommand,
  ApplicationAutoScalingClient,
} from "@aws-sdk/client-application-auto-scaling";
import {
  GetAliasCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeEndpointCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { createHandler } from "../../../lambda/src/app.js";
import type { StateRecord } from "../apply/state-store.js";
import { main } from "../cli/main.js";
import type { Output } from "../cli/output.js";
import { serveFunctionLocally, startEmulator } from "../emulator/index.js";
import { callFunctionUrl } from "../invoke/function-url-client.js";
import type { Plan } from "../plan/types.js";
import { demoConfig } from "./demo-config.js";
import { runStagedDemo } from "./staged-demo.js";
import { localRuntime, startLocalModelServer } from "./local-model-server.js";
import { OperationalError } from "../operational-errors.js";

export interface DemoOptions {
  repoRoot: string;
  workDir: string;
  keep: boolean;
  say: (line: string) => void;
  /** Print the full output of each command (default: only plans and summaries). */
  verbose?: boolean;
}

export interface DemoStep {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DemoResult {
  steps: DemoStep[];
  prediction?: { trueLabel: string; top: { label: string; probability: number }[] };
}

interface Captured {
  code: number;
  out: string;
  err: string;
}

/**
 * The Python that trains and serves (torch + torchvision): the one `npm run demo` set up
 * (scripts/setup.sh exports it), else Debian's.
 */
const PYTHON = process.env["MLOPS_TRAINING_PYTHON"] ?? "/usr/bin/python3";

/** Says exactly what is missing before anything starts. */
export function demoPrerequisites(): string[] {
  const missing: string[] = [];
  const torch = spawnSync(PYTHON, ["-c", "import torch, torchvision, PIL"], { encoding: "utf8" });
  if (torch.status !== 0) {
    missing.push(
      `${PYTHON} with torch, torchvision and pillow (run the demo as \`npm run demo\`, which sets them up; or set MLOPS_TRAINING_PYTHON to a Python that has them)`,
    );
  }
  const moto = spawnSync(process.env["MLOPS_PYTHON"] ?? "python3", ["-c", "import moto"], {
    encoding: "utf8",
  });
  if (moto.status !== 0)
    missing.push(
      `moto, the local AWS emulator (run the demo as \`npm run demo\`, which installs it; or set MLOPS_PYTHON to a Python that has it)`,
    );
  return missing;
}
const ENDPOINT = "demo-shapes";
const FUNCTION = "demo-shapes-inference";
/** What a hyperparameter and scaling change may touch: retraining, the endpoint, scaling. */
export const EXPECTED_MINIMAL_CHANGE = [
  "autoscaling.variant.main",
  "sagemaker.endpoint-config.main",
  "sagemaker.endpoint.main",
  "sagemaker.model.main",
  "training.run.main",
];

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { repoRoot, workDir, say } = options;
  const result: DemoResult = { steps: [] };
  const check = (name: string, ok: boolean, detail = ""): void => {
    result.steps.push({ name, ok, detail });
    say(`${ok ? "✔" : "✘"} ${name}${detail ? `: ${detail}` : ""}`);
    if (!ok) throw new OperationalError(`demo step failed: ${name}${detail ? ` (${detail})` : ""}`);
  };

  const missing = demoPrerequisites();
  if (missing.length > 0)
    throw new OperationalError(`missing prerequisites:\n  - ${missing.join("\n  - ")}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const dataDir = join(workDir, "data");
  const configFile = join(workDir, "mlops.yaml");
  const writeConfig = (maxCapacity: number, epochs: number, environments = false): void => {
    writeFileSync(
      configFile,
      demoConfig({ repoRoot, dataDir, maxCapacity, epochs, python: PYTHON, environments }),
    );
  };

  say("Starting the local AWS emulator (moto plus the operations it lacks)...");
  const emulator = await startEmulator({ updateDelayMs: 500, keepAlive: options.keep });
  const savedEnv = { ...process.env };
  Object.assign(process.env, emulator.env(), {
    MLOPS_CACHE_DIR: join(workDir, "cache"),
    MLOPS_POLL_MS: "250",
  });
  const aws = {
    region: "us-east-1",
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  const mlops = (...args: string[]): Promise<Captured> =>
    run([...args, "--config", configFile], options.verbose === true, say);
  try {
    check("emulator", true, emulator.endpoint);

    const gen = spawnSync(
      PYTHON,
      [
        join(repoRoot, "training/generate_data.py"),
        "--out",
        dataDir,
        "--classes",
        "4",
        "--per-class-train",
        "60",
        "--per-class-valid",
        "10",
        "--per-class-test",
        "10",
        "--seed",
        "0",
      ],
      { encoding: "utf8" },
    );
    check(
      "generate sample data",
      gen.status === 0,
      gen.status === 0 ? gen.stdout.trim() : gen.stderr.trim(),
    );

    writeConfig(3, 2);
    const valid = await mlops("validate");
    check("mlops validate", valid.code === 0, valid.out.trim());

    // 2. the full create plan, and the markdown that would be the PR comment
    const planFile = join(workDir, "plan.json");
    const plan = await mlops("plan", "--markdown-out", join(workDir, "plan.md"), "--out", planFile);
    say(indent(plan.out));
    const created = readPlan(planFile);
    const actions = new Set(created.changes.map((c) => c.action));
    check(
      "mlops plan: a full create plan",
      plan.code === 0 &&
        [...actions].every((a) => a === "create" || a === "train") &&
        created.changes.length >= 10,
      `${created.changes.length} resources; the PR comment is ${join(workDir, "plan.md")}`,
    );

    // 3. apply exactly that plan
    const apply = await mlops("apply", "--plan", planFile, "--auto-approve");
    say(indent(apply.out));
    check("mlops apply", apply.code === 0, lastLine(apply.out));
    const sagemaker = new SageMakerClient(aws);
    const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
    check(
      "endpoint in service",
      endpoint.EndpointStatus === "InService",
      `${ENDPOINT} on ${endpoint.EndpointConfigName ?? "?"}`,
    );
    const target = await scalableTarget(aws);
    check(
      "auto-scaling registered",
      target?.MaxCapacity === 3,
      `min ${String(target?.MinCapacity)}, max ${String(target?.MaxCapacity)}`,
    );
    const lambda = new LambdaClient(aws);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: "live" }));
    const provisioned = await lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: FUNCTION, Qualifier: "live" }),
    );
    const reserved = await lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: FUNCTION }),
    );
    check(
      "Lambda version, alias and concurrency",
      alias.FunctionVersion !== "$LATEST" &&
        provisioned.RequestedProvisionedConcurrentExecutions === 2 &&
        reserved.ReservedConcurrentExecutions === 5,
      `alias live -> version ${String(alias.FunctionVersion)}, provisioned ${String(provisioned.RequestedProvisionedConcurrentExecutions)} (${String(provisioned.Status)}), reserved ${String(reserved.ReservedConcurrentExecutions)}`,
    );

    const url = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: FUNCTION, Qualifier: "live" }),
    );
    check(
      "Function URL on the alias",
      url.AuthType === "AWS_IAM" && (url.FunctionArn ?? "").endsWith(`:${FUNCTION}:live`),
      `${String(url.FunctionUrl)} (${String(url.AuthType)})`,
    );

    // 4. nothing left to do
    const again = await mlops("plan", "--detailed-exitcode");
    check("second mlops plan reports no changes", again.code === 0, lastLine(again.out, 1));

    // 5. a hyperparameter and the scaling maximum: only retraining, the endpoint and scaling
    writeConfig(5, 3);
    const changedFile = join(workDir, "plan-change.json");
    const changed = await mlops("plan", "--detailed-exitcode", "--out", changedFile);
    say(indent(changed.out));
    const touched = readPlan(changedFile)
      .changes.filter((c) => c.action !== "noop")
      .map((c) => c.address)
      .sort();
    check(
      "the change plans only retraining, the endpoint update and scaling",
      changed.code === 2 && same(touched, EXPECTED_MINIMAL_CHANGE),
      touched.join(", "),
    );

    const apply2 = await mlops("apply", "--plan", changedFile, "--auto-approve");
    say(indent(apply2.out));
    const updated = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
    const wantedConfig = readPlan(changedFile).nodes["sagemaker.endpoint-config.main"]?.name;
    check(
      "apply updated the endpoint in place",
      apply2.code === 0 &&
        updated.EndpointStatus === "InService" &&
        updated.EndpointConfigName === wantedConfig &&
        updated.EndpointConfigName !== endpoint.EndpointConfigName,
      `${ENDPOINT}: ${endpoint.EndpointConfigName ?? "?"} -> ${updated.EndpointConfigName ?? "?"}`,
    );
    check("scaling maximum updated", (await scalableTarget(aws))?.MaxCapacity === 5, "max 5");
    const final = await mlops("plan", "--detailed-exitcode");
    check("converged", final.code === 0, "no changes");

    // 6. a prediction through the Function URL and the real Lambda handler, served by serve.py
    result.prediction = await predict(options, aws, dataDir, url.FunctionUrl ?? "", mlops, check);
    const top = result.prediction.top;
    check(
      "prediction through the Function URL (mlops invoke, signed)",
      top[0]?.label === result.prediction.trueLabel,
      `true class ${result.prediction.trueLabel}; top 3: ${top.map((p) => `${p.label} ${(p.probability * 100).toFixed(1)}%`).join(", ")}`,
    );

    // 7. staging, the approval, production: the model trained above, never trained again
    await runStagedDemo({
      mlops,
      say,
      check,
      sagemaker,
      endpoint: ENDPOINT,
      writeStagedConfig: () => {
        writeConfig(5, 3, true);
      },
    });
    return result;
  } finally {
    if (options.keep) {
      say(
        `\nThe emulator keeps running at ${emulator.endpoint} (pid ${emulator.pid}). To use the CLI against it:`,
      );
      for (const [k, v] of Object.entries(emulator.env())) say(`  export ${k}=${v}`);
      say(`  export MLOPS_CACHE_DIR=${join(workDir, "cache")}`);
      say(`  node actions/dist/cli.js plan --config ${configFile}`);
      say(`Stop it with: kill ${emulator.pid}`);
      emulator.release();
    } else {
      await emulator.stop();
    }
    process.env = savedEnv;
  }
}

async function predict(
  options: DemoOptions,
  aws: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
  dataDir: string,
  functionUrl: string,
  mlops: (...args: string[]) => Promise<Captured>,
  check: (name: string, ok: boolean, detail?: string) => void,
): Promise<NonNullable<DemoResult["prediction"]>> {
  // The artifact the endpoint serves, as recorded by training.
  const s3 = new S3Client({ ...aws, forcePathStyle: true });
  const bucket = "demo-123456789012-us-east-1";
  const state = JSON.parse(await text(s3, bucket, ".mlops/state.json")) as StateRecord;
  const latest = Object.values(state.training)
    .sort((a, b) => (a.finishedAt ?? "").localeCompare(b.finishedAt ?? ""))
    .pop();
  const artifact = latest?.artifact ?? "";
  const key = artifact.replace(`s3://${bucket}/`, "");
  const modelFile = join(options.workDir, "model.tar.gz");
  const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  writeFileSync(modelFile, (await body.Body?.transformToByteArray()) ?? new Uint8Array());

  const server = await startLocalModelServer(
    PYTHON,
    join(options.repoRoot, "training/serve.py"),
    modelFile,
  );
  // moto cannot run the Node function: the emulator hands the URL's requests to the handler
  // running here, whose endpoint calls go to serve.py.
  const fn = await serveFunctionLocally(
    aws.endpoint,
    FUNCTION,
    createHandler({
      runtime: localRuntime(server.url),
      env: { MLOPS_ENDPOINT_NAME: ENDPOINT, MLOPS_TOP_K: "3" },
      logSink: () => undefined,
    }),
  );
  try {
    // A held-out image: the test split is never trained on.
    const classDir = join(dataDir, "test", readdirSync(join(dataDir, "test")).sort()[1] ?? "");
    const image = join(classDir, readdirSync(classDir).sort()[0] ?? "");
    const unsigned = await callFunctionUrl({
      url: functionUrl,
      authType: "NONE",
      body: JSON.stringify({ image: readFileSync(image).toString("base64") }),
      contentType: "application/json",
    });
    check(
      "an unsigned call to the AWS_IAM URL is refused",
      unsigned.status === 403,
      `HTTP ${unsigned.status}`,
    );
    const invoked = await mlops("invoke", "--image", image, "--format", "json");
    if (invoked.code !== 0) throw new OperationalError(`mlops invoke failed: ${invoked.err}`);
    const parsed = JSON.parse(invoked.out) as {
      predictions: { label: string; probability: number }[];
    };
    return { trueLabel: basename(classDir), top: parsed.predictions };
  } finally {
    await fn.close();
    await server.stop();
  }
}

async function scalableTarget(aws: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}) {
  const out = await new ApplicationAutoScalingClient(aws).send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: "sagemaker",
      ResourceIds: [`endpoint/${ENDPOINT}/variant/AllTraffic`],
    }),
  );
  return out.ScalableTargets?.[0];
}

async function text(s3: S3Client, Bucket: string, Key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return (await out.Body?.transformToString()) ?? "";
}

async function run(
  argv: string[],
  verbose: boolean,
  say: (line: string) => void,
): Promise<Captured> {
  let out = "";
  let err = "";
  const io: Output = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(argv, io);
  if (verbose && err) say(indent(err));
  if (code !== 0 && code !== 2 && err) say(indent(err));
  return { code, out, err };
}

function readPlan(file: string): Plan {
  return JSON.parse(readFileSync(file, "utf8")) as Plan;
}

const same = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function lastLine(text: string, fromEnd = 0): string {
  const lines = text.trimEnd().split("\n");
  return lines[lines.length - 1 - fromEnd] ?? "";
}

export function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "training", "train.py")) || !existsSync(join(dir, "package.json"))) {
    const parent = join(dir, "..");
    if (parent === dir) throw new OperationalError("run the demo from the project's folder");
    dir = parent;
  }
  return dir;
}

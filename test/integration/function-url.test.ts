// The front door (lambda.url) through the real CLI against the emulator: apply creates a Function
// URL on the alias, an unsigned or wrongly signed call to an AWS_IAM URL is refused, `mlops
// invoke` signs its call and prints the labels the handler returns; CORS and auth change in
// place (a public URL gets exactly its two resource-policy statements, and loses them again);
// removing the function removes its URL. Each apply is followed by an empty plan.
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  RemovePermissionCommand,
} from "@aws-sdk/client-lambda";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHandler } from "../../lambda/src/app.js";
import { main } from "../../actions/src/cli/main.js";
import { serveFunctionLocally, type LocalFunction } from "../../actions/src/emulator/index.js";
import { callFunctionUrl } from "../../actions/src/invoke/function-url-client.js";
import { PUBLIC_URL_STATEMENT_IDS } from "../../actions/src/graph/lambda-nodes.js";
import { FakeRuntime, PNG } from "../unit/lambda/helpers.js";
import { useEmulator, type EmulatorHandle } from "../support/emulator.js";

const TEST_TIMEOUT_MS = 120_000;
const id = randomBytes(4).toString("hex");
const functionName = `url-${id}-inference`;
let dir: string;
let config: string;
let aws: EmulatorHandle;
let lambda: LambdaClient;
let local: LocalFunction;

interface Shape {
  url?: string;
  lambda?: boolean;
}

function writeConfig(s: Shape): void {
  writeFileSync(
    config,
    `version: 1
project: url-${id}
region: us-east-1
data:
  source: data
  bucket: url-${id}-\${account}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
endpoint:
  name: url-${id}-ep
  instanceType: ml.m5.large
${
  s.lambda === false
    ? ""
    : `lambda:
  name: ${functionName}
  code: code
  reservedConcurrency: 5
  url:
${s.url ?? ""}
`
}`,
  );
}

async function mlops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, "--config", config], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function applyConverged(): Promise<void> {
  const applied = await mlops("apply", "--auto-approve");
  expect(applied.code, applied.err).toBe(0);
  const again = await mlops("plan", "--detailed-exitcode");
  expect(again.code, again.out).toBe(0);
}

const urlConfig = () =>
  lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: "live" }));

const unsigned = (url: string) =>
  callFunctionUrl({
    url,
    authType: "NONE",
    body: JSON.stringify({ image: PNG.toString("base64") }),
    contentType: "application/json",
  });

/** A browser's preflight to the URL, sent to the emulator with the URL's Host. */
function preflight(url: string, origin: string): Promise<Record<string, unknown>> {
  const endpoint = new URL(aws.env["AWS_ENDPOINT_URL"] ?? "");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: endpoint.hostname,
        port: endpoint.port,
        method: "OPTIONS",
        path: "/",
        headers: {
          host: new URL(url).host,
          origin,
          "access-control-request-method": "POST",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve({ status: res.statusCode, ...res.headers });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The model endpoint: answers MODEL_ANSWER and records what it was sent. */
const runtime = new FakeRuntime();

beforeAll(async () => {
  aws = useEmulator();
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  lambda = new LambdaClient(aws.clientConfig);
  dir = mkdtempSync(join(tmpdir(), "mlops-url-it-"));
  config = join(dir, "mlops.yaml");
  for (const sub of ["data", "training", "code"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "data", "sample.txt"), "a cat\n");
  writeFileSync(join(dir, "training", "train.py"), "print('train')\n");
  writeFileSync(join(dir, "code", "index.mjs"), "export const handler = async () => 1;\n");
  writeFileSync(join(dir, "cat.png"), PNG);
  // The deployed code is a stub; the emulator runs the real handler here for the URL.
  local = await serveFunctionLocally(
    aws.env["AWS_ENDPOINT_URL"] ?? "",
    functionName,
    createHandler({
      runtime,
      env: { MLOPS_ENDPOINT_NAME: `url-${id}-ep`, MLOPS_TOP_K: "3" },
      logSink: () => undefined,
    }),
  );
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await local.close();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("the Function URL (lambda.url)", { timeout: TEST_TIMEOUT_MS }, () => {
  let url = "";

  it("is created on the alias with AWS_IAM, and refuses unsigned and badly signed calls", async () => {
    writeConfig({ url: "    cors: { allowOrigins: [https://app.example.com] }" });
    await applyConverged();
    const created = await urlConfig();
    url = created.FunctionUrl ?? "";
    // Every apply ends with the address.
    const again = await mlops("apply", "--auto-approve");
    expect(again.out).toContain(`Function URL: ${url} (AWS_IAM)`);
    expect(url).toMatch(/^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/$/);
    expect(created.AuthType).toBe("AWS_IAM");
    // `mlops status` shows where to call the service.
    const status = await mlops("status", "--format", "json");
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ lambda: { url: { url, authType: "AWS_IAM" } } });
    expect((await mlops("status")).out).toContain(`Function URL: ${url} (AWS_IAM)`);
    expect(created.FunctionArn).toMatch(new RegExp(`:function:${functionName}:live$`));
    expect(created.Cors).toMatchObject({
      AllowOrigins: ["https://app.example.com"],
      AllowMethods: ["POST"],
      MaxAge: 600,
    });

    expect((await unsigned(url)).status).toBe(403);
    const forged = await callFunctionUrl({
      url,
      authType: "AWS_IAM",
      body: "{}",
      contentType: "application/json",
      credentials: { accessKeyId: "testing", secretAccessKey: "not-the-secret" },
    });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain("signature we calculated does not match");
  });

  it("mlops invoke signs the call and prints the labels of an image", async () => {
    const json = await mlops("invoke", "--image", join(dir, "cat.png"), "--format", "json");
    expect(json.code, json.err).toBe(0);
    const parsed = JSON.parse(json.out) as { url: string; predictions: { label: string }[] };
    expect(parsed.url).toBe(url);
    expect(parsed.predictions.map((p) => p.label)).toEqual([
      "Labrador_retriever",
      "Chesapeake_bay_retriever",
      "Golden_retriever",
    ]);
    // The image reached the model as it was on disk.
    expect(runtime.calls.at(-1)?.bytes.equals(PNG)).toBe(true);
    expect(runtime.calls.at(-1)?.contentType).toBe("image/png");

    const table = await mlops("invoke", "--image", join(dir, "cat.png"), "--top-k", "1");
    expect(table.code, table.err).toBe(0);
    expect(table.out.split("\n")).toEqual([
      "LABEL               PROBABILITY",
      "Labrador_retriever   81.0%",
    ]);
  });

  it("answers a CORS preflight from its own settings, and changes CORS in place", async () => {
    writeConfig({ url: "    cors: { allowOrigins: [https://new.example.com], maxAge: 1m }" });
    await applyConverged();
    const updated = await urlConfig();
    expect(updated.FunctionUrl).toBe(url);
    expect(updated.Cors).toMatchObject({ AllowOrigins: ["https://new.example.com"], MaxAge: 60 });
    expect(await preflight(url, "https://new.example.com")).toMatchObject({
      status: 200,
      "access-control-allow-origin": "https://new.example.com",
      "access-control-allow-methods": "POST",
      "access-control-max-age": "60",
    });
    const other = await preflight(url, "https://app.example.com");
    expect(other["access-control-allow-origin"]).toBeUndefined();
  });

  it("goes public and back: auth NONE adds exactly its statements, AWS_IAM removes them", async () => {
    writeConfig({ url: "    auth: NONE" });
    const validate = await mlops("validate");
    expect(validate.code).toBe(0);
    expect(validate.err).toMatch(
      /warning: .*lambda\.url\.auth: is NONE: the Function URL .* is public/,
    );
    await applyConverged();
    const open = await urlConfig();
    expect(open.FunctionUrl).toBe(url);
    expect(open.AuthType).toBe("NONE");
    expect(open.Cors).toBeUndefined();
    const policy = await lambda.send(
      new GetPolicyCommand({ FunctionName: functionName, Qualifier: "live" }),
    );
    const statements = (JSON.parse(policy.Policy ?? "{}") as { Statement: { Sid: string }[] })
      .Statement;
    expect(statements.map((s) => s.Sid).sort()).toEqual(
      [PUBLIC_URL_STATEMENT_IDS.invoke, PUBLIC_URL_STATEMENT_IDS.invokeUrl].sort(),
    );
    const answer = await unsigned(url);
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { predictions: unknown[] }).predictions).toHaveLength(3);

    // Without its statements a public URL serves no one (the policy is always in effect).
    await lambda.send(
      new RemovePermissionCommand({
        FunctionName: functionName,
        Qualifier: "live",
        StatementId: PUBLIC_URL_STATEMENT_IDS.invoke,
      }),
    );
    expect((await unsigned(url)).status).toBe(403);
    const plan = await mlops("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.out).toContain("lambda.permission.function-url");
    await applyConverged();
    expect((await unsigned(url)).status).toBe(200);

    writeConfig({ url: "    auth: AWS_IAM" });
    await applyConverged();
    expect((await urlConfig()).AuthType).toBe("AWS_IAM");
    await expect(
      lambda.send(new GetPolicyCommand({ FunctionName: functionName, Qualifier: "live" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect((await unsigned(url)).status).toBe(403);
  });

  it("is deleted with the function", async () => {
    writeConfig({ lambda: false });
    await applyConverged();
    await expect(urlConfig()).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect((await unsigned(url)).status).toBe(404);
  });
});

// The emulator's Function URLs (emulator/function_url_ext.py) against AWS's documented behaviour,
// with the real SDK over HTTP: one URL per function and qualifier, AWS's errors, CORS cleared by
// an empty Cors, alias policies with the URL conditions, URLs gone with their function, and a
// signed call refused when its signature is stale.
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  PublishVersionCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { zipSync } from "fflate";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { useEmulator, type EmulatorHandle } from "../support/emulator.js";

const fn = `emu-url-${randomBytes(3).toString("hex")}`;
let aws: EmulatorHandle;
let lambda: LambdaClient;

beforeAll(async () => {
  aws = useEmulator();
  lambda = new LambdaClient(aws.clientConfig);
  const role = await new IAMClient(aws.clientConfig).send(
    new CreateRoleCommand({ RoleName: `${fn}-role`, AssumeRolePolicyDocument: "{}" }),
  );
  const zip = zipSync({ "index.mjs": new TextEncoder().encode("export const handler = () => 1;") });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: fn,
      Runtime: "nodejs22.x",
      Role: role.Role?.Arn ?? "",
      Handler: "index.handler",
      Code: { ZipFile: zip },
    }),
  );
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
  await lambda.send(
    new CreateAliasCommand({ FunctionName: fn, Name: "live", FunctionVersion: version.Version }),
  );
});

const live = { FunctionName: fn, Qualifier: "live" };

/** A POST to `url` through the emulator, signed at `date`. */
async function signedAt(url: string, date: Date): Promise<number> {
  const target = new URL(url);
  const signed = await new SignatureV4({
    service: "lambda",
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    sha256: Hash.bind(null, "sha256"),
  }).sign(
    {
      method: "POST",
      protocol: "https:",
      hostname: target.hostname,
      path: "/",
      headers: { host: target.host, "content-type": "application/json" },
      body: "{}",
    },
    { signingDate: date },
  );
  const endpoint = new URL(aws.env["AWS_ENDPOINT_URL"] ?? "");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: endpoint.hostname,
        port: endpoint.port,
        method: "POST",
        path: "/",
        headers: signed.headers,
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
}

describe("emulated Function URLs", () => {
  it("one per qualifier, with AWS's errors", async () => {
    await expect(lambda.send(new GetFunctionUrlConfigCommand(live))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await expect(
      lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: fn,
          Qualifier: "nope",
          AuthType: "NONE",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const created = await lambda.send(
      new CreateFunctionUrlConfigCommand({
        ...live,
        AuthType: "AWS_IAM",
        Cors: { AllowOrigins: ["https://a.example.com"] },
      }),
    );
    expect(created.FunctionArn).toMatch(new RegExp(`:function:${fn}:live$`));
    await expect(
      lambda.send(new CreateFunctionUrlConfigCommand({ ...live, AuthType: "AWS_IAM" })),
    ).rejects.toMatchObject({ name: "ResourceConflictException" });
    // $LATEST has its own URL.
    const latest = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: fn, AuthType: "AWS_IAM" }),
    );
    expect(latest.FunctionUrl).not.toBe(created.FunctionUrl);

    const cleared = await lambda.send(new UpdateFunctionUrlConfigCommand({ ...live, Cors: {} }));
    expect(cleared.Cors).toBeUndefined();
    expect(cleared.AuthType).toBe("AWS_IAM");
  });

  it("an alias policy: URL conditions as AWS writes them, duplicate and unknown Sids refused", async () => {
    await lambda.send(
      new AddPermissionCommand({
        ...live,
        StatementId: "s1",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        ...live,
        StatementId: "s2",
        Action: "lambda:InvokeFunction",
        Principal: "*",
        InvokedViaFunctionUrl: true,
      }),
    );
    const policy = await lambda.send(new GetPolicyCommand(live));
    expect(JSON.parse(policy.Policy ?? "{}")).toMatchObject({
      Statement: [
        {
          Sid: "s1",
          Principal: "*",
          Resource: expect.stringMatching(/:live$/) as unknown,
          Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } },
        },
        { Sid: "s2", Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } } },
      ],
    });
    await expect(
      lambda.send(
        new AddPermissionCommand({
          ...live,
          StatementId: "s1",
          Action: "lambda:InvokeFunctionUrl",
          Principal: "*",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceConflictException" });
    await lambda.send(new RemovePermissionCommand({ ...live, StatementId: "s1" }));
    await expect(
      lambda.send(new RemovePermissionCommand({ ...live, StatementId: "s1" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("refuses a signature older than five minutes, accepts a fresh one", async () => {
    const url = (await lambda.send(new GetFunctionUrlConfigCommand(live))).FunctionUrl ?? "";
    expect(await signedAt(url, new Date(Date.now() - 6 * 60_000))).toBe(403);
    // Fresh and valid: past auth, the function has no local runtime registered.
    expect(await signedAt(url, new Date())).toBe(502);
  });

  it("deleting the function deletes its URLs", async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
    await expect(lambda.send(new GetFunctionUrlConfigCommand(live))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});

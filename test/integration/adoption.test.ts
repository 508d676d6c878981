// A role and a function made by hand (the console way) with the names mlops derives: the plan
// says "adopt" and lists the permissions mlops did not grant; an apply without the opt-in
// refuses and changes nothing; with --adopt the role ends with exactly the tool's policy, the
// function is the tool's, and a re-plan is empty.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  type GetFunctionCommandOutput,
} from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Plan } from "../../actions/src/plan/types.js";
import { makeCheckout } from "../support/checkout.js";
import { cli, type CliRun } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const project = `adp${randomBytes(3).toString("hex")}`;
const functionName = `${project}-inference`;
const FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
let dir: string;
let config: string;

const aws = useEmulator();
const iam = new IAMClient(aws.clientConfig);
const lambda = new LambdaClient(aws.clientConfig);
const run = (argv: string[]): Promise<CliRun> => cli([...argv, "--config", config]);

/** What a user clicks together: the Lambda role with FullAccess and a sagemaker:* policy. */
async function makeByHand(): Promise<void> {
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: `${project}-lambda`,
      Path: "/mlops/",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: `${project}-lambda`,
      PolicyName: "invoke-anything",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sagemaker:*", Resource: "*" }],
      }),
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: `${project}-lambda`, PolicyArn: FULL_ACCESS }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: "python3.12",
      Handler: "lambda_function.lambda_handler",
      Role: role.Role?.Arn ?? "",
      Code: {
        ZipFile: zipSync({
          "lambda_function.py": strToU8("def lambda_handler(e, c):\n  return 1\n"),
        }),
      },
    }),
  ); // Anyone's API may invoke it: a resource-policy statement mlops did not write.
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: functionName,
      StatementId: "any-api",
      Action: "lambda:InvokeFunction",
      Principal: "apigateway.amazonaws.com",
    }),
  );
}

async function rolePolicies(): Promise<{ inline: string[]; attached: string[] }> {
  const [inline, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: `${project}-lambda` })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: `${project}-lambda` })),
  ]);
  return {
    inline: inline.PolicyNames ?? [],
    attached: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ""),
  };
}

const liveFunction = (): Promise<GetFunctionCommandOutput> =>
  lambda.send(new GetFunctionCommand({ FunctionName: functionName }));

beforeAll(() => {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  dir = makeCheckout("mlops-adopt-it-", "print('test_accuracy=0.9')\n");
  mkdirSync(join(dir, "code"));
  writeFileSync(join(dir, "code", "index.mjs"), "export const handler = async () => 1;\n");
  config = join(dir, "mlops.yaml");
  writeFileSync(
    config,
    `version: 1
project: ${project}
region: us-east-1
data:
  source: data
  bucket: ${project}-\${account}
training:
  backend: sagemaker
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
endpoint:
  name: ${project}-ep
  instanceType: ml.m5.large
lambda:
  name: ${functionName}
  code: code
`,
  );
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("adopting what was made by hand", () => {
  it("plans adopt with the foreign policies, refuses without --adopt, then takes over exactly", async () => {
    await makeByHand();
    const planFile = join(dir, "plan.json");
    const planned = await run(["plan", "--out", planFile]);
    expect(planned.code).toBe(0);
    // Said first, before the resource list, with what each foreign policy grants.
    expect(planned.stdout).toMatch(/!! ADOPTS 2 resource\(s\) mlops did not make/);
    expect(planned.stdout).toContain("inline policy invoke-anything (Allow sagemaker:* on *)");
    expect(planned.stdout).toContain(`managed policy ${FULL_ACCESS}`);
    expect(planned.stdout).toMatch(/<- iam\.role\.lambda\s+adopt/);
    expect(planned.stdout).toMatch(/<- lambda\.function\.api\s+adopt/);
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const adopted = plan.changes.filter((c) => c.action === "adopt");
    expect(adopted.map((c) => c.address).sort()).toEqual([
      "iam.role.lambda",
      "lambda.function.api",
    ]);
    for (const c of adopted) {
      expect(c.actionReason).toBe("not-owned");
      expect(c.risk).toContain("adopts");
    }
    const role = adopted.find((c) => c.address === "iam.role.lambda");
    expect(role?.changes.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        "inlinePolicies.invoke-anything",
        `managedPolicies.${FULL_ACCESS}`,
        "policy",
      ]),
    );
    const fn = adopted.find((c) => c.address === "lambda.function.api");
    const permission = fn?.changes.find((c) => c.path === "permissions.any-api");
    expect(permission?.before).toMatch(
      /^Allow lambda:InvokeFunction on .*, to apigateway\.amazonaws\.com$/,
    );
    expect(permission?.after).toBeUndefined();
    const markdown = await run(["plan", "--format", "markdown"]);
    expect(markdown.stdout.indexOf("**Adoption.**")).toBeGreaterThan(0);
    expect(markdown.stdout.indexOf("**Adoption.**")).toBeLessThan(
      markdown.stdout.indexOf("| Resource |"),
    );

    for (const argv of [
      ["apply", "--plan", planFile, "--auto-approve"],
      ["apply", "--auto-approve"],
    ]) {
      const refused = await run(argv);
      expect(refused.code).toBe(1);
      expect(refused.out).toContain("mlops did not make; nothing was changed");
      expect(refused.out).toContain("--adopt");
    }
    expect(await rolePolicies()).toEqual({ inline: ["invoke-anything"], attached: [FULL_ACCESS] });
    const untouched = await liveFunction();
    expect(untouched.Configuration?.Runtime).toBe("python3.12");
    expect(untouched.Tags?.["mlops:managed-by"]).toBeUndefined();

    // The refused plan is still the one reviewed: applying it with the opt-in works.
    const adoptedRun = await run(["apply", "--plan", planFile, "--auto-approve", "--adopt"]);
    expect(adoptedRun.out).toContain("Apply complete");
    expect(adoptedRun.code).toBe(0);
    expect(await rolePolicies()).toEqual({ inline: ["mlops-least-privilege"], attached: [] });
    const taken = await liveFunction();
    expect(taken.Configuration?.Runtime).toBe("nodejs22.x");
    expect(taken.Tags?.["mlops:managed-by"]).toBe("mlops-gitops");
    expect(taken.Tags?.["mlops:project"]).toBe(project);
    await expect(
      lambda.send(new GetPolicyCommand({ FunctionName: functionName })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });

    const again = await run(["plan", "--detailed-exitcode"]);
    expect(again.stdout).toContain("No changes");
    expect(again.code).toBe(0);
  }, 180_000);

  it("keeps a managed policy the config allows (iam.extraPolicies), and removes only the rest", async () => {
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: `${project}-lambda`, PolicyArn: FULL_ACCESS }),
    );
    const allowed = "arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy";
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: `${project}-lambda`, PolicyArn: allowed }),
    );
    writeFileSync(
      config,
      `${readFileSync(config, "utf8")}iam:\n  extraPolicies:\n    lambda:\n      - ${allowed}\n`,
    );
    // Owned now: an update, not an adoption, and it says what it removes.
    const planned = await run(["plan"]);
    expect(planned.stdout).not.toContain("ADOPTS");
    expect(planned.stdout).toMatch(/~ iam\.role\.lambda\s+update/);
    expect(planned.stdout).toContain(`managed policy ${FULL_ACCESS}`);
    expect(planned.stdout).not.toContain(`managed policy ${allowed}`);
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(0);
    expect((await rolePolicies()).attached).toEqual([allowed]);
    expect((await run(["plan"])).stdout).toContain("No changes");
  }, 120_000);
});

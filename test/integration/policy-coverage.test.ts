// The CI policies match what the code calls: every AWS request of plan, apply (create, update,
// replace, removal of a block), destroy, train (SageMaker and local backends), the GPU runner's
// start and stop and a training run on the runner is recorded on a private emulator (the
// recorder is global to an emulator process) and checked against the policy `mlops iam-policy`
// prints for the role that runs it (and the permissions boundary, for the runner's own role),
// resource ARNs and condition keys included.
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iamPolicyCommand } from "../../actions/src/cli/iam-policy-command.js";
import { fakeClock } from "../../actions/src/clock.js";
import { loadConfig } from "../../actions/src/config/load.js";
import {
  GitHubRunnerApi,
  startRunner,
  stopRunner,
  type ParameterReader,
} from "../../actions/src/ec2-runner/index.js";
import { startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
import { memoryLogger } from "../../actions/src/logger.js";
import type { PolicyDocument } from "../../actions/src/graph/iam-policies.js";
import { decodePolicy } from "../../actions/src/resources/iam/policy-normalize.js";
import { startFakeGitHub, type FakeGitHub } from "../unit/ec2-runner/fake-github.js";
import { cli } from "../support/cli.js";
import { denied, type Authorization } from "../support/iam-evaluator.js";
import {
  body,
  downloadRecording,
  RequestAuthorizer,
  type Recorded,
  type ResourceFacts,
} from "../support/request-authorizations.js";
import { FAKE_TRAIN } from "../support/fake-train.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const project = `pcov${process.pid.toString(36)}`;

interface Shape {
  backend?: "sagemaker" | "ec2";
  path?: string;
  maxCapacity?: number;
  epochs?: number;
  lambda?: boolean;
  /** The Function URL's auth (a public one has resource-policy statements). */
  urlAuth?: "AWS_IAM" | "NONE";
  memory?: number;
  ec2?: string;
  /** A search declared for `mlops train --tune`. */
  tuning?: boolean;
}

let emulator: Emulator;
let dir: string;
let configFile: string;
const savedEnv = { ...process.env };

function writeConfig(s: Shape = {}): void {
  const lambda = s.lambda ?? true;
  writeFileSync(
    configFile,
    `version: 1
project: ${project}
region: ${REGION}
tags: { team: ml }
state:
  lockTimeout: 1s
data:
  source: data
  bucket: ${project}-\${account}-\${region}
  prefix: images/
  delete: true
training:
  backend: ${s.backend ?? "sagemaker"}
  entryPoint: train.py
  sourceDir: training
  instance: { type: ml.m5.xlarge, count: 1 }
  hyperparameters: { epochs: ${s.epochs ?? 1} }
  local: { python: python3 }
${
  s.tuning === true
    ? `  tuning:
    enabled: false
    objective: { metric: test:accuracy, goal: maximize }
    maxJobs: 2
    parameters:
      learning-rate: { type: continuous, min: 0.001, max: 0.1, scaling: log }
`
    : ""
}${s.ec2 ?? ""}model:
  keep: 1
endpoint:
  name: ${project}-ep
  instanceType: ml.m5.large
  initialInstanceCount: 1
  autoscaling:
    minCapacity: 1
    maxCapacity: ${s.maxCapacity ?? 2}
    targetInvocationsPerInstance: 20
${
  lambda
    ? `lambda:
  name: ${project}-fn
  code: code
  memory: ${s.memory ?? 512}
  provisionedConcurrency: 1
  reservedConcurrency: 5
  url: { auth: ${s.urlAuth ?? "NONE"} }
`
    : ""
}iam:
  path: ${s.path ?? "/mlops/"}
`,
  );
}

async function printedPolicy(role: "plan" | "deploy" | "boundary"): Promise<PolicyDocument> {
  const out: string[] = [];
  const code = await iamPolicyCommand(
    { config: configFile, role, account: ACCOUNT },
    { out: (t) => out.push(t), err: () => undefined },
  );
  expect(code).toBe(0);
  return JSON.parse(out.join("\n")) as PolicyDocument;
}

const iam = (): IAMClient => new IAMClient({ ...clientConfig(), maxAttempts: 1 });
const ec2Client = (): EC2Client => new EC2Client({ ...clientConfig(), maxAttempts: 1 });
function clientConfig() {
  return {
    endpoint: emulator.endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}

/** What AWS reads from existing resources, from the emulator after the step ran. */
async function resourceFacts(recorded: string[]): Promise<ResourceFacts> {
  const matches = (re: RegExp): string[] => [
    ...new Set(
      recorded.flatMap((b) => [...b.matchAll(re)].map((m) => decodeURIComponent(m[1] ?? ""))),
    ),
  ];
  const instanceIds = matches(/[?&]InstanceId\.\d+=(i-[0-9a-f]+)/g);
  const tags = new Map<string, Record<string, string>>();
  if (instanceIds.length > 0) {
    const out = await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
    for (const r of out.Reservations ?? [])
      for (const i of r.Instances ?? [])
        tags.set(
          i.InstanceId ?? "",
          Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        );
  }
  const owners = new Map<string, string>();
  for (const id of matches(/[?&]ImageId(?:\.\d+)?=(ami-[0-9a-f]+)/g)) {
    const image = (await ec2Client().send(new DescribeImagesCommand({ ImageIds: [id] })))
      .Images?.[0];
    owners.set(id, image?.ImageOwnerAlias ?? image?.OwnerId ?? "");
  }
  const profiles = new Map<string, string>();
  for (const name of matches(/[?&]IamInstanceProfile\.Name=([^&]+)/g)) {
    const out = await iam().send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    profiles.set(name, out.InstanceProfile?.Roles?.[0]?.RoleName ?? "");
  }
  return {
    instanceTags: (id) => tags.get(id) ?? {},
    imageOwner: (id) => owners.get(id) ?? "",
    profileRole: (name) => profiles.get(name) ?? "",
  };
}

/** Runs `step` with the recorder on and returns every request's authorizations. */
async function recorded(step: () => Promise<void>, defaultPath = "/mlops/"): Promise<Recorded[]> {
  const control = `${emulator.endpoint}/moto-api/recorder`;
  await fetch(`${control}/reset-recording`, { method: "POST" });
  await fetch(`${control}/start-recording`, { method: "POST" });
  try {
    await step();
  } finally {
    await fetch(`${control}/stop-recording`, { method: "POST" });
  }
  const entries = await downloadRecording(emulator.endpoint);
  const facts = await resourceFacts(entries.map((e) => `${e.url ?? ""}&${body(e)}`));
  return new RequestAuthorizer(ACCOUNT, REGION, defaultPath, facts).authorize(entries);
}

const authorizations = (requests: Recorded[]): Authorization[] =>
  requests.flatMap((r) => r.authorizations);

async function mlops(...argv: string[]): Promise<void> {
  const run = await cli([...argv, "--config", configFile]);
  // With training.backend ec2, apply cannot train (that is the runner's job) and says so.
  const runnerTrains = run.stderr.includes("training runs on the GPU runner");
  if (run.code !== 0 && !runnerTrains)
    throw new Error(`mlops ${argv.join(" ")} failed (${run.code}):\n${run.stderr}`);
}

beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, emulator.env());
  dir = mkdtempSync(join(tmpdir(), "mlops-policy-coverage-"));
  configFile = join(dir, "mlops.yaml");
  mkdirSync(join(dir, "training"));
  writeFileSync(join(dir, "training/train.py"), FAKE_TRAIN);
  mkdirSync(join(dir, "code"));
  writeFileSync(
    join(dir, "code/index.mjs"),
    "export const handler = async () => ({ statusCode: 200 });\n",
  );
  for (const split of ["train", "valid", "test"]) {
    mkdirSync(join(dir, "data", split, "a"), { recursive: true });
    writeFileSync(join(dir, "data", split, "a", "1.jpg"), `${split}-image`);
  }
  writeConfig();
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
  await emulator.stop();
});

describe("the plan role", () => {
  it("reads only, and may read everything plan reads", async () => {
    const requests = await recorded(() => mlops("plan"));
    expect(requests.length).toBeGreaterThan(5);
    expect(denied([await printedPolicy("plan")], authorizations(requests))).toEqual([]);
    expect(
      requests
        .filter((r) => r.authorizations.some((a) => !/:(Get|List|Describe)/.test(a.action)))
        .map((r) => r.operation),
    ).toEqual([]);
  });
});

describe("the deploy role", () => {
  async function deployAllows(
    step: () => Promise<void>,
    defaultPath?: string,
  ): Promise<Recorded[]> {
    const requests = await recorded(step, defaultPath);
    expect(denied([await printedPolicy("deploy")], authorizations(requests))).toEqual([]);
    return requests;
  }

  it("creates everything", { timeout: 180_000 }, async () => {
    const requests = await deployAllows(() => mlops("apply", "--auto-approve"));
    expect(requests.map((r) => r.operation)).toEqual(
      expect.arrayContaining([
        "CreateRole",
        "CreateTrainingJob",
        "CreateEndpoint",
        "CreateFunction",
        "CreateFunctionUrlConfig",
        "AddPermission",
      ]),
    );
    // The plan that follows is the plan role's, and so is `mlops status`.
    expect(
      denied([await printedPolicy("plan")], authorizations(await recorded(() => mlops("plan")))),
    ).toEqual([]);
    const status = await recorded(() => mlops("status"));
    expect(status.map((r) => r.operation)).toEqual(
      expect.arrayContaining(["DescribeAlarms", "ListTrainingJobs", "GetAlias"]),
    );
    expect(denied([await printedPolicy("plan")], authorizations(status))).toEqual([]);
  });

  it("updates: retraining, scaling, the function, its URL", { timeout: 180_000 }, async () => {
    writeConfig({ epochs: 2, maxCapacity: 3, memory: 1024, urlAuth: "AWS_IAM" });
    const requests = await deployAllows(() => mlops("apply", "--auto-approve"));
    expect(requests.map((r) => r.operation)).toEqual(
      expect.arrayContaining(["UpdateFunctionUrlConfig", "RemovePermission"]),
    );
  });

  it("replaces the roles when iam.path changes", { timeout: 180_000 }, async () => {
    writeConfig({ epochs: 2, maxCapacity: 3, memory: 1024, path: "/mlops2/", urlAuth: "AWS_IAM" });
    const requests = await deployAllows(() => mlops("apply", "--auto-approve"));
    expect(requests.map((r) => r.operation)).toEqual(
      expect.arrayContaining(["DeleteRole", "CreateRole"]),
    );
  });

  it(
    "removes what a removed block managed, under the policy in force before the change",
    { timeout: 180_000 },
    async () => {
      // The policy is generated from the config: one for a config without the function no
      // longer names it, so the role keeps the old policy until the removal is deployed
      // (docs/setup.md: update the policy before merging additions, after deploying removals).
      const before = await printedPolicy("deploy");
      writeConfig({ epochs: 2, maxCapacity: 3, path: "/mlops2/", lambda: false });
      const requests = await recorded(() => mlops("apply", "--auto-approve"), "/mlops2/");
      expect(requests.map((r) => r.operation)).toEqual(
        expect.arrayContaining([
          "DeleteFunctionUrlConfig",
          "DeleteFunction",
          "DeleteRolePolicy",
          "DeleteRole",
        ]),
      );
      expect(denied([before], authorizations(requests))).toEqual([]);
    },
  );

  // Last before destroy: a model trained on demand is one a later `apply` would roll back from.
  it(
    "trains on demand with the SageMaker and the local backend",
    { timeout: 180_000 },
    async () => {
      await deployAllows(() => mlops("train", "--force", "--auto-approve"));
      await deployAllows(() => mlops("train", "--backend", "local", "--force", "--auto-approve"));
      // A search: the tuning job, its trials, and the plan role reading them afterwards.
      writeConfig({ epochs: 2, maxCapacity: 3, path: "/mlops2/", lambda: false, tuning: true });
      const tuned = await deployAllows(
        () => mlops("train", "--tune", "--force", "--auto-approve"),
        "/mlops2/",
      );
      expect(tuned.map((r) => r.operation)).toEqual(
        expect.arrayContaining([
          "CreateHyperParameterTuningJob",
          "DescribeHyperParameterTuningJob",
          "ListTrainingJobsForHyperParameterTuningJob",
        ]),
      );
      expect(
        denied(
          [await printedPolicy("plan")],
          authorizations(await recorded(() => mlops("plan"), "/mlops2/")),
        ),
      ).toEqual([]);
    },
  );

  it(
    "destroys everything but the data; deleting the buckets is for an administrator",
    { timeout: 180_000 },
    async () => {
      await deployAllows(() => mlops("destroy", "--auto-approve"), "/mlops2/");
      const withData = await recorded(
        () => mlops("destroy", "--auto-approve", "--include-data"),
        "/mlops2/",
      );
      const refused = denied([await printedPolicy("deploy")], authorizations(withData));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((line) => /^s3:(DeleteBucket|ListBucketVersions) /.test(line))).toBe(
        true,
      );
    },
  );
});

describe("the GPU runner", () => {
  let gh: FakeGitHub;

  beforeAll(async () => {
    gh = await startFakeGitHub();
  });

  afterAll(async () => {
    await gh.close();
  });

  const runnerApi = (): GitHubRunnerApi =>
    new GitHubRunnerApi({
      token: gh.token,
      repository: gh.repository,
      apiUrl: gh.url,
      clock: fakeClock(),
    });

  it(
    "starts and stops under the deploy role, and trains under its own role within the boundary",
    { timeout: 240_000 },
    async () => {
      const ec2 = ec2Client();
      const images = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }));
      const ami = images.Images?.find((i) => i.ImageOwnerAlias === "amazon")?.ImageId ?? "";
      expect(ami).not.toBe("");
      writeConfig({
        backend: "ec2",
        lambda: false,
        ec2: `  ec2:\n    ami: ${ami}\n    instanceTypes: [g5.xlarge, g6.xlarge]\n    market: spot-with-fallback\n`,
      });
      const deploy = await printedPolicy("deploy");
      expect(
        denied([deploy], authorizations(await recorded(() => mlops("apply", "--auto-approve")))),
      ).toEqual([]);

      const config = loadConfig(configFile);
      const noSsm: ParameterReader = {
        getParameter: () => Promise.reject(new Error("no SSM: the AMI is set")),
      };
      let instanceId = "";
      const start = await recorded(async () => {
        const started = await startRunner({
          config,
          ec2,
          parameters: noSsm,
          github: runnerApi(),
          run: { id: "4242", attempt: "1" },
          repository: gh.repository,
          clock: fakeClock(Date.parse("2030-05-01T12:00:00Z")),
          logger: memoryLogger(),
          pollIntervalMs: 1,
        });
        instanceId = started.instanceId;
      });
      expect(start.map((r) => r.operation)).toContain("RunInstances");
      expect(denied([deploy], authorizations(start))).toEqual([]);

      // On the runner: `mlops train --backend local --no-deploy` with the instance profile's role,
      // whose effective permissions are its inline policy within the boundary.
      const runnerRole = `${project}-ec2`;
      const inline = await iam().send(
        new GetRolePolicyCommand({ RoleName: runnerRole, PolicyName: "mlops-least-privilege" }),
      );
      const runnerPolicy = decodePolicy(inline.PolicyDocument) as PolicyDocument;
      const train = await recorded(() =>
        mlops("train", "--backend", "local", "--no-deploy", "--force", "--auto-approve"),
      );
      expect(
        denied([runnerPolicy, await printedPolicy("boundary")], authorizations(train)),
      ).toEqual([]);

      const stop = await recorded(async () => {
        await stopRunner({
          project,
          ec2,
          github: runnerApi(),
          instanceId,
          clock: fakeClock(Date.parse("2030-05-01T12:05:00Z")),
          logger: memoryLogger(),
          intervalMs: 1,
        });
      });
      expect(stop.map((r) => r.operation)).toContain("TerminateInstances");
      expect(denied([deploy], authorizations(stop))).toEqual([]);
    },
  );
});

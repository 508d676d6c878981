// The EC2 runner against the local emulator's EC2 (the run's shared one when vitest's globalSetup
// provides it, else a private one; every instance here is tagged with this file's own project,
// and the janitor only touches those) and a fake GitHub API on 127.0.0.1. Capacity errors are injected with a
// middleware on the EC2 client that throws the SDK's own EC2ServiceException for a chosen
// instance type and market, before the request leaves (moto has no capacity limits).
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../actions/src/cli/main.js";
import { fakeClock } from "../../actions/src/clock.js";
import { loadConfig } from "../../actions/src/config/load.js";
import type { Config } from "../../actions/src/config/types.js";
import {
  GitHubRunnerApi,
  renderUserData,
  startRunner,
  stopRunner,
  type ParameterReader,
  type StartOptions,
} from "../../actions/src/ec2-runner/index.js";
import { startEmulator, type Emulator } from "../../actions/src/emulator/index.js";
import { memoryLogger } from "../../actions/src/logger.js";
import { emulatorHandle, hasEmulator, useEmulator } from "../support/emulator.js";
import { startFakeGitHub, type FakeGitHub } from "../unit/ec2-runner/fake-github.js";

const PROJECT = `ec2r${process.pid.toString(36)}`;
const NOW = Date.parse("2030-05-01T12:00:00Z");

let endpoint: string;
let privateEmulator: Emulator | undefined;
let gh: FakeGitHub;
let ec2: EC2Client;
let workdir: string;
let config: Config;
let imageId: string;
let rootDevice: string;
let subnets: string[];
let securityGroup: string;
let profileArn: string;

const noSsm: ParameterReader = {
  getParameter: () => Promise.reject(new Error("SSM must not be asked when an AMI is set")),
};

function writeConfig(dir: string, file: string, ec2Yaml: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `version: 1
project: ${PROJECT}
region: us-east-1
tags: { team: ml }
data:
  source: data
  bucket: ${PROJECT}-\${account}-\${region}
training:
  backend: ec2
  sourceDir: training
  ec2:
${ec2Yaml.replace(/^/gm, "    ")}
endpoint: { name: ${PROJECT} }
iam: { path: /mlops/ }
`,
  );
  return path;
}

beforeAll(async () => {
  gh = await startFakeGitHub();
  if (hasEmulator()) {
    endpoint = useEmulator().endpoint;
  } else {
    privateEmulator = await startEmulator();
    endpoint = privateEmulator.endpoint;
  }
  const aws = emulatorHandle(endpoint);
  ec2 = new EC2Client(aws.clientConfig);
  const iam = new IAMClient(aws.clientConfig);
  await iam.send(
    new CreateRoleCommand({
      RoleName: `${PROJECT}-ec2`,
      Path: "/mlops/",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  const profile = await iam.send(
    new CreateInstanceProfileCommand({ InstanceProfileName: `${PROJECT}-ec2`, Path: "/mlops/" }),
  );
  profileArn = profile.InstanceProfile?.Arn ?? "";
  await iam.send(
    new AddRoleToInstanceProfileCommand({
      InstanceProfileName: `${PROJECT}-ec2`,
      RoleName: `${PROJECT}-ec2`,
    }),
  );
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }));
  const image = (images.Images ?? []).find((i) => /^ami-[0-9a-f]+$/.test(i.ImageId ?? ""));
  imageId = image?.ImageId ?? "";
  rootDevice = image?.RootDeviceName ?? "";
  const found = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
  );
  subnets = (found.Subnets ?? [])
    .map((s) => s.SubnetId ?? "")
    .sort()
    .slice(0, 2);
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
  );
  securityGroup = groups.SecurityGroups?.[0]?.GroupId ?? "";

  workdir = mkdtempSync(join(tmpdir(), "mlops-ec2-runner-"));
  mkdirSync(join(workdir, "training"));
  mkdirSync(join(workdir, "data"));
  writeFileSync(join(workdir, "training/train.py"), "print('ok')\n");
  config = loadConfig(
    writeConfig(
      workdir,
      "mlops.yaml",
      `instanceTypes: [g5.xlarge, g4dn.xlarge]
market: spot-with-fallback
ami: ${imageId}
subnets: [${subnets.join(", ")}]
securityGroups: [${securityGroup}]
volumeSizeGB: 150
maxLifetime: 3h
idleTimeout: 15m
registrationTimeout: 2m`,
    ),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all([privateEmulator?.stop(), gh.close()]);
  rmSync(workdir, { recursive: true, force: true });
});

function startOptions(overrides: Partial<StartOptions> = {}): StartOptions {
  return {
    config,
    ec2,
    parameters: noSsm,
    github: new GitHubRunnerApi({
      token: gh.token,
      repository: gh.repository,
      apiUrl: gh.url,
      clock: fakeClock(),
    }),
    run: { id: "4242", attempt: "1" },
    repository: gh.repository,
    clock: fakeClock(NOW),
    logger: memoryLogger(),
    pollIntervalMs: 5000,
    ...overrides,
  };
}

async function describeInstance(instanceId: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  if (!instance) throw new Error(`no ${instanceId}`);
  return instance;
}

const tagsOf = (
  tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

/** An EC2 client on the emulator whose RunInstances fails for the given "type/market" keys. */
function ec2WithCapacityFaults(faults: Record<string, string>): {
  client: EC2Client;
  attempts: string[];
} {
  const client = new EC2Client(emulatorHandle(endpoint).clientConfig);
  const attempts: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === "RunInstancesCommand") {
        const input = args.input as RunInstancesCommandInput;
        const key = `${input.InstanceType ?? ""}/${input.InstanceMarketOptions ? "spot" : "on-demand"}`;
        attempts.push(key);
        const name = faults[key];
        if (name !== undefined) {
          throw new EC2ServiceException({
            name,
            $fault: "server",
            $metadata: { httpStatusCode: 500 },
            message: `We currently do not have sufficient ${input.InstanceType ?? ""} capacity (${name})`,
          });
        }
      }
      return next(args);
    },
    { step: "initialize", name: "capacityFaults" },
  );
  return { client, attempts };
}

describe("ec2-runner start", () => {
  let started: Awaited<ReturnType<typeof startRunner>>;
  const logger = memoryLogger();

  beforeAll(async () => {
    gh.comeOnlineAfterLists = 2;
    started = await startRunner(
      startOptions({ logger, random: { label: "a1b2c3", name: "0d0d0d" } }),
    );
  });

  it("asks GitHub for a single-use runner with the unique label and waits until it is online", () => {
    expect(started.label).toBe("mlops-4242-1-a1b2c3");
    // The name, which is logged, does not give the label away.
    expect(started.runnerName).toBe(`${PROJECT}-mlops-4242-1-0d0d0d`);
    expect(logger.lines.join("\n")).not.toContain("a1b2c3");
    const jit = gh.calls.find(
      (c) => c.path.endsWith("/generate-jitconfig") && JSON.stringify(c.body).includes("0d0d0d"),
    );
    expect(jit?.body).toEqual({
      name: started.runnerName,
      runner_group_id: 1,
      labels: ["mlops-4242-1-a1b2c3"],
      work_folder: "_work",
    });
    expect(logger.lines).toContain(`info: runner ${started.runnerName}: online after 5s`);
    expect(logger.lines).toContain(
      `info: runner ${started.runnerName}: offline, instance ${started.instanceId} running (0s)`,
    );
  });

  it("launches with IMDSv2, the instance profile, tags, spot and the first type and subnet", async () => {
    const instance = await describeInstance(started.instanceId);
    expect(instance).toMatchObject({
      ImageId: imageId,
      InstanceType: "g5.xlarge",
      SubnetId: subnets[0],
      InstanceLifecycle: "spot",
      IamInstanceProfile: { Arn: profileArn },
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
    });
    expect(instance.SecurityGroups?.map((g) => g.GroupId)).toEqual([securityGroup]);
    expect(tagsOf(instance.Tags)).toEqual({
      team: "ml",
      "mlops:project": PROJECT,
      "mlops:managed-by": "mlops-gitops",
      "mlops:run-id": "4242",
      "mlops:run-attempt": "1",
      "mlops:expires-at": "2030-05-01T15:00:00.000Z",
      "mlops:runner-name": started.runnerName,
      "mlops:runner-label": started.label,
      Name: started.runnerName,
    });
    const shutdown = await ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: started.instanceId,
        Attribute: "instanceInitiatedShutdownBehavior",
      }),
    );
    expect(shutdown.InstanceInitiatedShutdownBehavior?.Value).toBe("terminate");
  });

  it("gives it an encrypted gp3 root volume of the configured size, tagged like the instance", async () => {
    const instance = await describeInstance(started.instanceId);
    const mapping = instance.BlockDeviceMappings?.find((m) => m.DeviceName === rootDevice);
    const volumes = await ec2.send(
      new DescribeVolumesCommand({ VolumeIds: [mapping?.Ebs?.VolumeId ?? "missing"] }),
    );
    const volume = volumes.Volumes?.[0];
    expect(volume).toMatchObject({ Encrypted: true, Size: 150, VolumeType: "gp3" });
    expect(tagsOf(volume?.Tags)).toEqual(tagsOf(instance.Tags));
  });

  it("user data registers the JIT runner from the fake API and arms both watchdogs", async () => {
    const attribute = await ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: started.instanceId,
        Attribute: "userData",
      }),
    );
    const script = Buffer.from(attribute.UserData?.Value ?? "", "base64").toString("utf8");
    const jit = gh.jitConfigs.get(started.runnerName) ?? "missing";
    expect(script).toBe(
      renderUserData({
        jitConfig: jit,
        expectedJob: { repository: gh.repository, runId: "4242" },
        maxLifetimeSeconds: 10800,
        idleTimeoutSeconds: 900,
      }),
    );
    expect(script).toContain(`readonly JIT_CONFIG='${jit}'`);
    expect(script).toContain('./run.sh --jitconfig "$JIT_CONFIG"');
    expect(script).toContain("readonly MAX_LIFETIME_SECONDS=10800");
    expect(script).toContain("readonly IDLE_TIMEOUT_SECONDS=900");
    expect(script).toContain("systemd-run --unit=mlops-max-lifetime");
    expect(script).toContain("systemd-run --unit=mlops-idle-watchdog");
  });

  it("stop terminates the instance and removes the runner registration", async () => {
    const stopLogger = memoryLogger();
    const result = await stopRunner({
      project: PROJECT,
      ec2,
      github: startOptions().github,
      instanceId: started.instanceId,
      runnerName: started.runnerName,
      clock: fakeClock(NOW),
      logger: stopLogger,
    });
    expect(result).toEqual({
      terminated: [started.instanceId],
      runnersRemoved: [started.runnerName],
    });
    expect((await describeInstance(started.instanceId)).State?.Name).toMatch(
      /^(shutting-down|terminated)$/,
    );
    expect([...gh.runners.values()].some((r) => r.name === started.runnerName)).toBe(false);
    const deletes = gh.calls.filter((c) => c.method === "DELETE");
    expect(deletes.at(-1)?.path).toMatch(/\/actions\/runners\/\d+$/);
  });
});

describe("ec2-runner start: capacity fallback", () => {
  it("tries the configured order, spot before on-demand, and logs each capacity error", async () => {
    gh.comeOnlineAfterLists = 1;
    const { client, attempts } = ec2WithCapacityFaults({
      "g5.xlarge/spot": "InsufficientInstanceCapacity",
      "g4dn.xlarge/spot": "SpotMaxPriceTooLow",
      "g5.xlarge/on-demand": "InsufficientInstanceCapacity",
    });
    const logger = memoryLogger();
    const started = await startRunner(
      startOptions({ ec2: client, logger, run: { id: "5000", attempt: "2" } }),
    );
    // Two subnets per type: each capacity error is per type and market, so both subnets fail.
    expect(attempts).toEqual([
      "g5.xlarge/spot",
      "g5.xlarge/spot",
      "g4dn.xlarge/spot",
      "g4dn.xlarge/spot",
      "g5.xlarge/on-demand",
      "g5.xlarge/on-demand",
      "g4dn.xlarge/on-demand",
    ]);
    expect(started.choice).toEqual({
      market: "on-demand",
      instanceType: "g4dn.xlarge",
      subnetId: subnets[0],
    });
    const instance = await describeInstance(started.instanceId);
    expect(instance.InstanceType).toBe("g4dn.xlarge");
    expect(instance.InstanceLifecycle).toBeUndefined();
    const warnings = logger.lines.filter((l) => l.startsWith("warn: no capacity"));
    expect(warnings.map((w) => w.split(":").slice(1, 3).join(":"))).toEqual([
      ` no capacity for g5.xlarge spot in ${subnets[0]}: InsufficientInstanceCapacity`,
      ` no capacity for g5.xlarge spot in ${subnets[1]}: InsufficientInstanceCapacity`,
      ` no capacity for g4dn.xlarge spot in ${subnets[0]}: SpotMaxPriceTooLow`,
      ` no capacity for g4dn.xlarge spot in ${subnets[1]}: SpotMaxPriceTooLow`,
      ` no capacity for g5.xlarge on-demand in ${subnets[0]}: InsufficientInstanceCapacity`,
      ` no capacity for g5.xlarge on-demand in ${subnets[1]}: InsufficientInstanceCapacity`,
    ]);

    // stop by the run-id tag (no instance id): finds and terminates this run's instance.
    const result = await stopRunner({
      project: PROJECT,
      ec2,
      github: startOptions().github,
      runId: "5000",
      clock: fakeClock(NOW),
      logger: memoryLogger(),
    });
    expect(result.terminated).toEqual([started.instanceId]);
    expect(result.runnersRemoved).toEqual([started.runnerName]);
  });

  it("removes the runner registration when nothing can be launched", async () => {
    const { client } = ec2WithCapacityFaults({
      "g5.xlarge/spot": "InsufficientInstanceCapacity",
      "g4dn.xlarge/spot": "InsufficientInstanceCapacity",
      "g5.xlarge/on-demand": "InstanceLimitExceeded",
      "g4dn.xlarge/on-demand": "VcpuLimitExceeded",
    });
    const error = await startRunner(
      startOptions({
        ec2: client,
        run: { id: "5001", attempt: "1" },
        random: { label: "eeeeee", name: "ffffff" },
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "NoCapacityError" });
    expect((error as Error).message).toContain("g4dn.xlarge on-demand in");
    expect([...gh.runners.values()].some((r) => r.name.includes("5001-1-ffffff"))).toBe(false);
  });
});

describe("ec2-runner start: registration timeout", () => {
  it("terminates the instance and removes the runner when it never comes online", async () => {
    gh.comeOnlineAfterLists = "never";
    const logger = memoryLogger();
    const clock = fakeClock(NOW);
    const error = await startRunner(
      startOptions({
        logger,
        clock,
        run: { id: "6000", attempt: "1" },
        random: { label: "beef00", name: "dead00" },
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RunnerStartError" });
    expect((error as Error).message).toMatch(
      /runner .*-mlops-6000-1-dead00 did not come online within 120s/,
    );
    // The fake clock moved by the registration timeout (polls every 5 s), no more.
    expect(clock.now() - NOW).toBeGreaterThanOrEqual(120_000);
    expect(clock.now() - NOW).toBeLessThan(130_000);
    const out = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: "tag:mlops:run-id", Values: ["6000"] }],
      }),
    );
    const states = (out.Reservations ?? []).flatMap((r) =>
      (r.Instances ?? []).map((i) => i.State?.Name),
    );
    expect(states.length).toBe(1);
    expect(states[0]).toMatch(/^(shutting-down|terminated)$/);
    expect([...gh.runners.values()].some((r) => r.name.includes("6000-1-dead00"))).toBe(false);
    expect(logger.lines.some((l) => l.startsWith("error:") && l.includes("terminating i-"))).toBe(
      true,
    );
  });
});

describe("mlops janitor", () => {
  const OTHER = `${PROJECT}x`;
  const launched: Record<string, string> = {};
  let configPath: string;
  const saved: Record<string, string | undefined> = {};

  async function launch(key: string, tags: Record<string, string>): Promise<void> {
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: "g5.xlarge",
        MinCount: 1,
        MaxCount: 1,
        ...(Object.keys(tags).length > 0 && {
          TagSpecifications: [
            {
              ResourceType: "instance",
              Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      }),
    );
    launched[key] = out.Instances?.[0]?.InstanceId ?? "";
  }

  const state = async (key: string): Promise<string | undefined> =>
    (await describeInstance(launched[key] ?? "")).State?.Name;

  beforeAll(async () => {
    const ours = { "mlops:project": PROJECT, "mlops:managed-by": "mlops-gitops" };
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await launch("expired", { ...ours, "mlops:expires-at": past, Name: "old-runner" });
    await launch("unexpired", {
      ...ours,
      "mlops:expires-at": future,
      "mlops:runner-name": `${PROJECT}-mlops-7-1-booting`,
    });
    await launch("otherProject", {
      "mlops:project": OTHER,
      "mlops:managed-by": "mlops-gitops",
      "mlops:expires-at": past,
    });
    await launch("untagged", {});
    await launch("noExpiry", ours);
    gh.addRunner({
      name: `${PROJECT}-mlops-1-1-stale00`,
      status: "offline",
      busy: false,
      labels: [],
    });
    gh.addRunner({
      name: `${PROJECT}-mlops-7-1-booting`,
      status: "offline",
      busy: false,
      labels: [],
    });
    gh.addRunner({ name: `${PROJECT}-mlops-2-1-online`, status: "online", busy: true, labels: [] });
    gh.addRunner({ name: `${PROJECT}-gpu-box`, status: "offline", busy: false, labels: [] });
    gh.addRunner({ name: `${OTHER}-mlops-3-1-x`, status: "offline", busy: false, labels: [] });
    configPath = writeConfig(workdir, "janitor.yaml", "market: on-demand");
    // The CLI reads its AWS and GitHub settings from the environment, like in CI.
    const env = {
      ...emulatorHandle(endpoint).env,
      GITHUB_TOKEN: gh.token,
      GITHUB_REPOSITORY: gh.repository,
      GITHUB_API_URL: gh.url,
    };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  });

  const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("--dry-run says what it would do and changes nothing", async () => {
    const result = await cli("janitor", "--config", configPath, "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Would terminate ${launched["expired"] ?? ""} (old-runner)`);
    expect(result.out).toContain(`Would remove stale offline runner ${PROJECT}-mlops-1-1-stale00`);
    expect(await state("expired")).toBe("running");
    expect([...gh.runners.values()].some((r) => r.name.endsWith("stale00"))).toBe(true);
  });

  it("terminates this project's expired instance and stale runner, and leaves the rest alone", async () => {
    const result = await cli("janitor", "--config", configPath);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      `Terminated ${launched["expired"] ?? ""} (old-runner): expired at`,
    );
    expect(result.out).toContain(`Removed stale offline runner ${PROJECT}-mlops-1-1-stale00`);
    expect(result.out).toContain(`Left alone (no valid expiry tag): ${launched["noExpiry"] ?? ""}`);
    expect(await state("expired")).toMatch(/^(shutting-down|terminated)$/);
    for (const key of ["unexpired", "otherProject", "untagged", "noExpiry"]) {
      expect({ key, state: await state(key) }).toEqual({ key, state: "running" });
    }
    const names = [...gh.runners.values()].map((r) => r.name);
    expect(names).not.toContain(`${PROJECT}-mlops-1-1-stale00`);
    // Kept: its instance is alive (booting); online; not ours by prefix; another project's.
    expect(names).toEqual(
      expect.arrayContaining([
        `${PROJECT}-mlops-7-1-booting`,
        `${PROJECT}-mlops-2-1-online`,
        `${PROJECT}-gpu-box`,
        `${OTHER}-mlops-3-1-x`,
      ]),
    );
  });
});

import { RunInstancesCommand, type RunInstancesCommandInput } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../../actions/src/logger.js";
import {
  launchChoices,
  launchFirstAvailable,
  runInstancesInput,
  type LaunchTemplate,
} from "../../../actions/src/ec2-runner/launch.js";
import {
  runnerLabel,
  runnerName,
  runnerNamePrefix,
  runnerTags,
} from "../../../actions/src/ec2-runner/names.js";

const template: LaunchTemplate = {
  imageId: "ami-0123456789abcdef0",
  rootDeviceName: "/dev/sda1",
  volumeSizeGB: 150,
  securityGroups: ["sg-1"],
  instanceProfile: "dogs-ec2",
  userData: "IyEvYmluL2Jhc2g=",
  tags: { "mlops:project": "dogs", Name: "dogs-mlops-1-1-abc" },
};

describe("launch choices", () => {
  it.each([
    {
      market: "spot-with-fallback" as const,
      want: [
        "spot g5 s1",
        "spot g5 s2",
        "spot g4dn s1",
        "spot g4dn s2",
        "on-demand g5 s1",
        "on-demand g5 s2",
        "on-demand g4dn s1",
        "on-demand g4dn s2",
      ],
    },
    { market: "spot" as const, want: ["spot g5 s1", "spot g5 s2", "spot g4dn s1", "spot g4dn s2"] },
    {
      market: "on-demand" as const,
      want: ["on-demand g5 s1", "on-demand g5 s2", "on-demand g4dn s1", "on-demand g4dn s2"],
    },
  ])("$market: markets, then types, then subnets, in order", ({ market, want }) => {
    const choices = launchChoices({ market, instanceTypes: ["g5", "g4dn"], subnets: ["s1", "s2"] });
    expect(choices.map((c) => `${c.market} ${c.instanceType} ${c.subnetId ?? ""}`)).toEqual(want);
  });

  it("leaves the subnet to the default VPC when none is configured", () => {
    expect(
      launchChoices({ market: "on-demand", instanceTypes: ["g5.xlarge"], subnets: [] }),
    ).toEqual([{ market: "on-demand", instanceType: "g5.xlarge" }]);
  });
});

describe("RunInstances request", () => {
  it("spot: one-time, terminate on interruption; IMDSv2, encrypted gp3, terminate on shutdown", () => {
    const input = runInstancesInput(template, {
      market: "spot",
      instanceType: "g5.xlarge",
      subnetId: "subnet-1",
    });
    expect(input).toEqual({
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "g5.xlarge",
      MinCount: 1,
      MaxCount: 1,
      SubnetId: "subnet-1",
      SecurityGroupIds: ["sg-1"],
      IamInstanceProfile: { Name: "dogs-ec2" },
      UserData: "IyEvYmluL2Jhc2g=",
      InstanceInitiatedShutdownBehavior: "terminate",
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [
        {
          DeviceName: "/dev/sda1",
          Ebs: { VolumeSize: 150, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
        },
      ],
      InstanceMarketOptions: {
        MarketType: "spot",
        SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
      },
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: [
            { Key: "mlops:project", Value: "dogs" },
            { Key: "Name", Value: "dogs-mlops-1-1-abc" },
          ],
        },
        {
          ResourceType: "volume",
          Tags: [
            { Key: "mlops:project", Value: "dogs" },
            { Key: "Name", Value: "dogs-mlops-1-1-abc" },
          ],
        },
      ],
    });
  });

  it("on-demand: no market options; no security groups means the VPC default", () => {
    const input = runInstancesInput(
      { ...template, securityGroups: [] },
      { market: "on-demand", instanceType: "g4dn.xlarge" },
    );
    expect(input.InstanceMarketOptions).toBeUndefined();
    expect(input.SecurityGroupIds).toBeUndefined();
    expect(input.SubnetId).toBeUndefined();
  });
});

/** An EC2 client whose RunInstances fails with `errors[type/market]` (SDK-shaped errors). */
function fakeEc2(errors: Record<string, string>) {
  const seen: RunInstancesCommandInput[] = [];
  return {
    seen,
    send: (command: unknown) => {
      const input = (command as RunInstancesCommand).input;
      seen.push(input);
      const key = `${input.InstanceType ?? ""}/${input.InstanceMarketOptions ? "spot" : "on-demand"}`;
      const name = errors[key];
      if (name !== undefined) {
        return Promise.reject(
          Object.assign(new Error(`${name} for ${key}`), { name, $fault: "server" }),
        );
      }
      return Promise.resolve({ Instances: [{ InstanceId: "i-0abc" }] });
    },
  };
}

describe("launchFirstAvailable", () => {
  const choices = launchChoices({
    market: "spot-with-fallback",
    instanceTypes: ["g5.xlarge", "g4dn.xlarge"],
    subnets: [],
  });

  it("moves past each capacity error, logging it, to the first choice with capacity", async () => {
    const ec2 = fakeEc2({
      "g5.xlarge/spot": "InsufficientInstanceCapacity",
      "g4dn.xlarge/spot": "SpotMaxPriceTooLow",
      "g5.xlarge/on-demand": "VcpuLimitExceeded",
    });
    const logger = memoryLogger();
    const launched = await launchFirstAvailable(ec2 as never, template, choices, logger);
    expect(launched).toEqual({
      instanceId: "i-0abc",
      choice: { market: "on-demand", instanceType: "g4dn.xlarge" },
    });
    expect(ec2.seen.map((i) => i.InstanceType)).toEqual([
      "g5.xlarge",
      "g4dn.xlarge",
      "g5.xlarge",
      "g4dn.xlarge",
    ]);
    expect(logger.lines.filter((l) => l.startsWith("warn:"))).toEqual([
      "warn: no capacity for g5.xlarge spot: InsufficientInstanceCapacity: InsufficientInstanceCapacity for g5.xlarge/spot; trying the next choice",
      "warn: no capacity for g4dn.xlarge spot: SpotMaxPriceTooLow: SpotMaxPriceTooLow for g4dn.xlarge/spot; trying the next choice",
      "warn: no capacity for g5.xlarge on-demand: VcpuLimitExceeded: VcpuLimitExceeded for g5.xlarge/on-demand; trying the next choice",
    ]);
  });

  it("stops at once on an error that another choice would not fix", async () => {
    const ec2 = fakeEc2({ "g5.xlarge/spot": "UnauthorizedOperation" });
    await expect(
      launchFirstAvailable(ec2 as never, template, choices, memoryLogger()),
    ).rejects.toThrow(/launching the runner \(g5.xlarge spot\): access denied/);
    expect(ec2.seen).toHaveLength(1);
  });

  it("lists every failure when nothing has capacity", async () => {
    const ec2 = fakeEc2({
      "g5.xlarge/spot": "InsufficientInstanceCapacity",
      "g4dn.xlarge/spot": "MaxSpotInstanceCountExceeded",
      "g5.xlarge/on-demand": "InstanceLimitExceeded",
      "g4dn.xlarge/on-demand": "Unsupported",
    });
    const error = await launchFirstAvailable(ec2 as never, template, choices, memoryLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "NoCapacityError" });
    expect(
      (error as Error).message
        .split("\n")
        .slice(1, 5)
        .map((l) => l.trim().split(":")[0]),
    ).toEqual([
      "g5.xlarge spot",
      "g4dn.xlarge spot",
      "g5.xlarge on-demand",
      "g4dn.xlarge on-demand",
    ]);
  });
});

describe("names and tags", () => {
  it("labels are unique per start and runner names start with the project prefix", () => {
    const run = { id: "9876543210", attempt: "2" };
    const label = runnerLabel(run);
    expect(label).toMatch(/^mlops-9876543210-2-[0-9a-f]{20}$/);
    expect(runnerLabel({ id: "1", attempt: "1" })).not.toBe(runnerLabel({ id: "1", attempt: "1" }));
    const name = runnerName("dog-breeds", run);
    expect(name).toMatch(/^dog-breeds-mlops-9876543210-2-[0-9a-f]{20}$/);
    // The logged name has a random part of its own: it does not give the label away.
    expect(name.slice(-20)).not.toBe(label.slice(-20));
    expect(name.startsWith(runnerNamePrefix("dog-breeds"))).toBe(true);
  });

  it("keeps runner names within GitHub's 64 characters, prefix included", () => {
    const project = "a-very-long-project-name-that-goes-on-and-on-x";
    const name = runnerName(project, { id: "12345678901", attempt: "10" });
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name.startsWith(runnerNamePrefix(project))).toBe(true);
  });

  it("tags carry the project, run, expiry and runner; ours win over the user's", () => {
    const tags = runnerTags({
      config: { project: "dogs", tags: { team: "ml", "mlops:project": "spoofed" } },
      run: { id: "42", attempt: "1" },
      runnerName: "dogs-mlops-42-1-abc",
      label: "mlops-42-1-abc",
      expiresAt: new Date("2030-01-01T03:00:00Z"),
    });
    expect(tags).toEqual({
      team: "ml",
      "mlops:project": "dogs",
      "mlops:managed-by": "mlops-gitops",
      "mlops:run-id": "42",
      "mlops:run-attempt": "1",
      "mlops:expires-at": "2030-01-01T03:00:00.000Z",
      "mlops:runner-name": "dogs-mlops-42-1-abc",
      "mlops:runner-label": "mlops-42-1-abc",
      Name: "dogs-mlops-42-1-abc",
    });
  });
});

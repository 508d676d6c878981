// RunInstances for the runner: the exact request, and the fallback order through markets,
// instance types and subnets when AWS has no capacity (or quota) for a choice.
import {
  RunInstancesCommand,
  type EC2Client,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { AwsOperationError } from "../aws/errors.js";
import type { Ec2RunnerConfig } from "../config/types.js";
import type { Logger } from "../logger.js";
import { OperationalError } from "../operational-errors.js";

export type Market = "spot" | "on-demand";

export interface LaunchChoice {
  market: Market;
  instanceType: string;
  /** Undefined: the default VPC picks. */
  subnetId?: string;
}

/** Errors that mean "not this type/market/subnet now", so the next choice is worth trying. */
export const CAPACITY_ERRORS: ReadonlySet<string> = new Set([
  "InsufficientInstanceCapacity",
  "InsufficientHostCapacity",
  "InsufficientCapacity",
  "InsufficientFreeAddressesInSubnet",
  "SpotMaxPriceTooLow",
  "MaxSpotInstanceCountExceeded",
  "Unsupported",
  "InstanceLimitExceeded",
  "VcpuLimitExceeded",
  "UnfulfillableCapacity",
]);

export function isCapacityError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { name?: string; Code?: string };
  return CAPACITY_ERRORS.has(e.name ?? e.Code ?? "");
}

/** Markets first (spot before on-demand), then instance types, then subnets, each in order. */
export function launchChoices(
  config: Pick<Ec2RunnerConfig, "market" | "instanceTypes" | "subnets">,
): LaunchChoice[] {
  const markets: Market[] =
    config.market === "spot-with-fallback"
      ? ["spot", "on-demand"]
      : config.market === "spot"
        ? ["spot"]
        : ["on-demand"];
  const subnets: (string | undefined)[] = config.subnets.length > 0 ? config.subnets : [undefined];
  return markets.flatMap((market) =>
    config.instanceTypes.flatMap((instanceType) =>
      subnets.map((subnetId) => ({
        market,
        instanceType,
        ...(subnetId !== undefined && { subnetId }),
      })),
    ),
  );
}

export interface LaunchTemplate {
  imageId: string;
  rootDeviceName: string;
  volumeSizeGB: number;
  securityGroups: string[];
  instanceProfile: string;
  /** Base64. */
  userData: string;
  tags: Record<string, string>;
}

export function runInstancesInput(
  template: LaunchTemplate,
  choice: LaunchChoice,
): RunInstancesCommandInput {
  const tags = Object.entries(template.tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    ImageId: template.imageId,
    InstanceType: choice.instanceType as RunInstancesCommandInput["InstanceType"],
    MinCount: 1,
    MaxCount: 1,
    ...(choice.subnetId !== undefined && { SubnetId: choice.subnetId }),
    ...(template.securityGroups.length > 0 && { SecurityGroupIds: template.securityGroups }),
    IamInstanceProfile: { Name: template.instanceProfile },
    UserData: template.userData,
    InstanceInitiatedShutdownBehavior: "terminate",
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
    BlockDeviceMappings: [
      {
        DeviceName: template.rootDeviceName,
        Ebs: {
          VolumeSize: template.volumeSizeGB,
          VolumeType: "gp3",
          Encrypted: true,
          DeleteOnTermination: true,
        },
      },
    ],
    ...(choice.market === "spot" && {
      InstanceMarketOptions: {
        MarketType: "spot",
        SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
      },
    }),
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
    ],
  };
}

export interface Launched {
  instanceId: string;
  choice: LaunchChoice;
}

export class NoCapacityError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "NoCapacityError";
  }
}

export const describeChoice = (c: LaunchChoice): string =>
  `${c.instanceType} ${c.market}${c.subnetId === undefined ? "" : ` in ${c.subnetId}`}`;

/** Tries each choice in order; a capacity error moves on, any other error stops. */
export async function launchFirstAvailable(
  ec2: Pick<EC2Client, "send">,
  template: LaunchTemplate,
  choices: readonly LaunchChoice[],
  logger: Logger,
): Promise<Launched> {
  const failures: string[] = [];
  for (const choice of choices) {
    try {
      const out = await ec2.send(new RunInstancesCommand(runInstancesInput(template, choice)));
      const instanceId = out.Instances?.[0]?.InstanceId;
      if (instanceId === undefined) throw new OperationalError("RunInstances returned no instance");
      logger.info(`launched ${instanceId}: ${describeChoice(choice)}`);
      return { instanceId, choice };
    } catch (error) {
      if (!isCapacityError(error)) {
        throw new AwsOperationError(`launching the runner (${describeChoice(choice)})`, error);
      }
      const e = error as Error;
      const line = `${describeChoice(choice)}: ${e.name}: ${e.message}`;
      failures.push(line);
      logger.warn(`no capacity for ${line}; trying the next choice`);
    }
  }
  throw new NoCapacityError(
    `no instance could be launched; every choice failed:\n  ${failures.join("\n  ")}\n(add instance types or subnets to training.ec2, or use market: spot-with-fallback)`,
  );
}

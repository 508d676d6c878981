// Reading and ending runner instances: shared by start (clean-up after a failure), stop and
// the janitor.
import {
  DescribeInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Filter,
} from "@aws-sdk/client-ec2";
import { AwsOperationError, isNotFound } from "../aws/errors.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { waitFor } from "../wait.js";

export interface RunnerInstance {
  instanceId: string;
  state: string;
  instanceType: string;
  tags: Record<string, string>;
  /** Why it stopped, when it did (e.g. a spot interruption or a shutdown). */
  stateReason?: string;
}

export const GONE_STATES: ReadonlySet<string> = new Set(["shutting-down", "terminated"]);

export async function describeRunnerInstances(
  ec2: Pick<EC2Client, "send">,
  query: { instanceIds: string[] } | { filters: Filter[] },
): Promise<RunnerInstance[]> {
  const found: RunnerInstance[] = [];
  let token: string | undefined;
  do {
    const input =
      "instanceIds" in query
        ? { InstanceIds: query.instanceIds }
        : { Filters: query.filters, MaxResults: 1000 };
    let out;
    try {
      out = await ec2.send(
        new DescribeInstancesCommand({
          ...input,
          ...(token !== undefined && { NextToken: token }),
        }),
      );
    } catch (error) {
      if ("instanceIds" in query && isNotFound(error)) return found;
      throw new AwsOperationError("describing runner instances", error);
    }
    for (const reservation of out.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) {
        if (i.InstanceId === undefined) continue;
        found.push({
          instanceId: i.InstanceId,
          state: i.State?.Name ?? "unknown",
          instanceType: i.InstanceType ?? "unknown",
          tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
          ...(i.StateReason?.Message !== undefined &&
            i.StateReason.Message !== "" && { stateReason: i.StateReason.Message }),
        });
      }
    }
    token = out.NextToken;
  } while (token !== undefined && token !== "");
  return found;
}

export async function terminate(
  ec2: Pick<EC2Client, "send">,
  instanceIds: string[],
): Promise<void> {
  if (instanceIds.length === 0) return;
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  } catch (error) {
    if (isNotFound(error)) return;
    throw new AwsOperationError(`terminating ${instanceIds.join(", ")}`, error);
  }
}

/** Terminates and waits until each is shutting-down or terminated (or no longer listed). */
export async function terminateAndVerify(options: {
  ec2: Pick<EC2Client, "send">;
  instanceIds: string[];
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  deadlineMs?: number;
}): Promise<void> {
  const { ec2, instanceIds } = options;
  if (instanceIds.length === 0) return;
  await terminate(ec2, instanceIds);
  await waitFor({
    what: `terminating ${instanceIds.join(", ")}`,
    poll: () => describeRunnerInstances(ec2, { instanceIds }),
    status: (found) => (found.every((i) => GONE_STATES.has(i.state)) ? "ready" : "pending"),
    describe: (found) =>
      found.length === 0 ? "gone" : found.map((i) => `${i.instanceId} ${i.state}`).join(", "),
    intervalMs: options.intervalMs ?? 5000,
    deadlineMs: options.deadlineMs ?? 120_000,
    clock: options.clock,
    logger: options.logger,
  });
}

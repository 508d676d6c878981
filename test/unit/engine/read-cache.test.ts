import { DescribeEndpointConfigCommand, UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { sharingReads } from "../../../actions/src/plan/read-cache.js";
import { awsError, mockedClients } from "./helpers.js";

describe("a plan's shared reads", () => {
  it("sends one request for identical reads, even while the first is in flight", async () => {
    const aws = mockedClients();
    aws.sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: "a" });
    const clients = sharingReads(aws.clients);
    const ask = (name: string) =>
      clients.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    const [first, second] = await Promise.all([ask("a"), ask("a")]);
    await ask("a");
    await ask("b");
    expect(first).toBe(second);
    expect(aws.sagemaker.commandCalls(DescribeEndpointConfigCommand)).toHaveLength(2);
  });

  it("shares a failed read's error too (a missing resource is missing for every reader)", async () => {
    const aws = mockedClients();
    aws.sagemaker
      .on(DescribeEndpointConfigCommand)
      .rejects(awsError("ValidationException", "Could not find endpoint configuration", 400));
    const clients = sharingReads(aws.clients);
    const ask = () =>
      clients.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "x" }));
    await expect(ask()).rejects.toThrow(/Could not find/);
    await expect(ask()).rejects.toThrow(/Could not find/);
    expect(aws.sagemaker.commandCalls(DescribeEndpointConfigCommand)).toHaveLength(1);
  });

  it("never shares a call that changes something", async () => {
    const aws = mockedClients();
    aws.sagemaker.on(UpdateEndpointCommand).resolves({ EndpointArn: "arn" });
    const clients = sharingReads(aws.clients);
    const update = () =>
      clients.sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: "e", EndpointConfigName: "c" }),
      );
    await update();
    await update();
    expect(aws.sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(2);
  });
});

// sagemaker.endpoint through the executor: create, replace, delete, and every fault of a
// deployment (busy, SystemUpdating, silent rollback, Failed, UpdateRollbackFailed), with exact
// request shapes and call order.
import { describe, expect, it } from "vitest";
import { UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import { AUTOSCALING, ENDPOINT } from "../../../actions/src/graph/sagemaker-nodes.js";
import { deploymentConfig } from "../../../actions/src/resources/sagemaker/endpoint-deploy.js";
import {
  endpointHandler,
  type EndpointObserved,
} from "../../../actions/src/resources/sagemaker/endpoint.js";
import { awsError } from "../engine/helpers.js";
import { fakeSageMaker } from "./fake-sagemaker.js";
import { apply, applyWithScaling, sagemakerMutations, world } from "./harness.js";
import {
  DEPLOYMENT,
  NEW_CONFIG,
  NEW_MODEL,
  OLD_CONFIG,
  OLD_MODEL,
  POLICY,
  RESOURCE_ID,
  endpointNode,
} from "./nodes.js";

describe("sagemaker.endpoint: create and delete", () => {
  it("creates with the prepared config and tags; the executor waits until InService", async () => {
    const aws = fakeSageMaker();
    aws.addConfig(NEW_CONFIG, NEW_MODEL);
    const { step } = await apply(aws);
    expect(step.status).toBe("done");
    expect(aws.inputs("sagemaker:CreateEndpoint")).toEqual([
      {
        EndpointName: "pets",
        EndpointConfigName: NEW_CONFIG,
        Tags: [
          { Key: "mlops:address", Value: "sagemaker.endpoint.main" },
          { Key: "mlops:project", Value: "pets" },
        ],
      },
    ]);
    expect((step.observed as EndpointObserved).status).toBe("InService");
    expect(aws.calls.filter((c) => c === "sagemaker:DescribeEndpoint").length).toBeGreaterThan(1);
  });

  it("replaces a Failed endpoint: scaling off, delete, wait until gone, create, scaling back", async () => {
    const aws = world();
    aws.addEndpoint("pets", NEW_CONFIG, "Failed", "ping failed");
    const { steps, planned } = await applyWithScaling(aws);
    expect(planned.map((c) => [c.address, c.action])).toEqual([
      [ENDPOINT, "replace"],
      [AUTOSCALING, "replace"],
    ]);
    expect(planned[1]?.reason).toBe(`${ENDPOINT} is replaced, and this goes with it`);
    expect(steps.map((s) => s.status)).toEqual(["done", "done"]);
    expect(aws.mutating()).toEqual([
      "autoscaling:DeleteScalingPolicy",
      "autoscaling:DeregisterScalableTarget",
      "sagemaker:DeleteEndpoint",
      "sagemaker:CreateEndpoint",
      // The scaling node's replace: its delete finds the target gone, its create puts it back.
      "autoscaling:DeregisterScalableTarget",
      "autoscaling:RegisterScalableTarget",
      "autoscaling:PutScalingPolicy",
    ]);
    expect(aws.endpoints.get("pets")?.status).toBe("InService");
    expect(aws.targets.get(RESOURCE_ID)).toEqual({ min: 1, max: 3 });
  });

  it("deletes with DeleteEndpoint and waits until it is gone", async () => {
    const aws = world({ scaled: false });
    const node = endpointNode();
    const observed = (await endpointHandler.read(node, aws.ctx)) as EndpointObserved;
    await endpointHandler.delete(node, observed, aws.ctx);
    expect(aws.mutating()).toEqual(["sagemaker:DeleteEndpoint"]);
    expect(aws.endpoints.has("pets")).toBe(false);
  });
});

describe("sagemaker.endpoint: deploying a new config", () => {
  it("updates with blue/green canary, RetainAllVariantProperties, and records + collects", async () => {
    const aws = world();
    const { step } = await apply(aws);
    expect(step.status).toBe("done");
    expect(aws.inputs("sagemaker:UpdateEndpoint")).toEqual([
      {
        EndpointName: "pets",
        EndpointConfigName: NEW_CONFIG,
        RetainAllVariantProperties: true,
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: "CANARY",
              CanarySize: { Type: "CAPACITY_PERCENT", Value: 10 },
              WaitIntervalInSeconds: 300,
            },
            TerminationWaitInSeconds: 600,
            MaximumExecutionTimeoutInSeconds: 1800,
          },
        },
      },
    ]);
    // A model-only change leaves scaling registered: no Application Auto Scaling writes.
    expect(aws.mutating().filter((c) => c.startsWith("autoscaling:"))).toEqual([]);
    expect(aws.endpoints.get("pets")?.config).toBe(NEW_CONFIG);
    const state = await aws.stateRecord();
    expect(state.deployments).toEqual([
      {
        endpointConfig: NEW_CONFIG,
        model: NEW_MODEL,
        at: expect.any(String) as string,
        planHash: "",
      },
    ]);
  });

  it("resets to the config's count without autoscaling (RetainAllVariantProperties false)", async () => {
    const aws = world({ scaled: false });
    await apply(aws, endpointNode({ autoscaling: undefined }));
    expect(aws.inputs("sagemaker:UpdateEndpoint")[0]).toMatchObject({
      RetainAllVariantProperties: false,
    });
  });

  it.each([
    [
      { traffic: "all-at-once" as const },
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE", WaitIntervalInSeconds: 300 },
        },
      },
    ],
    [
      { traffic: "linear" as const, rollbackAlarms: ["p99", "errors"] },
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: "LINEAR",
            LinearStepSize: { Type: "CAPACITY_PERCENT", Value: 20 },
            WaitIntervalInSeconds: 300,
          },
        },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: "p99" }, { AlarmName: "errors" }] },
      },
    ],
    [
      { strategy: "rolling" as const },
      {
        RollingUpdatePolicy: {
          MaximumBatchSize: { Type: "CAPACITY_PERCENT", Value: 25 },
          WaitIntervalInSeconds: 300,
          MaximumExecutionTimeoutInSeconds: 1800,
        },
      },
    ],
  ])("DeploymentConfig for %o", (overrides, expected) => {
    expect(deploymentConfig({ ...DEPLOYMENT, ...overrides })).toMatchObject(expected);
  });

  it("retries 'Cannot update in-progress endpoint' (busy) and then deploys", async () => {
    const aws = world();
    aws.failNext(
      "sagemaker:UpdateEndpoint",
      awsError(
        "ValidationException",
        'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/pets".',
      ),
    );
    const { step } = await apply(aws);
    expect(step.status).toBe("done");
    expect(aws.calls.filter((c) => c === "sagemaker:UpdateEndpoint")).toHaveLength(2);
    expect(
      aws.ctx.logger.lines.some((l) => /busy \(.*Cannot update in-progress endpoint/.test(l)),
    ).toBe(true);
    expect(aws.endpoints.get("pets")?.config).toBe(NEW_CONFIG);
  });

  it("waits while SystemUpdating instead of failing, then deploys", async () => {
    const aws = world();
    aws.busyFor("pets", "SystemUpdating", 3);
    const { step, planned } = await apply(aws);
    expect(planned.action).toBe("update");
    expect(step.status).toBe("done");
    expect(aws.inputs("sagemaker:UpdateEndpoint")).toHaveLength(1);
    expect(aws.ctx.logger.lines.some((l) => l.includes("waiting for SystemUpdating to end"))).toBe(
      true,
    );
    // Nothing was attempted while it was busy.
    const first = aws.calls.indexOf("sagemaker:UpdateEndpoint");
    expect(
      aws.calls.slice(0, first).filter((c) => c === "sagemaker:DescribeEndpoint").length,
    ).toBeGreaterThanOrEqual(4);
  });

  it("a silent rollback (InService on the old config, no reason) fails loudly and deletes nothing", async () => {
    const aws = world();
    aws.addConfig("pets-epc-00000001", "pets-model-00000001", "ml.m5.large", 1);
    aws.nextUpdate = { outcome: "silent-rollback", polls: 2 };
    const { step } = await apply(aws);
    expect(step.status).toBe("failed");
    expect(step.error).toContain(
      `deployment of ${NEW_CONFIG} to endpoint pets FAILED: SageMaker rolled it back`,
    );
    expect(step.error).toContain(`InService on ${OLD_CONFIG}`);
    expect(step.error).toContain("SageMaker gave no FailureReason");
    expect(step.error).toContain(
      `It keeps ${OLD_CONFIG} (model ${OLD_MODEL}); nothing was deleted`,
    );
    expect(sagemakerMutations(aws)).toEqual(["sagemaker:UpdateEndpoint"]);
    expect(aws.configs.has(OLD_CONFIG) && aws.models.has(OLD_MODEL)).toBe(true);
    expect(aws.configs.has("pets-epc-00000001")).toBe(true);
    expect((await aws.stateRecord()).deployments).toEqual([]);
    // One attempt only: a failed deployment is not retried as if it were busy.
    expect(aws.calls.filter((c) => c === "sagemaker:UpdateEndpoint")).toHaveLength(1);
  });

  it("an update that ends Failed reports the FailureReason and keeps the old config", async () => {
    const aws = world();
    aws.nextUpdate = { outcome: "failed", polls: 1 };
    const { step } = await apply(aws);
    expect(step.status).toBe("failed");
    expect(step.error).toContain("the endpoint is Failed");
    expect(step.error).toContain("FailureReason: The primary container");
    expect(sagemakerMutations(aws)).toEqual(["sagemaker:UpdateEndpoint"]);
  });

  it("an update that ends UpdateRollbackFailed asks for a human", async () => {
    const aws = world();
    aws.nextUpdate = { outcome: "rollback-failed", polls: 1 };
    const { step } = await apply(aws);
    expect(step.status).toBe("failed");
    expect(step.error).toContain("This needs a human");
  });

  it("does not touch an UpdateRollbackFailed endpoint: stops and asks for a human", async () => {
    const aws = world();
    aws.addEndpoint("pets", OLD_CONFIG, "UpdateRollbackFailed", "mixed fleet");
    const { step, planned } = await apply(aws);
    expect(planned.action).toBe("update");
    expect(step.status).toBe("failed");
    expect(step.error).toMatch(
      /is UpdateRollbackFailed: mixed fleet\. This needs a human: it was not touched/,
    );
    expect(aws.mutating()).toEqual([]);
  });

  it("instance-type change on a scaled variant: scaling off -> update -> wait -> scaling on, in order", async () => {
    const aws = world({ newType: "ml.m5.xlarge" });
    const { step } = await apply(aws, endpointNode({ instanceType: "ml.m5.xlarge" }));
    expect(step.status).toBe("done");
    expect(aws.mutating().filter((c) => !c.startsWith("sagemaker:Delete"))).toEqual([
      "autoscaling:DeleteScalingPolicy",
      "autoscaling:DeregisterScalableTarget",
      "sagemaker:UpdateEndpoint",
      "autoscaling:RegisterScalableTarget",
      "autoscaling:PutScalingPolicy",
    ]);
    // The endpoint was waited for between the update and the re-registration.
    const update = aws.calls.indexOf("sagemaker:UpdateEndpoint");
    const register = aws.calls.indexOf("autoscaling:RegisterScalableTarget");
    expect(
      aws.calls.slice(update, register).filter((c) => c === "sagemaker:DescribeEndpoint").length,
    ).toBeGreaterThanOrEqual(3);
    expect(aws.inputs("sagemaker:UpdateEndpoint")[0]).toMatchObject({
      RetainAllVariantProperties: true,
    });
    expect(aws.inputs("autoscaling:RegisterScalableTarget")[0]).toMatchObject({
      ServiceNamespace: "sagemaker",
      ResourceId: RESOURCE_ID,
      ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      MinCapacity: 1,
      MaxCapacity: 3,
    });
    expect(aws.inputs("autoscaling:PutScalingPolicy")[0]).toMatchObject({
      PolicyName: POLICY,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 20 },
    });
  });

  it("instance-type change that rolls back silently puts the old scaling back and fails", async () => {
    const aws = world({ newType: "ml.m5.xlarge" });
    aws.targets.set(RESOURCE_ID, { min: 2, max: 6 });
    aws.nextUpdate = { outcome: "silent-rollback", polls: 1 };
    const { step } = await apply(aws, endpointNode({ instanceType: "ml.m5.xlarge" }));
    expect(step.status).toBe("failed");
    expect(aws.mutating()).toEqual([
      "autoscaling:DeleteScalingPolicy",
      "autoscaling:DeregisterScalableTarget",
      "sagemaker:UpdateEndpoint",
      "autoscaling:RegisterScalableTarget",
      "autoscaling:PutScalingPolicy",
    ]);
    expect(aws.targets.get(RESOURCE_ID)).toEqual({ min: 2, max: 6 }); // what it was, not the spec
  });

  it("'wait' for an update in flight to the desired config, then verifies and records it", async () => {
    const aws = world();
    aws.nextUpdate = { outcome: "ok", polls: 3 };
    await aws.clients.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: "pets",
        EndpointConfigName: NEW_CONFIG,
      }),
    );
    aws.calls.length = 0;
    const { step, planned } = await apply(aws);
    expect(planned.action).toBe("wait");
    expect(step.status).toBe("done");
    expect(sagemakerMutations(aws).filter((c) => c === "sagemaker:UpdateEndpoint")).toEqual([]);
    expect((await aws.stateRecord()).deployments.map((d) => d.endpointConfig)).toEqual([
      NEW_CONFIG,
    ]);
  });

  it("'wait' for an update that then rolls back fails instead of deploying again", async () => {
    const aws = world();
    aws.nextUpdate = { outcome: "silent-rollback", polls: 2 };
    await aws.clients.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: "pets", EndpointConfigName: NEW_CONFIG }),
    );
    aws.calls.length = 0;
    const { step, planned } = await apply(aws);
    expect(planned.action).toBe("wait");
    expect(step.status).toBe("failed");
    expect(step.error).toContain(
      `the update of endpoint pets to ${NEW_CONFIG} that was in progress did not take`,
    );
    expect(aws.mutating()).toEqual([]);
  });
});

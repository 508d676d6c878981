// sagemaker.endpoint: what it reads, and the plan for every endpoint status.
import { describe, expect, it } from "vitest";
import {
  endpointHandler,
  isBigger,
  type EndpointObserved,
} from "../../../actions/src/resources/sagemaker/endpoint.js";
import { fakeSageMaker } from "./fake-sagemaker.js";
import { world } from "./harness.js";
import { NEW_CONFIG, NEW_MODEL, OLD_CONFIG, OLD_MODEL, endpointNode } from "./nodes.js";

describe("sagemaker.endpoint: read and plan", () => {
  it("reads its ARN, status, config, its instance type and model, variants; no timestamps or counts", async () => {
    const aws = world();
    const observed = await endpointHandler.read(endpointNode(), aws.ctx);
    expect(observed).toEqual({
      name: "pets",
      arn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/pets",
      status: "InService",
      endpointConfigName: OLD_CONFIG,
      instanceType: "ml.m5.large",
      modelName: OLD_MODEL,
      variants: [{ name: "AllTraffic" }],
    });
  });

  it("finds its tags under the ARN SageMaker returned when the name's lowercase one has none", async () => {
    const aws = world();
    aws.addEndpoint("Pets", OLD_CONFIG);
    const tags = { "mlops:project": "pets" };
    aws.tagged.set("arn:aws:sagemaker:us-east-1:123456789012:endpoint/Pets", tags);
    const observed = await endpointHandler.read({ ...endpointNode(), name: "Pets" }, aws.ctx);
    expect(observed?.tags).toEqual(tags);
    expect(aws.inputs("sagemaker:ListTags").map((i) => i["ResourceArn"])).toEqual([
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/pets",
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/Pets",
    ]);
  });

  it("reads a missing endpoint as undefined", async () => {
    const aws = fakeSageMaker();
    expect(await endpointHandler.read(endpointNode(), aws.ctx)).toBeUndefined();
  });

  it("prepare takes the config's name and its model from the endpoint-config node", async () => {
    const aws = fakeSageMaker();
    const config = {
      address: "sagemaker.endpoint-config.main",
      kind: "sagemaker.endpoint-config",
      name: "pets-epc-cccccccc",
      tags: {},
      spec: { modelName: "pets-model-cccccccc" },
      dependsOn: [],
    };
    const prepared = await endpointHandler.prepare?.(
      endpointNode({ endpointConfigName: undefined, modelName: undefined }),
      aws.ctx,
      new Map([[config.address, config]]),
    );
    expect(prepared?.spec).toMatchObject({
      endpointConfigName: "pets-epc-cccccccc",
      modelName: "pets-model-cccccccc",
    });
  });

  const observed = (o: Partial<EndpointObserved>): EndpointObserved => ({
    name: "pets",
    status: "InService",
    endpointConfigName: OLD_CONFIG,
    instanceType: "ml.m5.large",
    modelName: OLD_MODEL,
    variants: [{ name: "AllTraffic" }],
    ...o,
  });

  it.each([
    ["InService on the desired config", { endpointConfigName: NEW_CONFIG }, "noop", []],
    ["InService on another config", {}, "update", []],
    ["Failed", { status: "Failed", failureReason: "ping failed" }, "replace", ["downtime"]],
    ["UpdateRollbackFailed", { status: "UpdateRollbackFailed" }, "update", ["downtime"]],
    ["OutOfService", { status: "OutOfService" }, "update", ["downtime"]],
    ["Deleting", { status: "Deleting" }, "replace", ["downtime"]],
    [
      "Creating the desired config",
      { status: "Creating", endpointConfigName: NEW_CONFIG },
      "wait",
      [],
    ],
    [
      "Updating to the desired config",
      { status: "Updating", pendingEndpointConfigName: NEW_CONFIG },
      "wait",
      [],
    ],
    [
      "SystemUpdating on the desired config",
      { status: "SystemUpdating", endpointConfigName: NEW_CONFIG },
      "wait",
      [],
    ],
    [
      "RollingBack from the desired config",
      { status: "RollingBack", pendingEndpointConfigName: NEW_CONFIG },
      "wait",
      [],
    ],
    [
      "Updating to another config",
      { status: "Updating", pendingEndpointConfigName: "pets-epc-cccccccc" },
      "update",
      [],
    ],
    ["SystemUpdating on the old config", { status: "SystemUpdating" }, "update", []],
  ] as const)("%s -> %s", (_what, o, action, risk) => {
    const change = endpointHandler.diff(endpointNode(), observed(o));
    expect(change.action).toBe(action);
    expect(change.risk).toEqual(risk);
  });

  it("names old -> new config (and model) and the instance type change, with cost-up when bigger", () => {
    const change = endpointHandler.diff(
      endpointNode({ instanceType: "ml.m5.2xlarge" }),
      observed({}),
    );
    expect(change.reason).toContain(`${OLD_CONFIG} -> ${NEW_CONFIG}`);
    expect(change.reason).toContain(`model ${OLD_MODEL} -> ${NEW_MODEL}`);
    expect(change.changes).toEqual([
      { path: "endpointConfigName", before: OLD_CONFIG, after: NEW_CONFIG },
      { path: "instanceType", before: "ml.m5.large", after: "ml.m5.2xlarge" },
    ]);
    expect(change.risk).toEqual(["cost-up"]);
    expect(change.summary).toContain("scaling is deregistered for the instance-type change");
  });

  it("says loudly that a Failed endpoint is deleted and re-created (downtime)", () => {
    const change = endpointHandler.diff(
      endpointNode(),
      observed({ status: "Failed", failureReason: "ping failed" }),
    );
    expect(change.reason).toMatch(/^ENDPOINT IS FAILED: ping failed\. .*deleted and created again/);
    expect(change.actionReason).toBe("broken");
  });

  it("says UpdateRollbackFailed needs a human", () => {
    const change = endpointHandler.diff(
      endpointNode(),
      observed({ status: "UpdateRollbackFailed" }),
    );
    expect(change.action).toBe("update");
    expect(change.actionReason).toBe("needs-human");
    expect(change.reason).toMatch(/^the endpoint is UpdateRollbackFailed/);
  });

  it.each([
    ["Creating", "pending"],
    ["Updating", "pending"],
    ["SystemUpdating", "pending"],
    ["RollingBack", "pending"],
    ["InService", "ready"],
    ["Failed", "failed"],
    ["UpdateRollbackFailed", "failed"],
    ["OutOfService", "failed"],
  ])("status %s -> %s", (status, expected) => {
    expect(endpointHandler.status?.(observed({ status }))).toBe(expected);
  });

  it("compares instance sizes within a family only", () => {
    expect(isBigger("ml.m5.xlarge", "ml.m5.large")).toBe(true);
    expect(isBigger("ml.m5.2xlarge", "ml.m5.xlarge")).toBe(true);
    expect(isBigger("ml.m5.large", "ml.m5.4xlarge")).toBe(false);
    expect(isBigger("ml.g5.xlarge", "ml.m5.large")).toBe(false);
  });
});

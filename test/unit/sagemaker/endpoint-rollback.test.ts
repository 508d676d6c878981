// When a model change is a rollback: the deployment history tells a return to a model served
// before (typically undoing a retrain the config does not name) from a forward deployment and
// from a config that moved on past a retrain.
import { describe, expect, it } from "vitest";
import type { DeploymentRecord } from "../../../actions/src/apply/state-store.js";
import { diffEndpoint } from "../../../actions/src/resources/sagemaker/endpoint.js";
import {
  deploymentHistory,
  type EndpointObserved,
} from "../../../actions/src/resources/sagemaker/endpoint-observe.js";
import { NEW_CONFIG, NEW_MODEL, OLD_CONFIG, OLD_MODEL, endpointNode } from "./nodes.js";

const deployed = (model: string, at: string, retrain?: boolean): DeploymentRecord => ({
  endpointConfig: model.replace("model", "epc"),
  model,
  at,
  planHash: "",
  ...(retrain === true && { origin: { overrides: { epochs: 1 } } }),
});

function plan(history: readonly DeploymentRecord[], retrainNow = false) {
  const node = endpointNode(retrainNow ? { origin: { overrides: { epochs: 5 } } } : {});
  const observed: EndpointObserved = {
    name: "pets",
    status: "InService",
    endpointConfigName: OLD_CONFIG,
    instanceType: "ml.m5.large",
    modelName: OLD_MODEL,
    variants: [{ name: "AllTraffic" }],
  };
  const found = deploymentHistory(history, OLD_MODEL, node.spec.modelName);
  return diffEndpoint(node.spec, found ? { ...observed, history: found } : observed);
}

describe("sagemaker.endpoint: rollbacks", () => {
  it("a forward deployment of a new model is no rollback", () => {
    const change = plan([deployed(OLD_MODEL, "2026-11-01T00:00:00Z")]);
    expect(change.action).toBe("update");
    expect(change.rollback).toBeUndefined();
    expect(change.risk).not.toContain("rollback");
  });

  it("moving off a model `mlops train` deployed is a rollback, with the retrain's overrides", () => {
    const change = plan([
      deployed(NEW_MODEL, "2026-11-01T00:00:00Z"),
      deployed(OLD_MODEL, "2026-11-02T00:00:00Z", true),
    ]);
    expect(change.risk).toContain("rollback");
    expect(change.rollback).toEqual({
      fromModel: OLD_MODEL,
      toModel: NEW_MODEL,
      fromDeployedAt: "2026-11-02T00:00:00Z",
      fromRetrain: { overrides: { epochs: 1 } },
      toDeployedBefore: "2026-11-01T00:00:00Z",
    });
  });

  it("going back to a model served before is a rollback even without a retrain", () => {
    const change = plan([
      deployed(NEW_MODEL, "2026-11-01T00:00:00Z"),
      deployed(OLD_MODEL, "2026-11-02T00:00:00Z"),
    ]);
    expect(change.rollback?.toDeployedBefore).toBe("2026-11-01T00:00:00Z");
    expect(change.rollback?.fromRetrain).toBeUndefined();
  });

  it("a config that moved on to a new model supersedes a retrain: no rollback, but it says so", () => {
    const change = plan([deployed(OLD_MODEL, "2026-11-02T00:00:00Z", true)]);
    expect(change.rollback).toBeUndefined();
    expect(change.reason).toContain(
      "replaces the model `mlops train` deployed at 2026-11-02T00:00:00Z with epochs=1",
    );
  });

  it("a retrain's own deployment is the decision, not a rollback", () => {
    const change = plan(
      [
        deployed(NEW_MODEL, "2026-11-01T00:00:00Z"),
        deployed(OLD_MODEL, "2026-11-02T00:00:00Z", true),
      ],
      true,
    );
    expect(change.rollback).toBeUndefined();
  });

  it("a config change that keeps the model (same model, new config) is no rollback", () => {
    const node = endpointNode({ modelName: OLD_MODEL, endpointConfigName: NEW_CONFIG });
    const history = deploymentHistory(
      [deployed(OLD_MODEL, "2026-11-02T00:00:00Z", true)],
      OLD_MODEL,
      OLD_MODEL,
    );
    const change = diffEndpoint(node.spec, {
      name: "pets",
      status: "InService",
      endpointConfigName: OLD_CONFIG,
      instanceType: "ml.m5.large",
      modelName: OLD_MODEL,
      variants: [{ name: "AllTraffic" }],
      ...(history && { history }),
    });
    expect(change.action).toBe("update");
    expect(change.rollback).toBeUndefined();
  });
});

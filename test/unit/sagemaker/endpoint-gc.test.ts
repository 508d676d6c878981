// sagemaker.endpoint after a verified cutover: superseded endpoint configs and models beyond
// `keep` are deleted; never the live one, the one it replaced, or a model a kept config serves.
import { describe, expect, it } from "vitest";
import { awsError } from "../engine/helpers.js";
import { fakeSageMaker, type FakeSageMaker } from "./fake-sagemaker.js";
import { apply } from "./harness.js";
import { endpointNode } from "./nodes.js";

describe("sagemaker.endpoint: garbage collection after a verified cutover", () => {
  /** 6 generations, oldest first: epc/model ...01 to ...06; the endpoint on ...05, deploying ...06. */
  function history(): FakeSageMaker {
    const aws = fakeSageMaker();
    for (let i = 1; i <= 6; i++) {
      const id = String(i).padStart(8, "0");
      aws.addConfig(`pets-epc-${id}`, `pets-model-${id}`, "ml.m5.large", i * 1000);
    }
    aws.addEndpoint("pets", "pets-epc-00000005");
    // Another project whose name contains ours, and something not derived by us.
    aws.addConfig("xpets-epc-00000001", "xpets-model-00000001", "ml.m5.large", 10);
    aws.addConfig("pets-epc-handmade", "pets-model-handmade", "ml.m5.large", 11);
    return aws;
  }
  const node = (keep: number) =>
    endpointNode({
      keep,
      autoscaling: undefined,
      endpointConfigName: "pets-epc-00000006",
      modelName: "pets-model-00000006",
    });

  it("keeps the live one plus `keep` superseded ones (the replaced one first), deletes the rest", async () => {
    const aws = history();
    const { step } = await apply(aws, node(2));
    expect(step.status).toBe("done");
    expect([...aws.configs.keys()].sort()).toEqual([
      "pets-epc-00000004",
      "pets-epc-00000005",
      "pets-epc-00000006",
      "pets-epc-handmade",
      "xpets-epc-00000001",
    ]);
    expect([...aws.models.keys()].sort()).toEqual([
      "pets-model-00000004",
      "pets-model-00000005",
      "pets-model-00000006",
      "pets-model-handmade",
      "xpets-model-00000001",
    ]);
    expect(aws.inputs("sagemaker:ListEndpointConfigs")[0]).toMatchObject({
      NameContains: "pets-epc-",
      SortBy: "CreationTime",
    });
  });

  it("never deletes the live config or the one it replaced, even when they are the oldest", async () => {
    const aws = history();
    aws.endpoints.clear();
    aws.addEndpoint("pets", "pets-epc-00000001");
    const gcNode = endpointNode({
      keep: 1,
      autoscaling: undefined,
      endpointConfigName: "pets-epc-00000002",
      modelName: "pets-model-00000002",
    });
    const { step } = await apply(aws, gcNode);
    expect(step.status).toBe("done");
    const ours = [...aws.configs.keys()].filter((n) => n.startsWith("pets-epc-0")).sort();
    expect(ours).toEqual(["pets-epc-00000001", "pets-epc-00000002"]);
  });

  it("keeps a model that a kept config serves even beyond `keep` models", async () => {
    const aws = history();
    // The replaced config ...05 serves model ...01 (an instance-type change kept the model).
    aws.configs.set("pets-epc-00000005", {
      instanceType: "ml.m5.large",
      model: "pets-model-00000001",
      variant: "AllTraffic",
      created: 5000,
    });
    await apply(aws, node(1));
    expect(aws.models.has("pets-model-00000001")).toBe(true);
    expect(aws.configs.has("pets-epc-00000005")).toBe(true);
  });

  it("a cleanup error is a warning; the deployment stands", async () => {
    const aws = history();
    aws.failNext(
      "sagemaker:DeleteEndpointConfig",
      awsError("AccessDeniedException", "not allowed"),
      10,
    );
    const { step } = await apply(aws, node(1));
    expect(step.status).toBe("done");
    expect(
      aws.ctx.logger.lines.some((l) =>
        l.startsWith("warn: could not delete superseded endpoint config"),
      ),
    ).toBe(true);
  });
});

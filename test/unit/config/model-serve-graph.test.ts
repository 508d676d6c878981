// What model.serve does to the graph and the policies: no training run (unless `mlops train`
// asks for one), a model serving the artifact under the adopted names, a SageMaker role that
// may read exactly that artifact and pull exactly that image, CI roles that may tag exactly the
// adopted model and endpoint config and ask where the artifact's bucket is; and training code
// that is not there yet is a warning, not an error, while nothing trains.
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, loadConfigWithWarnings } from "../../../actions/src/config/load.js";
import type { Config } from "../../../actions/src/config/types.js";
import { buildGraph } from "../../../actions/src/graph/build-graph.js";
import { ciPolicy } from "../../../actions/src/graph/ci-policies.js";
import type { RoleSpec } from "../../../actions/src/graph/iam-nodes.js";
import type { EndpointConfigSpec, ModelSpec } from "../../../actions/src/graph/sagemaker-nodes.js";
import { withTrainingOverrides } from "../../../actions/src/graph/train-run.js";
import { isAllowed } from "../../support/iam-evaluator.js";
import { BASE_CONFIG, makeWorkspace, sub } from "./helpers.js";

const ACCOUNT = "111122223333";
const ARTIFACT = "s3://hand-made-models/pets-2024/output/model.tar.gz";
const IMAGE = "999988887777.dkr.ecr.eu-west-1.amazonaws.com/pets-inference:v3";
const SERVE = `model:
  serve:
    artifact: ${ARTIFACT}
    image: ${IMAGE}
    environment: { SAGEMAKER_PROGRAM: serve.py }
    adopt: { model: Pets-Model-2024, endpointConfig: pets-config-2024 }
`;
const GATE = "model:\n  qualityGate: { metric: test:accuracy, min: 0.7 }\n";

const w = makeWorkspace();
afterAll(() => {
  w.remove();
});

const served = (edit: (t: string) => string = (t) => t): Config =>
  loadConfig(w.write("mlops.yaml", edit(sub(GATE, SERVE)(BASE_CONFIG))));

const spec = (config: Config, address: string): unknown =>
  buildGraph(config, { account: ACCOUNT }).nodes.find((n) => n.address === address)?.spec;

describe("model.serve in the graph", () => {
  it("serves the artifact without a training run, under the adopted names", () => {
    const config = served();
    const graph = buildGraph(config, { account: ACCOUNT });
    expect(graph.nodes.map((n) => n.kind)).not.toContain("training.run");
    const model = graph.nodes.find((n) => n.address === "sagemaker.model.main");
    expect(model?.dependsOn).toEqual(["iam.role.sagemaker"]);
    expect(model?.spec).toMatchObject({
      image: IMAGE,
      served: {
        artifact: ARTIFACT,
        environment: { SAGEMAKER_PROGRAM: "serve.py" },
        adopt: { name: "Pets-Model-2024" },
      },
    } satisfies Partial<ModelSpec>);
    expect((spec(config, "sagemaker.endpoint-config.main") as EndpointConfigSpec).adopt).toEqual({
      name: "pets-config-2024",
    });
  });

  it("trains and serves the trained model when `mlops train` runs", () => {
    const config = withTrainingOverrides(served(), { hyperparameters: {} });
    const graph = buildGraph(config, { account: ACCOUNT });
    expect(graph.nodes.map((n) => n.kind)).toContain("training.run");
    const model = spec(config, "sagemaker.model.main") as ModelSpec;
    expect(model.served).toBeUndefined();
    expect(model.image).toContain("pytorch-inference");
  });
});

describe("model.serve in the policies", () => {
  const config = served();
  const graph = buildGraph(config, { account: ACCOUNT });
  const role = graph.nodes.find((n) => n.address === "iam.role.sagemaker")?.spec as RoleSpec;
  const allows = (policy: RoleSpec["policy"], action: string, resource: string): boolean =>
    isAllowed(policy, { action, resource, context: {}, because: "test" });

  it("lets the SageMaker role read exactly the artifact and pull exactly the image", () => {
    expect(
      allows(
        role.policy,
        "s3:GetObject",
        "arn:aws:s3:::hand-made-models/pets-2024/output/model.tar.gz",
      ),
    ).toBe(true);
    expect(
      allows(role.policy, "s3:GetObject", "arn:aws:s3:::hand-made-models/other/model.tar.gz"),
    ).toBe(false);
    expect(
      allows(
        role.policy,
        "ecr:BatchGetImage",
        "arn:aws:ecr:eu-west-1:999988887777:repository/pets-inference",
      ),
    ).toBe(true);
    expect(
      allows(
        role.policy,
        "ecr:BatchGetImage",
        "arn:aws:ecr:eu-west-1:999988887777:repository/other",
      ),
    ).toBe(false);
  });

  it("lets the CI roles tag exactly the adopted model and config, and locate the artifact", () => {
    const deploy = ciPolicy(config, graph, "deploy");
    const plan = ciPolicy(config, graph, "plan");
    const sagemaker = (resource: string) => `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:${resource}`;
    // SageMaker has answered with lowercase ARNs and with the name's own case: both are granted.
    expect(allows(deploy, "sagemaker:AddTags", sagemaker("model/pets-model-2024"))).toBe(true);
    expect(allows(deploy, "sagemaker:AddTags", sagemaker("model/Pets-Model-2024"))).toBe(true);
    expect(allows(deploy, "sagemaker:AddTags", sagemaker("endpoint-config/pets-config-2024"))).toBe(
      true,
    );
    expect(allows(deploy, "sagemaker:AddTags", sagemaker("model/someone-elses-model"))).toBe(false);
    expect(allows(plan, "sagemaker:ListTags", sagemaker("model/pets-model-2024"))).toBe(true);
    expect(allows(plan, "sagemaker:AddTags", sagemaker("model/pets-model-2024"))).toBe(false);
    expect(allows(plan, "s3:GetBucketLocation", "arn:aws:s3:::hand-made-models")).toBe(true);
    expect(
      allows(plan, "s3:GetObject", "arn:aws:s3:::hand-made-models/pets-2024/output/model.tar.gz"),
    ).toBe(false);
  });
});

describe("training code while a model is served", () => {
  it("is a warning at its line, not an error, since nothing trains", () => {
    const { warnings } = loadConfigWithWarnings(
      w.write(
        "mlops.yaml",
        sub("sourceDir: training", "sourceDir: not-yet")(sub(GATE, SERVE)(BASE_CONFIG)),
      ),
    );
    expect(warnings).toContainEqual(
      expect.objectContaining({
        path: "training.sourceDir",
        message: expect.stringContaining("mlops train needs it") as unknown,
      }),
    );
  });
});

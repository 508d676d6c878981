// The pure parts of adoption and `mlops import`: what a policy grants in words, where a model's
// artifact says its training job is, a role's name and path from its ARN, and the config
// written from what was read (every guess commented, every value valid YAML).
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  roleFromArn,
  trainingJobOfArtifact,
  type ImportedProject,
} from "../../../actions/src/import/read-project.js";
import { renderImportedConfig } from "../../../actions/src/import/render-config.js";
import { grantsOf } from "../../../actions/src/resources/iam/role-permissions.js";
import { loadConfigWithWarnings } from "../../../actions/src/config/load.js";
import { makeWorkspace } from "../config/helpers.js";

const workspace = makeWorkspace();
afterAll(() => {
  workspace.remove();
});

/** The endpoint every case reads: one ml.m5.large serving the variant AllTraffic. */
const ENDPOINT = {
  name: "dogs",
  variantName: "AllTraffic",
  instanceType: "ml.m5.large",
  initialInstanceCount: 1,
};

/** The config `mlops import` writes for `imported`, in a project "dogs" of us-east-1. */
const render = (imported: ImportedProject): string =>
  renderImportedConfig({
    project: "dogs",
    region: "us-east-1",
    account: "123456789012",
    schema: "../schemas/mlops.schema.json",
    imported,
  });

/** What `mlops validate` says of a written config: it must load (warnings allowed). */
const validates = (text: string): void => {
  expect(() => loadConfigWithWarnings(workspace.write("mlops.yaml", text))).not.toThrow();
};

describe("grantsOf", () => {
  it("says each statement's effect, actions, resources, principal and conditions", () => {
    expect(
      grantsOf({
        Statement: [
          { Effect: "Allow", Action: ["sagemaker:*"], Resource: ["*"] },
          { Effect: "Deny", NotAction: ["s3:GetObject"], NotResource: ["arn:aws:s3:::b/*"] },
          {
            Effect: "Allow",
            Principal: { Service: "apigateway.amazonaws.com" },
            Action: "lambda:InvokeFunction",
            Resource: "arn:aws:lambda:us-east-1:123456789012:function:f",
            Condition: { ArnLike: { "AWS:SourceArn": "arn:aws:execute-api:*" } },
          },
        ],
      }),
    ).toEqual([
      "Allow sagemaker:* on *",
      "Deny every action but s3:GetObject on everything but arn:aws:s3:::b/*",
      "Allow lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:f, to apigateway.amazonaws.com (with conditions)",
    ]);
    expect(grantsOf(undefined)).toEqual([]);
  });
});

describe("import helpers", () => {
  it("finds the training job in SageMaker's artifact layout, and nothing elsewhere", () => {
    expect(
      trainingJobOfArtifact("s3://dogs-data/pytorch-training-2024-01-01/output/model.tar.gz"),
    ).toBe("pytorch-training-2024-01-01");
    expect(trainingJobOfArtifact("s3://dogs-data/runs/job-7/output/model.tar.gz")).toBe("job-7");
    expect(trainingJobOfArtifact("s3://dogs-data/models/model.tar.gz")).toBeUndefined();
  });

  it("reads a role's name and path from its ARN", () => {
    expect(roleFromArn("arn:aws:iam::123456789012:role/service-role/Exec-1")).toEqual({
      name: "Exec-1",
      path: "/service-role/",
    });
    expect(roleFromArn("arn:aws:iam::123456789012:role/plain")).toEqual({
      name: "plain",
      path: "/",
    });
    expect(roleFromArn("not an arn")).toBeUndefined();
  });

  it("writes valid YAML that says what it guessed, quoting what YAML would misread", () => {
    const imported: ImportedProject = {
      endpoint: {
        ...ENDPOINT,
        configName: "dogs-config",
        dataCapture: {
          samplingPercentage: 20,
          destination: "s3://dogs-data/capture/",
          capture: ["request", "response"],
        },
      },
      autoscaling: {
        minCapacity: 1,
        maxCapacity: 3,
        targetInvocationsPerInstance: 20,
        scaleInCooldownSeconds: 30,
        scaleOutCooldownSeconds: 30,
        disableScaleIn: false,
      },
      model: {
        name: "m",
        artifact: "s3://dogs-data/j/output/model.tar.gz",
        image: "i",
        environment: { SAGEMAKER_PROGRAM: "inference.py" },
      },
      training: {
        job: "j",
        instanceType: "ml.m5.xlarge",
        instanceCount: 1,
        volumeSizeGB: 30,
        hyperparameters: { yes: "no", "lr: 1": 0.1 },
      },
      data: { bucket: "dogs-data", prefix: "dogImages/" },
      guesses: { training: "from the training job j" },
    };
    const text = render(imported);
    expect(text).toContain("# GUESS: from the training job j");
    expect(text).toContain("# GUESS: the job does not name its entry point");
    const config = parse(text) as Record<string, Record<string, unknown>>;
    expect(config["training"]?.["hyperparameters"]).toEqual({ yes: "no", "lr: 1": 0.1 });
    expect(config["endpoint"]?.["autoscaling"]).toEqual({
      minCapacity: 1,
      maxCapacity: 3,
      targetInvocationsPerInstance: 20,
      scaleInCooldown: "30s",
      scaleOutCooldown: "30s",
    });
    expect(config["lambda"]).toBeUndefined();
    // The endpoint keeps serving what it serves, through the model and config it has.
    expect(config["model"]?.["serve"]).toEqual({
      artifact: "s3://dogs-data/j/output/model.tar.gz",
      image: "i",
      environment: { SAGEMAKER_PROGRAM: "inference.py" },
      adopt: { model: "m", endpointConfig: "dogs-config" },
    });
    // Captures in the data bucket keep their prefix; the first plan adds no alarms.
    expect(config["endpoint"]?.["dataCapture"]).toEqual({
      samplingPercentage: 20,
      capture: ["request", "response"],
      prefix: "capture/",
    });
    expect(config["monitoring"]).toEqual({ alarms: false });
    validates(text);
  });

  it("says when the data capture goes elsewhere than the data bucket", () => {
    const text = render({
      endpoint: {
        ...ENDPOINT,
        configName: "c",
        dataCapture: {
          samplingPercentage: 5,
          destination: "s3://logs/dogs",
          capture: ["request"],
        },
      },
      model: { name: "m", artifact: "s3://dogs-data/model.tar.gz", image: "i", environment: {} },
      data: { bucket: "dogs-data", prefix: "" },
      guesses: {},
    });
    expect(text).toContain("# GUESS: it captures to s3://logs/dogs now");
    const config = parse(text) as Record<string, Record<string, unknown>>;
    expect(config["endpoint"]?.["dataCapture"]).toMatchObject({ prefix: "data-capture/" });
    // No variables is written as none: mlops would otherwise give the container its own.
    expect(config["model"]?.["serve"]).toMatchObject({ environment: {} });
    validates(text);
  });

  it("writes only what validates: a key alias, 0% sampling, several variants", () => {
    const text = render({
      endpoint: {
        ...ENDPOINT,
        variantName: "A",
        configName: "c",
        dataCapture: {
          samplingPercentage: 0,
          // The SDK's form, without the final slash, in the data bucket.
          destination: "s3://dogs-data/capture",
          capture: ["request"],
          kmsKeyArn: "alias/captures",
        },
      },
      model: { name: "m", artifact: "s3://dogs-data/model.tar.gz", image: "i", environment: {} },
      data: { bucket: "dogs-data", prefix: "" },
      guesses: { "endpoint.variantName": "the endpoint has 2 variants" },
    });
    expect(text).toContain("# GUESS: it encrypts captures with alias/captures");
    expect(text).toContain("# GUESS: it samples 0% now");
    expect(text).toContain("# GUESS: c is not adopted: it has several variants");
    const config = parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    expect(config["endpoint"]?.["dataCapture"]).toEqual({
      samplingPercentage: 1,
      capture: ["request"],
      prefix: "capture/",
    });
    expect(config["model"]?.["serve"]?.["adopt"]).toEqual({ model: "m" });
    validates(text);
  });
  it("keeps the model's role's path when the roles are under different ones", () => {
    const text = render({
      endpoint: {
        ...ENDPOINT,
        configName: "c",
      },
      model: {
        name: "m",
        artifact: "s3://dogs-data/model.tar.gz",
        image: "i",
        environment: {},
        role: { name: "sm", path: "/service-role/" },
      },
      lambda: {
        name: "fn",
        runtime: "python3.12",
        memory: 128,
        timeoutSeconds: 3,
        architecture: "x86_64",
        environment: {},
        role: { name: "fn-role", path: "/" },
      },
      data: { bucket: "dogs-data", prefix: "" },
      guesses: {},
    });
    expect(text).toContain("# GUESS: the roles are under /service-role/ and /;");
    const config = parse(text) as Record<string, Record<string, unknown>>;
    expect(config["iam"]).toMatchObject({
      path: "/service-role/",
      roleNames: { sagemaker: "sm", lambda: "fn-role" },
    });
  });
});

// The Lambda capability's nodes: addresses, dependencies, and specs derived from the config.
import { describe, expect, it } from "vitest";
import {
  ALIAS,
  FUNCTION,
  LOG_GROUP,
  PROVISIONED_CONCURRENCY,
  RESERVED_CONCURRENCY,
  type AliasSpec,
  type FunctionSpec,
} from "../../../actions/src/graph/lambda-nodes.js";
import { lambdaConfig, lambdaGraph } from "./harness.js";

const byAddress = (config = lambdaConfig()) =>
  Object.fromEntries(lambdaGraph(config).nodes.map((n) => [n.address, n]));

describe("Lambda nodes", () => {
  it("splits function, alias, concurrency and log group, each waiting for what it needs", () => {
    const nodes = byAddress();
    expect(
      Object.fromEntries(
        Object.values(nodes).map((n) => [n.address, [n.kind, n.name, n.dependsOn]]),
      ),
    ).toEqual({
      [LOG_GROUP]: ["logs.log-group", "/aws/lambda/pets-inference", []],
      [FUNCTION]: ["lambda.function", "pets-inference", ["iam.role.lambda", LOG_GROUP]],
      [ALIAS]: ["lambda.alias", "pets-inference:live", [FUNCTION]],
      [RESERVED_CONCURRENCY]: ["lambda.reserved-concurrency", "pets-inference", [FUNCTION]],
      [PROVISIONED_CONCURRENCY]: [
        "lambda.provisioned-concurrency",
        "pets-inference:live",
        [ALIAS, RESERVED_CONCURRENCY],
      ],
    });
    expect(nodes[PROVISIONED_CONCURRENCY]?.spec).toEqual({
      functionName: "pets-inference",
      qualifier: "live",
      concurrency: 2,
    });
    expect(nodes[LOG_GROUP]?.spec).toEqual({ retentionDays: 30 });
  });

  it("sets the endpoint name from the config, whatever the user's environment says", () => {
    const spec = byAddress(
      lambdaConfig({ environment: { LOG_LEVEL: "debug", MLOPS_ENDPOINT_NAME: "evil" }, topK: 5 }),
    )[FUNCTION]?.spec as FunctionSpec;
    expect(spec.environment).toEqual({
      LOG_LEVEL: "debug",
      MLOPS_ENDPOINT_NAME: "pets",
      MLOPS_TOP_K: "5",
      MLOPS_CORS_ORIGIN: "*",
    });
    expect(spec.role).toBe("arn:aws:iam::123456789012:role/mlops/pets-lambda");
    expect(spec.codeSha256).toBe(""); // filled by prepare(), never by the model
  });

  it("gives the alias the function's versioned fields, so it knows when to publish", () => {
    const nodes = byAddress();
    const fn = nodes[FUNCTION]?.spec as FunctionSpec;
    const alias = nodes[ALIAS]?.spec as AliasSpec;
    const { code, ...version } = fn;
    expect(alias).toEqual({ functionName: "pets-inference", alias: "live", code, version });
  });

  it("leaves out concurrency nodes that are not configured", () => {
    const nodes = byAddress(
      lambdaConfig({ provisionedConcurrency: 0, reservedConcurrency: undefined }),
    );
    expect(Object.keys(nodes).sort()).toEqual([ALIAS, FUNCTION, LOG_GROUP].sort());
    const withoutReserved = byAddress(lambdaConfig({ reservedConcurrency: undefined }));
    expect(withoutReserved[PROVISIONED_CONCURRENCY]?.dependsOn).toEqual([ALIAS]);
  });
});

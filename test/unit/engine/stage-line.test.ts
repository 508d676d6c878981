// What a stage's plan says in one line, for the build stage that keeps what the config served
// before environments: until which environments serve, or that an administrator retires it.
import { describe, expect, it } from "vitest";
import { stageLine } from "../../../actions/src/plan/stage-line.js";

const kept = { resources: ["sagemaker.endpoint.main", "lambda.function.api"], endpoint: "pets" };

describe("the build stage's line", () => {
  it("says what it does, and nothing about kept resources when there are none", () => {
    expect(stageLine({ name: "build" })).toBe(
      "build: trains when its inputs change, registers the run",
    );
  });

  it("says what it keeps and until which environments serve", () => {
    expect(stageLine({ name: "build", kept: { ...kept, until: ["staging", "production"] } })).toBe(
      "build: trains when its inputs change, registers the run; keeps the 2 resources the config served before environments (endpoint pets) until staging, production serve",
    );
    expect(stageLine({ name: "build", kept: { ...kept, until: ["production"] } })).toMatch(
      / until production serves$/,
    );
  });

  it("says an administrator retires them once every environment serves", () => {
    expect(stageLine({ name: "build", kept: { ...kept, until: [] } })).toMatch(
      /every environment serves, and retiring them takes credentials that may delete them/,
    );
  });
});

// A deploy bound to the reviewed plan says what differs when it refuses: with environments also
// the stage's line, which changes while no resource does (an environment started serving, so
// the build stage no longer keeps what the config served before). A digest from an older
// comment, without the line, is still compared by its resources.
import { describe, expect, it } from "vitest";
import {
  commentMarker,
  digestFromComment,
  encodeDigest,
  explainDifference,
  planDigest,
} from "../../../actions/src/github/plan-binding.js";
import type { Plan } from "../../../actions/src/plan/types.js";

const plan = (stage: Plan["stage"], hash: string): Plan => ({
  formatVersion: 4,
  project: "pets",
  region: "us-east-1",
  account: "123456789012",
  configFile: "config/mlops.yaml",
  // One resource, the same in both plans.
  changes: [
    {
      address: "s3.bucket.data",
      kind: "s3.bucket",
      name: "pets-data",
      action: "noop",
      actionReason: "up-to-date",
      reason: "as it is",
      changes: [],
      risk: [],
      dependsOn: [],
      observedDigest: "d",
    },
  ],
  nodes: {},
  observedHash: "o",
  ...(stage && { stage }),
  planHash: hash,
});

const kept = { resources: ["sagemaker.endpoint.main"], endpoint: "pets" };

describe("explainDifference", () => {
  it("names a changed stage line", () => {
    const reviewed = planDigest(
      plan({ name: "build", kept: { ...kept, until: ["production"] } }, "a"),
    );
    const now = planDigest(plan({ name: "build" }, "b"));
    expect(explainDifference(reviewed, now)).toEqual([
      `stage: reviewed "build: trains when its inputs change, registers the run; keeps the 1 resources the config served before environments (endpoint pets) until production serves", now "build: trains when its inputs change, registers the run"`,
    ]);
  });

  it("compares an older comment's digest (no stage line) by its resources alone", () => {
    const { stage: _stage, ...older } = planDigest(
      plan({ name: "build", kept: { ...kept, until: ["staging"] } }, "a"),
    );
    const body = `${commentMarker("config/mlops.yaml")}\n${encodeDigest(older)}`;
    const reviewed = digestFromComment(body, "config/mlops.yaml");
    expect(reviewed?.stage).toBeUndefined();
    expect(explainDifference(older, planDigest(plan({ name: "build" }, "b")))).toEqual([
      "same actions on the same addresses; the plan details differ",
    ]);
  });
});

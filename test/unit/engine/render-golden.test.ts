// Golden files for the three renderings of one representative plan. Regenerate after an
// intended change with: UPDATE_GOLDEN=1 npx vitest run test/unit/engine/render-golden.test.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { planHashOf } from "../../../actions/src/plan/compute.js";
import { renderJson } from "../../../actions/src/plan/render-json.js";
import { renderMarkdown } from "../../../actions/src/plan/render-markdown.js";
import { renderText } from "../../../actions/src/plan/render-text.js";
import {
  PLAN_FORMAT_VERSION,
  defaultActionReason,
  type Plan,
  type PlannedChange,
} from "../../../actions/src/plan/types.js";

const GOLDEN = new URL("../../fixtures/golden/", import.meta.url).pathname;
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

const change = (
  c: Partial<PlannedChange> & Pick<PlannedChange, "address" | "kind" | "name" | "action">,
): PlannedChange => ({
  actionReason: defaultActionReason(c.action),
  reason: "up to date",
  changes: [],
  risk: [],
  dependsOn: [],
  observedDigest: "a".repeat(64),
  ...c,
});

/**
 * Creates, an update with field changes, a replace with risk, an adoption, a refusal, a delete
 * and noops.
 */
export function representativePlan(): Plan {
  const changes: PlannedChange[] = [
    change({
      address: "s3.bucket.data",
      kind: "s3.bucket",
      name: "pets-123456789012-eu-west-1",
      action: "noop",
    }),
    change({
      address: "s3.dataset.data",
      kind: "s3.dataset",
      name: "s3://pets-123456789012-eu-west-1/data/",
      action: "update",
      reason: "the data set changed since the last sync",
      summary: "upload 3 files (60 KB), 117 unchanged",
      changes: [{ path: "manifestHash", before: "1f2e3d4c5b6a", after: "6a5b4c3d2e1f" }],
      dependsOn: ["s3.bucket.data"],
    }),
    change({
      address: "iam.role.sagemaker",
      kind: "iam.role",
      name: "pets-sagemaker",
      action: "update",
      reason: "policy, tags differ",
      changes: [
        {
          path: "policy.Statement",
          before: [
            {
              Sid: "ReadTrainingData",
              Effect: "Allow",
              Action: ["s3:GetObject"],
              Resource: ["arn:aws:s3:::pets-123456789012-eu-west-1/old/*"],
            },
          ],
          after: [
            {
              Sid: "ReadTrainingData",
              Effect: "Allow",
              Action: ["s3:GetObject"],
              Resource: ["arn:aws:s3:::pets-123456789012-eu-west-1/data/*"],
            },
          ],
        },
        { path: "tags.team", before: "ml", after: "ml-platform" },
        { path: "tags.cost-centre", before: undefined, after: "42 | research" },
      ],
    }),
    change({
      address: "iam.role.ec2",
      kind: "iam.role",
      name: "pets-ec2",
      action: "replace",
      reason: "an IAM role's path cannot change in place",
      changes: [{ path: "path", before: "/", after: "/mlops/" }],
      risk: ["replaces", "downtime"],
    }),
    change({
      address: "iam.instance-profile.ec2",
      kind: "iam.instance-profile",
      name: "pets-ec2",
      action: "create",
      reason: "does not exist yet",
      observedDigest: null,
      dependsOn: ["iam.role.ec2"],
    }),
    change({
      address: "iam.role.lambda",
      kind: "iam.role",
      name: "pets-lambda",
      action: "adopt",
      adoptWith: "update",
      reason:
        "exists but was not made by mlops (no ownership tags, not in the state record); adopting it: inlinePolicies, managedPolicies, tags differ",
      summary:
        "removes permissions mlops did not grant: inline policy invoke-anything (Allow sagemaker:* on *), managed policy arn:aws:iam::aws:policy/AmazonSageMakerFullAccess (Allow sagemaker:* on *)",
      changes: [
        {
          path: "inlinePolicies.invoke-anything",
          before: ["Allow sagemaker:* on *"],
          after: undefined,
        },
        {
          path: "managedPolicies.arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
          before: ["Allow sagemaker:* on *"],
          after: undefined,
        },
        { path: "tags.mlops:managed-by", before: undefined, after: "mlops-gitops" },
      ],
      risk: ["adopts"],
    }),
    change({
      address: "sagemaker.endpoint.main",
      kind: "sagemaker.endpoint",
      name: "pets",
      action: "update",
      actionReason: "needs-human",
      reason:
        "the endpoint is UpdateRollbackFailed: mixed fleet (it serves a mix of old and new variants). Apply stops here without touching it; repair it in SageMaker (e.g. update it to a known-good config), then plan again",
      risk: ["downtime"],
    }),
    change({
      address: "s3.bucket.scratch",
      kind: "s3.bucket",
      name: "pets-scratch-<old>",
      action: "delete",
      reason: "no longer in the config",
      risk: ["deletes-data"],
    }),
    change({ address: "iam.role.monitor", kind: "iam.role", name: "pets-monitor", action: "noop" }),
  ];
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: "pets",
    region: "eu-west-1",
    account: "123456789012",
    configFile: "config/mlops.yaml",
    changes,
    nodes: Object.fromEntries(
      changes.map((c) => [
        c.address,
        {
          address: c.address,
          kind: c.kind,
          name: c.name,
          tags: { "mlops:address": c.address },
          spec: {},
          dependsOn: c.dependsOn,
        },
      ]),
    ),
    observedHash: "b".repeat(64),
    planHash: "",
  };
  plan.planHash = planHashOf(plan);
  return plan;
}

function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`missing golden file ${path}; create it with UPDATE_GOLDEN=1`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  // A plain equality check: a failure shows the diff of the two texts.
  expect(actual, `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`).toBe(
    readFileSync(path, "utf8"),
  );
}

describe("plan renderings match their golden files", () => {
  const plan = representativePlan();

  it("text", () => {
    expectGolden("plan.txt", `${renderText(plan)}\n`);
  });

  it("text with colour and unchanged resources", () => {
    expectGolden("plan.colour.txt", `${renderText(plan, { colour: true, showUnchanged: true })}\n`);
  });

  it("markdown", () => {
    expectGolden("plan.md", `${renderMarkdown(plan)}\n`);
  });

  it("json", () => {
    expectGolden("plan.json", renderJson(plan));
  });

  it("the plan hash is stable (it binds reviewers and apply to this exact plan)", () => {
    expect(representativePlan().planHash).toBe(plan.planHash);
    expect(JSON.parse(readFileSync(join(GOLDEN, "plan.json"), "utf8"))).toMatchObject({
      planHash: plan.planHash,
    });
  });
});

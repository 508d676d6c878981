// The CI policies of a config with `environments:` match what each stage calls (issue 18): the
// plan role reads every stage and the registry; the build's deploy role trains and registers
// (and cannot approve); staging's deploys its own resources from the registry; production's also
// approves (promote) and reads what staging serves. Every request is recorded on a private
// emulator and checked against the policy `mlops iam-policy` prints for that role.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../actions/src/graph/iam-policies.js";
import {
  allowedRun,
  printedPolicy,
  REGION,
  startCoverageProject,
  type CoverageProject,
} from "../support/policy-recording.js";

const project = `pcenv${process.pid.toString(36)}`;
let covered: CoverageProject;

const policy = (role: "plan" | "deploy", stage?: string): Promise<PolicyDocument> =>
  printedPolicy(covered.configFile, role, stage);
const allowed = (doc: PolicyDocument, ...argv: string[]): Promise<string[]> =>
  allowedRun(covered.emulator, covered.configFile, doc, argv);

beforeAll(async () => {
  covered = await startCoverageProject(
    "mlops-policy-environments-",
    `version: 1
project: ${project}
region: ${REGION}
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training: { backend: local, sourceDir: ./training, local: { python: python3 } }
model: { qualityGate: { metric: test_accuracy, min: 0.5 } }
endpoint:
  name: ${project}
  autoscaling: { minCapacity: 1, maxCapacity: 2, targetInvocationsPerInstance: 20 }
environments:
  staging: {}
  production: { approval: true }
`,
  );
}, 120_000);

afterAll(() => covered.stop());

describe("per-stage CI roles", () => {
  it("cover exactly what each stage calls", { timeout: 240_000 }, async () => {
    const plan = await policy("plan");
    await allowed(plan, "plan");
    const built = await allowed(await policy("deploy"), "apply", "--auto-approve");
    expect(built).toEqual(
      expect.arrayContaining(["CreateModelPackageGroup", "CreateModelPackage"]),
    );
    expect(built).not.toContain("UpdateModelPackage");
    const staged = await allowed(
      await policy("deploy", "staging"),
      ...["apply", "--env", "staging", "--auto-approve"],
    );
    expect(staged).toEqual(expect.arrayContaining(["ListModelPackages", "CreateEndpoint"]));
    const production = await policy("deploy", "production");
    const promoted = await allowed(production, "promote", "--to", "production", "--auto-approve");
    expect(promoted).toEqual(expect.arrayContaining(["UpdateModelPackage", "CreateEndpoint"]));
    await allowed(plan, "plan");
    await allowed(plan, "models");

    // Only production's role approves; no environment's role trains.
    const actions = (doc: PolicyDocument): string[] => doc.Statement.flatMap((s) => s.Action);
    expect(actions(await policy("deploy"))).not.toContain("sagemaker:UpdateModelPackage");
    expect(actions(await policy("deploy", "staging"))).not.toContain(
      "sagemaker:UpdateModelPackage",
    );
    expect(actions(production)).not.toContain("sagemaker:CreateTrainingJob");
    expect(actions(plan).filter((a) => !/:(Get|List|Describe)/.test(a))).toEqual([]);
  });
});

// The build stage of a config that served before it had environments: what it served then is
// kept (and not even read: the build stage's CI roles may not) while an environment does not
// serve yet; once all serve it is deleted like any orphan, or, when the stage's credentials may
// not read it, kept for an administrator. Orphans of the build stage's own kinds go as usual.
import { describe, expect, it } from "vitest";
import { emptyState } from "../../../actions/src/apply/state-store.js";
import { AwsOperationError } from "../../../actions/src/aws/errors.js";
import { computePlan } from "../../../actions/src/plan/compute.js";
import { noop, type ResourceHandler } from "../../../actions/src/resources/handler.js";
import { awsError, mockedClients, testContext, testNode } from "./helpers.js";

const bucket = testNode("s3.bucket.data", { kind: "test.thing", name: "pets-data" });

function setUp(endpointRead: () => Promise<object>) {
  const reads: string[] = [];
  const thing: ResourceHandler = {
    kind: "test.thing",
    read: (node) => {
      reads.push(node.address);
      return Promise.resolve({});
    },
    diff: () => noop("as it is"),
    create: () => Promise.resolve({}),
    update: () => Promise.resolve({}),
    delete: () => Promise.resolve(),
  };
  const endpoint: ResourceHandler = {
    ...thing,
    kind: "sagemaker.endpoint",
    read: (node) => {
      reads.push(node.address);
      return endpointRead();
    },
  };
  const state = emptyState();
  const entry = (kind: string, name: string) => ({ kind, name, spec: {}, dependsOn: [] });
  state.resources = {
    "s3.bucket.data": entry("test.thing", "pets-data"),
    "sagemaker.endpoint.main": entry("sagemaker.endpoint", "pets"),
    // A build-stage kind the config no longer wants (the runner after a backend change).
    "iam.role.runner": entry("test.thing", "pets-runner"),
  };
  const plan = (waiting: string[]) =>
    computePlan({
      graph: { context: testContext(mockedClients().clients).graph, nodes: [bucket] },
      state,
      handlers: { "test.thing": thing, "sagemaker.endpoint": endpoint },
      ctx: testContext(mockedClients().clients),
      configFile: "mlops.yaml",
      stage: { name: "build" },
      waitingEnvironments: () => Promise.resolve(waiting),
    });
  return { reads, plan };
}

const deletes = (changes: readonly { action: string; address: string }[]): string[] =>
  changes.filter((c) => c.action === "delete").map((c) => c.address);

describe("the build stage and what the config served before environments", () => {
  it("keeps it unread while an environment waits; its own orphans go", async () => {
    const { reads, plan } = setUp(() => Promise.resolve({}));
    const { plan: planned } = await plan(["production"]);
    expect(planned.stage?.kept).toEqual({
      resources: ["sagemaker.endpoint.main"],
      endpoint: "pets",
      until: ["production"],
    });
    expect(reads).not.toContain("sagemaker.endpoint.main");
    expect(deletes(planned.changes)).toEqual(["iam.role.runner"]);
  });

  it("deletes it once every environment serves", async () => {
    const { plan } = setUp(() => Promise.resolve({}));
    const { plan: planned } = await plan([]);
    expect(planned.stage?.kept).toBeUndefined();
    expect(deletes(planned.changes).sort()).toEqual(["iam.role.runner", "sagemaker.endpoint.main"]);
  });

  it("keeps it for an administrator when the stage's credentials may not read it", async () => {
    const denied = new AwsOperationError(
      "reading endpoint pets",
      awsError("AccessDeniedException", "not authorized", 403),
    );
    const { plan } = setUp(() => Promise.reject(denied));
    const { plan: planned } = await plan([]);
    expect(planned.stage?.kept).toEqual({
      resources: ["sagemaker.endpoint.main"],
      endpoint: "pets",
      until: [],
    });
    expect(deletes(planned.changes)).toEqual(["iam.role.runner"]);
  });
});

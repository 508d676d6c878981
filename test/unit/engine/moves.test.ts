// Moves as pure data: the header a reviewer reads, which old resources a move deletes (and which
// the new graph takes over), a version 1 state record brought up to date, and the ARNs the
// orphan listing understands.
import { describe, expect, it } from "vitest";
import { migrateRecord, type ManagedResource } from "../../../actions/src/apply/state-store.js";
import { parseArn } from "../../../actions/src/apply/tagged-resources.js";
import type { Node } from "../../../actions/src/graph/graph.js";
import { describeMove, type Identity } from "../../../actions/src/graph/identity.js";
import { moveLines } from "../../../actions/src/plan/move-text.js";
import { previousNodes, type MoveSource } from "../../../actions/src/plan/moves.js";

const east: Identity = {
  account: "123456789012",
  region: "us-east-1",
  project: "pets",
  iamPath: "/mlops/",
};

const resource = (kind: string, name: string, dependsOn: string[] = []): ManagedResource => ({
  kind,
  name,
  spec: {},
  dependsOn,
});

const node = (address: string, kind: string, name: string): Node => ({
  address,
  kind,
  name,
  spec: {},
  dependsOn: [],
  tags: {},
});

function move(to: Identity): MoveSource {
  return {
    from: east,
    to,
    fromState: "s3://pets-123456789012-us-east-1/.mlops/state.json",
    leftovers: [],
    resources: {
      "iam.role.sagemaker": resource("iam.role", "pets-sagemaker"),
      "s3.bucket.data": resource("s3.bucket", "pets-data"),
      "training.run.main": resource("training.run", "pets (sagemaker)"),
      "sagemaker.endpoint.main": resource("sagemaker.endpoint", "pets-ep", [
        "sagemaker.endpoint-config.main",
      ]),
      "sagemaker.endpoint-config.main": resource("sagemaker.endpoint-config", "pets-epc-1"),
    },
  };
}

const desired = [
  node("iam.role.sagemaker", "iam.role", "pets-sagemaker"),
  node("s3.bucket.data", "s3.bucket", "pets-data"),
  node("sagemaker.endpoint.main", "sagemaker.endpoint", "pets-ep"),
];

describe("moves", () => {
  it("says what changes, in one header", () => {
    expect(describeMove(east, { ...east, region: "us-west-2" })).toBe(
      "moves from us-east-1 to us-west-2",
    );
    expect(describeMove(east, { ...east, project: "pets-v2", iamPath: "/ml/" })).toBe(
      "renames project pets to pets-v2, moves IAM path /mlops/ to /ml/",
    );
    const lines = moveLines({
      from: east,
      to: { ...east, region: "us-west-2" },
      summary: "moves from us-east-1 to us-west-2",
      risk: ["deletes-data", "replaces"],
      fromState: "s3://old/.mlops/state.json",
      leftovers: [{ kind: "model", name: "pets-model-0000000a" }],
    });
    expect(lines[0]).toBe(
      "MOVE: this plan moves from us-east-1 to us-west-2 (risk: deletes-data, replaces).",
    );
    expect(lines).toContain("    - SageMaker model pets-model-0000000a");
  });

  it("a region move deletes the regional resources; global names the new graph keeps stay", () => {
    const old = previousNodes(move({ ...east, region: "us-west-2" }), desired);
    expect(old.map((n) => n.address).sort()).toEqual([
      "previous:sagemaker.endpoint-config.main",
      "previous:sagemaker.endpoint.main",
    ]);
    const endpoint = old.find((n) => n.kind === "sagemaker.endpoint");
    expect(endpoint?.context).toMatchObject({ region: "us-east-1", project: "pets" });
    expect(endpoint?.dependsOn).toEqual(["previous:sagemaker.endpoint-config.main"]);
  });

  it("a rename deletes what the new names replace, and keeps what keeps its name", () => {
    const renamed = [
      node("iam.role.sagemaker", "iam.role", "pets-v2-sagemaker"),
      node("s3.bucket.data", "s3.bucket", "pets-data"),
      node("sagemaker.endpoint.main", "sagemaker.endpoint", "pets-ep"),
    ];
    const old = previousNodes(move({ ...east, project: "pets-v2" }), renamed);
    expect(old.map((n) => n.name).sort()).toEqual(["pets-epc-1", "pets-sagemaker"]);
  });

  it("a version 1 record is read as version 2 with no identity (taken as the current one)", () => {
    const migrated = migrateRecord({ version: 1, resources: {}, training: {}, deployments: [] });
    expect(migrated.version).toBe(2);
    expect(migrated.identity).toBeUndefined();
  });

  it("reads the kind and name of the ARNs the tool's kinds have", () => {
    expect(parseArn("arn:aws:sagemaker:us-east-1:1:endpoint-config/pets-epc-1")).toMatchObject({
      kind: "sagemaker endpoint config",
      name: "pets-epc-1",
    });
    expect(parseArn("arn:aws:lambda:us-east-1:1:function:pets-fn")?.name).toBe("pets-fn");
    expect(parseArn("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/pets-fn:*")?.name).toBe(
      "/aws/lambda/pets-fn",
    );
    expect(parseArn("arn:aws:s3:::pets-data")?.kind).toBe("s3 bucket");
    expect(parseArn("arn:aws:ec2:us-east-1:1:instance/i-1")).toBeUndefined();
  });
});

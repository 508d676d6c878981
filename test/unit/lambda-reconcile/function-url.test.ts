// What the plan says about a Function URL and its public statements (pure diff()): AWS's way of
// leaving out empty CORS lists is no change, a move to auth NONE is said beside the URL, and a
// changed statement is one field the update replaces.
import { describe, expect, it } from "vitest";
import type { Node } from "../../../actions/src/graph/graph.js";
import {
  publicUrlStatements,
  type FunctionUrlSpec,
  type PermissionSpec,
} from "../../../actions/src/graph/lambda-nodes.js";
import { functionUrlHandler } from "../../../actions/src/resources/lambda/function-url.js";
import { permissionHandler } from "../../../actions/src/resources/lambda/permission.js";

const URL = "https://abc123.lambda-url.eu-west-1.on.aws/";
const node = (spec: Partial<FunctionUrlSpec> = {}): Node<FunctionUrlSpec> => ({
  address: "lambda.function-url.api",
  kind: "lambda.function-url",
  name: "pets-inference:live",
  tags: {},
  dependsOn: [],
  spec: { functionName: "pets-inference", qualifier: "live", authType: "AWS_IAM", ...spec },
});
const cors = {
  allowOrigins: ["https://pets.example.com"],
  allowMethods: ["POST"],
  allowHeaders: ["content-type"],
  exposeHeaders: [],
  allowCredentials: false,
  maxAge: 600,
};

describe("lambda.function-url diff", () => {
  it("an unchanged URL is a no-op that still carries the address", () => {
    const change = functionUrlHandler.diff(node({ cors }), { url: URL, authType: "AWS_IAM", cors });
    expect(change).toMatchObject({ action: "noop", summary: URL });
  });

  it("CORS removed from the config is an update of cors only", () => {
    const change = functionUrlHandler.diff(node(), { url: URL, authType: "AWS_IAM", cors });
    expect(change.action).toBe("update");
    expect(change.changes.map((c) => c.path.split(".")[0])).toEqual(
      expect.arrayContaining(["cors"]),
    );
    expect(change.changes.every((c) => c.path.startsWith("cors"))).toBe(true);
  });

  it("going public is said beside the URL", () => {
    const change = functionUrlHandler.diff(node({ authType: "NONE" }), {
      url: URL,
      authType: "AWS_IAM",
    });
    expect(change).toMatchObject({
      action: "update",
      changes: [{ path: "authType", before: "AWS_IAM", after: "NONE" }],
      summary: `${URL} becomes public (auth NONE)`,
    });
  });
});

describe("lambda.permission diff", () => {
  const spec: PermissionSpec = {
    functionName: "pets-inference",
    qualifier: "live",
    statements: publicUrlStatements(),
  };
  const permission: Node<PermissionSpec> = {
    address: "lambda.permission.function-url",
    kind: "lambda.permission",
    name: "pets-inference:live",
    tags: {},
    dependsOn: [],
    spec,
  };
  const bySid = Object.fromEntries(spec.statements.map((s) => [s.sid, s]));

  it("both statements present: no-op", () => {
    expect(permissionHandler.diff(permission, { statements: bySid }).action).toBe("noop");
  });

  it("one missing: an update naming that statement", () => {
    const { "mlops-public-url-invoke": _gone, ...rest } = bySid;
    const change = permissionHandler.diff(permission, { statements: rest });
    expect(change.action).toBe("update");
    expect(change.changes.map((c) => c.path.split(".")[0])).toEqual(["mlops-public-url-invoke"]);
  });

  it("grants only through the URL: InvokeFunctionUrl with auth NONE, InvokeFunction via the URL", () => {
    expect(publicUrlStatements()).toEqual([
      expect.objectContaining({ action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "NONE" }),
      expect.objectContaining({ action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }),
    ]);
  });
});

// Taking over a resource makes its tags exactly the tool's, except the ones a service set itself:
// AWS's (`aws:`) and SageMaker's on what Studio, a SageMaker project or the SDK made, which an
// adopted model or endpoint config may carry and which are not the tool's to remove.
import { describe, expect, it } from "vitest";
import { noop } from "../../../actions/src/resources/handler.js";
import { withTagChange } from "../../../actions/src/resources/sagemaker/sagemaker-tags.js";
import { tagDelta } from "../../../actions/src/resources/tags.js";

const OURS = { "mlops:project": "dogs", "mlops:managed-by": "mlops-gitops" };

describe("tags on adoption", () => {
  it("sets the tool's, removes the user's, keeps the services' own", () => {
    const current = {
      "sagemaker:project-name": "dogs-studio",
      "sagemaker-sdk:jumpstart-model-id": "x",
      "aws:cloudformation:stack-name": "s",
      team: "ml",
    };
    expect(tagDelta(current, OURS)).toEqual({ set: OURS, remove: ["team"] });
  });

  it("plans no change for a service's own tags once the tool's are there", () => {
    const observed = { ...OURS, "sagemaker:domain-arn": "arn:aws:sagemaker:us-east-1:1:domain/d" };
    const change = withTagChange(noop("immutable"), OURS, observed);
    expect(change.action).toBe("noop");
    const adopting = withTagChange(noop("immutable"), OURS, {
      "sagemaker:domain-arn": "d",
      team: "ml",
    });
    expect(adopting.action).toBe("update");
    expect(adopting.changes.map((c) => c.path).sort()).toEqual([
      "tags.mlops:managed-by",
      "tags.mlops:project",
      "tags.team",
    ]);
  });
});

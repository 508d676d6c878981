// Taking over a SageMaker model or endpoint config makes its tags exactly the tool's, except the
// ones a service set itself: AWS's (`aws:`) and SageMaker's on what Studio, a SageMaker project
// or the SDK made, which are not the tool's to plan or remove.
import { describe, expect, it } from "vitest";
import type { Node } from "../../../actions/src/graph/graph.js";
import { noop } from "../../../actions/src/resources/handler.js";
import {
  readSageMakerTags,
  withTagChange,
} from "../../../actions/src/resources/sagemaker/sagemaker-tags.js";
import { fakeSageMaker } from "../sagemaker/fake-sagemaker.js";

const OURS = { "mlops:project": "pets", "mlops:managed-by": "mlops-gitops" };
const ARN = "arn:aws:sagemaker:us-east-1:123456789012:model/hand-made";
const node = { name: "hand-made", tags: OURS } as unknown as Node;

describe("tags of an adopted SageMaker resource", () => {
  it("plans the tool's tags and the user's removed, never the services' own", async () => {
    const aws = fakeSageMaker();
    aws.tagged.set(ARN, {
      "sagemaker:project-name": "pets-studio",
      "sagemaker-sdk:jumpstart-model-id": "x",
      "aws:cloudformation:stack-name": "s",
      team: "ml",
    });
    const observed = await readSageMakerTags("model", node, aws.ctx, ARN);
    expect(observed).toEqual({ team: "ml" });
    const adopting = withTagChange(noop("immutable"), OURS, observed);
    expect(adopting.action).toBe("update");
    expect(adopting.changes.map((c) => c.path).sort()).toEqual([
      "tags.mlops:managed-by",
      "tags.mlops:project",
      "tags.team",
    ]);
  });

  it("plans nothing once the tool's are there beside the services' own", async () => {
    const aws = fakeSageMaker();
    aws.tagged.set(ARN, { ...OURS, "sagemaker:domain-arn": "d" });
    const observed = await readSageMakerTags("model", node, aws.ctx, ARN);
    expect(withTagChange(noop("immutable"), OURS, observed).action).toBe("noop");
  });
});

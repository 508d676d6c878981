// How `mlops invoke` shows the function's answer: labels as a table, and the function's own
// words (or AWS's) when it refuses.
import { describe, expect, it } from "vitest";
import { predictionsOf, predictionsTable } from "../../../actions/src/invoke/predictions.js";
import { functionUrlRegion } from "../../../actions/src/invoke/function-url-client.js";

describe("mlops invoke output", () => {
  it("a table of labels, probabilities as percentages", () => {
    const predictions = predictionsOf(
      200,
      JSON.stringify({ predictions: [{ label: "beagle", index: 3, probability: 0.875 }] }),
    );
    expect(predictionsTable(predictions)).toBe("LABEL   PROBABILITY\nbeagle   87.5%");
  });

  it("the function's error message, and what an AWS_IAM refusal needs", () => {
    expect(() =>
      predictionsOf(400, JSON.stringify({ error: { code: "x", message: "not an image" } })),
    ).toThrow("the Function URL answered 400: not an image");
    expect(() => predictionsOf(403, '{"Message":"Forbidden"}')).toThrow(
      /403: Forbidden \(AWS_IAM: the credentials need lambda:InvokeFunctionUrl/,
    );
  });

  it("signs for the region in the URL's host, and refuses other hosts", () => {
    expect(functionUrlRegion(new URL("https://abc.lambda-url.eu-west-1.on.aws/"))).toBe(
      "eu-west-1",
    );
    expect(() => functionUrlRegion(new URL("https://example.com/"))).toThrow(
      "is not a Lambda Function URL",
    );
  });
});

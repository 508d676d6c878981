// The retrain workflow's hyperparameters input reaches training as data; parsed strictly so a
// value cannot carry another argument (a newline, a leading "-") or an odd name.
import { describe, expect, it } from "vitest";
import { InputError, parseHyperparameters } from "../../../actions/src/github/inputs.js";

const parse = (text: string) => parseHyperparameters("hyperparameters", text);

describe("the hyperparameters input", () => {
  it("takes a YAML or JSON mapping of scalars", () => {
    expect(parse('{"epochs": 5, "learning-rate": 0.01, "pretrained": false}')).toEqual({
      epochs: 5,
      "learning-rate": 0.01,
      pretrained: false,
    });
    expect(parse("epochs: 5\narch: resnet18\nwarmup: -1")).toEqual({
      epochs: 5,
      arch: "resnet18",
      warmup: -1,
    });
    expect(parse("")).toEqual({});
  });

  it.each([
    [
      '{"epochs":"5\\n--config=config/full.example.yaml\\n--backend=sagemaker"}',
      "control character",
    ],
    ['{"epochs":"5\\r--force"}', "control character"],
    ['{"arch":"--config=other.yaml"}', 'must not start with "-"'],
    ['{"--config":"x"}', "is not a hyperparameter name"],
    ['{"a b":1}', "is not a hyperparameter name"],
    ['{"k=v":1}', "is not a hyperparameter name"],
    ['{"e\\npochs":1}', "is not a hyperparameter name"],
    [`{"arch":"${"x".repeat(300)}"}`, "longer than 256"],
    ['{"epochs":[1,2]}', "must be a string, number or boolean"],
    ['{"epochs":null}', "must be a string, number or boolean"],
    ["[1, 2]", "must be a mapping"],
  ])("refuses %s", (text, message) => {
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(message);
  });
});

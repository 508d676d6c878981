import { describe, expect, it } from "vitest";
import { parseModelOutput, softmax, topK } from "../../../lambda/src/predictions.js";

const encode = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describe("parseModelOutput", () => {
  it("reads training/inference.py's shape: a top-k list per image and the raw scores", () => {
    const body = {
      predictions: [
        [
          { label: "002.Square_blue", index: 1, probability: 0.7 },
          { label: "001.Circle_red", index: 0, probability: 0.2 },
          { label: "003.Triangle_green", index: 2, probability: 0.1 },
        ],
      ],
      scores: [[0.5, 1.7, -0.2]],
    };
    const out = parseModelOutput(Buffer.from(JSON.stringify(body)), 2);
    expect(out.predictions.map((p) => p.label)).toEqual(["002.Square_blue", "001.Circle_red"]);
    expect(out.scores).toEqual([0.5, 1.7, -0.2]);
  });

  it("reads the inference.py shape and keeps k entries, highest first", () => {
    const output = parseModelOutput(
      encode({
        predictions: [
          {
            top_k: [
              { label: "b", index: 1, probability: 0.2 },
              { label: "a", index: 0, probability: 0.7 },
              { index: 2, probability: 0.1 },
            ],
            scores: [2, 3, 1],
          },
        ],
      }),
      2,
    );
    expect(output).toEqual({
      predictions: [
        { label: "a", index: 0, probability: 0.7 },
        { label: "b", index: 1, probability: 0.2 },
      ],
      scores: [2, 3, 1],
    });
  });

  it("computes top-k from scores when top_k is missing", () => {
    const output = parseModelOutput(encode({ predictions: [{ scores: [0, 10, 0] }] }), 1);
    expect(output.predictions).toEqual([
      { label: "1", index: 1, probability: expect.closeTo(1, 3) as unknown },
    ]);
  });

  it("accepts [[...]], [...] and {predictions: [[...]]}", () => {
    for (const shape of [[[1, 2, 3]], [1, 2, 3], { predictions: [[1, 2, 3]] }]) {
      const output = parseModelOutput(encode(shape), 3);
      expect(output.scores).toEqual([1, 2, 3]);
      expect(output.predictions.map((p) => p.index)).toEqual([2, 1, 0]);
    }
  });

  it("does not re-softmax scores that already are probabilities", () => {
    expect(topK([0.1, 0.6, 0.3], 2)).toEqual([
      { label: "1", index: 1, probability: 0.6 },
      { label: "2", index: 2, probability: 0.3 },
    ]);
  });

  it("rejects a top_k entry without index", () => {
    expect(() =>
      parseModelOutput(encode({ predictions: [{ top_k: [{ probability: 1 }] }] }), 3),
    ).toThrow(/unexpected response/);
  });
});

describe("softmax", () => {
  it("is stable for large logits and sums to 1", () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeGreaterThan(p[1] ?? 1);
  });
});

// Reads the model endpoint's answer. These shapes are accepted:
//   {"predictions":[[{"label","index","probability"}...]],"scores":[[...]]}  (training/inference.py)
//   {"predictions":[{"top_k":[{"label","index","probability"}...],"scores":[...]}]}
//   [[score, ...]]  (or a flat [score, ...], or {"predictions":[[...]]}: raw logits, as the
//                    original container returned)
// When top_k is missing it is computed here: softmax over the scores (unless they already are
// probabilities), highest first, label = String(index) since the class names are unknown.
import { HttpError } from "./errors.js";

export interface Prediction {
  readonly label: string;
  readonly index: number;
  readonly probability: number;
}

export interface ModelOutput {
  readonly predictions: readonly Prediction[];
  readonly scores: readonly number[];
}

const unexpected = (why: string): HttpError =>
  new HttpError(
    502,
    "bad_endpoint_response",
    `the model endpoint returned an unexpected response (${why})`,
  );

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function numbers(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((v) => typeof v === "number" && Number.isFinite(v))
    ? (value as number[])
    : undefined;
}

/** A score row from [[...]] or [...]. */
function scoreRow(value: unknown): number[] | undefined {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) return numbers(value[0]);
  return numbers(value);
}

export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const looksLikeProbabilities = (scores: readonly number[]): boolean =>
  scores.every((s) => s >= 0 && s <= 1) && Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-3;

export function topK(scores: readonly number[], k: number): Prediction[] {
  const probabilities = looksLikeProbabilities(scores) ? [...scores] : softmax(scores);
  return probabilities
    .map((probability, index) => ({ label: String(index), index, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

function readTopK(value: unknown): Prediction[] {
  if (!Array.isArray(value)) throw unexpected("top_k is not a list");
  return value.map((entry): Prediction => {
    if (!isObject(entry)) throw unexpected("top_k entry is not an object");
    const { index, probability, label } = entry;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0) {
      throw unexpected("top_k entry has no valid index");
    }
    if (typeof probability !== "number" || !Number.isFinite(probability)) {
      throw unexpected("top_k entry has no valid probability");
    }
    return {
      label: typeof label === "string" && label !== "" ? label : String(index),
      index,
      probability,
    };
  });
}

export function parseModelOutput(body: Uint8Array, k: number): ModelOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString("utf8")) as unknown;
  } catch {
    throw unexpected("not JSON");
  }
  const row = scoreRow(parsed);
  if (row !== undefined) return { predictions: topK(row, k), scores: row };

  if (!isObject(parsed) || !Array.isArray(parsed.predictions) || parsed.predictions.length === 0) {
    throw unexpected("no predictions");
  }
  const first: unknown = parsed.predictions[0];
  const bare = scoreRow(parsed.predictions);
  if (bare !== undefined) return { predictions: topK(bare, k), scores: bare };
  if (Array.isArray(first)) {
    // One top-k list per image, with the raw scores beside them.
    const scores = parsed.scores === undefined ? [] : scoreRow(parsed.scores);
    if (scores === undefined) throw unexpected("scores is not a list of numbers");
    const predictions = readTopK(first)
      .sort((a, b) => b.probability - a.probability || a.index - b.index)
      .slice(0, k);
    return { predictions, scores };
  }
  if (!isObject(first)) throw unexpected("prediction is not an object");

  const scores = first.scores === undefined ? [] : numbers(first.scores);
  if (scores === undefined) throw unexpected("scores is not a list of numbers");
  if (first.top_k !== undefined) {
    const predictions = readTopK(first.top_k)
      .sort((a, b) => b.probability - a.probability || a.index - b.index)
      .slice(0, k);
    return { predictions, scores };
  }
  if (scores.length === 0) throw unexpected("neither top_k nor scores");
  return { predictions: topK(scores, k), scores };
}

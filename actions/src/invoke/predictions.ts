// What the inference function answers (lambda/src/response.ts) as `mlops invoke` shows it.
import { OperationalError } from "../operational-errors.js";

export interface Prediction {
  label: string;
  probability: number;
}

/** The predictions of a 200 answer, the error the function explains otherwise. */
export function predictionsOf(status: number, body: string): Prediction[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const payload = (parsed ?? {}) as {
    predictions?: Prediction[];
    error?: { code?: string; message?: string };
    message?: string;
    Message?: string;
  };
  if (status === 200 && Array.isArray(payload.predictions)) return payload.predictions;
  const why =
    payload.error?.message ?? payload.message ?? payload.Message ?? (body.trim() || "no body");
  const hint =
    status === 403
      ? " (AWS_IAM: the credentials need lambda:InvokeFunctionUrl and lambda:InvokeFunction on the alias)"
      : "";
  throw new OperationalError(`the Function URL answered ${status}: ${why}${hint}`);
}

/** A two-column table, probabilities as percentages. */
export function predictionsTable(predictions: readonly Prediction[]): string {
  const width = Math.max(5, ...predictions.map((p) => p.label.length));
  const rows = predictions.map(
    (p) => `${p.label.padEnd(width)}  ${(p.probability * 100).toFixed(1).padStart(5)}%`,
  );
  return [`${"LABEL".padEnd(width)}  PROBABILITY`, ...rows].join("\n");
}

// Values in rendered plans: compact JSON, shortened so one field never floods a PR comment.
export const MAX_VALUE_CHARS = 160;

export function formatValue(value: unknown, max = MAX_VALUE_CHARS): string {
  // JSON.stringify returns undefined for undefined, functions and symbols.
  const json = JSON.stringify(value) as string | undefined;
  const text = json ?? "(none)";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

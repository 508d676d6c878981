// The shape of the price table shipped with the tool (prices.generated.ts, written by
// scripts/refresh-prices.py from the AWS Price List API) and the one lookup: a price the table
// does not have is "no price" (undefined), never a guess.

export interface PriceTable {
  /** When the prices were read from the Price List API (ISO date); null: never refreshed. */
  takenAt: string | null;
  source: string;
  /** USD per instance-hour, on demand, by region and instance type. */
  sagemakerHosting: Record<string, Record<string, number>>;
  sagemakerTraining: Record<string, Record<string, number>>;
  /** USD per GB-second of provisioned concurrency, by region and architecture. */
  lambdaProvisionedConcurrency: Record<string, Partial<Record<"x86_64" | "arm64", number>>>;
}

/** The regions the table has any price for. */
export function regionsCovered(table: PriceTable): string[] {
  return [
    ...new Set([
      ...Object.keys(table.sagemakerHosting),
      ...Object.keys(table.sagemakerTraining),
      ...Object.keys(table.lambdaProvisionedConcurrency),
    ]),
  ].sort();
}

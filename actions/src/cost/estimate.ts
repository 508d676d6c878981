// What the config costs, estimated from the shipped price table (on-demand list prices): the
// endpoint's instances at min and max capacity per month, the Lambda's provisioned concurrency
// per month, and a training run's upper bound. Nothing here is a bill: requests, storage, data
// transfer and savings plans are left out, and a price the table lacks is "no price".
import type { Config } from "../config/types.js";
import type { PriceTable } from "./price-table.js";
import { gridSize } from "../training/tuning-search.js";

/** AWS's month for list prices: 730 hours. */
export const HOURS_PER_MONTH = 730;
/** Managed spot training saves "up to 90%" over on-demand (AWS): the low end of a spot run. */
export const SPOT_LOW_FRACTION = 0.1;

/** USD; low = high when there is no range. */
export interface Range {
  low: number;
  high: number;
}

export interface CostLine {
  /** The graph address the line is about. */
  address: string;
  /** What is priced, e.g. "1-3 x ml.m5.large". */
  what: string;
  per: "month" | "run";
  /** Absent: no price (see `noPrice`). */
  usd?: Range;
  noPrice?: string;
}

export interface CostEstimate {
  region: string;
  takenAt: string | null;
  lines: CostLine[];
  /** The monthly lines added up; absent when none has a price. */
  monthly?: Range;
  /** Some monthly line has no price: `monthly` is a lower bound. */
  incomplete: boolean;
}

const noPrice = (what: string, region: string): string => `no price for ${what} in ${region}`;

function endpointLine(config: Config, table: PriceTable): CostLine {
  const e = config.endpoint;
  const min = e.autoscaling?.minCapacity ?? e.initialInstanceCount;
  const max = e.autoscaling?.maxCapacity ?? e.initialInstanceCount;
  const what = `${min === max ? String(min) : `${min}-${max}`} x ${e.instanceType}`;
  const hourly = table.sagemakerHosting[config.region]?.[e.instanceType];
  const base = { address: "sagemaker.endpoint.main", what, per: "month" as const };
  if (hourly === undefined)
    return { ...base, noPrice: noPrice(`${e.instanceType} hosting`, config.region) };
  return {
    ...base,
    usd: { low: min * hourly * HOURS_PER_MONTH, high: max * hourly * HOURS_PER_MONTH },
  };
}

function provisionedConcurrencyLine(config: Config, table: PriceTable): CostLine | undefined {
  const l = config.lambda;
  if (!l || l.provisionedConcurrency === 0) return undefined;
  const what = `${l.provisionedConcurrency} x ${l.memory} MB provisioned (${l.architecture})`;
  const perGbSecond = table.lambdaProvisionedConcurrency[config.region]?.[l.architecture];
  const base = { address: "lambda.provisioned-concurrency.api", what, per: "month" as const };
  if (perGbSecond === undefined)
    return {
      ...base,
      noPrice: noPrice(`${l.architecture} provisioned concurrency`, config.region),
    };
  const usd = l.provisionedConcurrency * (l.memory / 1024) * HOURS_PER_MONTH * 3600 * perGbSecond;
  return { ...base, usd: { low: usd, high: usd } };
}

function trainingLine(config: Config, table: PriceTable): CostLine {
  const t = config.training;
  const hours = t.maxRuntimeSeconds / 3600;
  // A search's upper bound is its whole budget of trials, each bounded like a single run.
  const search = t.tuning?.enabled === true ? t.tuning : undefined;
  const trials = search ? (search.maxJobs ?? gridSize(search.parameters)) : 1;
  const what = `${search ? `${trials} trials x ` : ""}${t.instance.count} x ${t.instance.type} x ${hours} h at most${t.spot.enabled ? ", spot" : ""}`;
  const base = { address: "training.run.main", what, per: "run" as const };
  if (t.backend !== "sagemaker")
    return { ...base, noPrice: `no price for the ${t.backend} backend (not a SageMaker job)` };
  const hourly = table.sagemakerTraining[config.region]?.[t.instance.type];
  if (hourly === undefined)
    return { ...base, noPrice: noPrice(`${t.instance.type} training`, config.region) };
  const high = trials * t.instance.count * hours * hourly;
  return { ...base, usd: { low: t.spot.enabled ? high * SPOT_LOW_FRACTION : high, high } };
}

export function estimateCost(config: Config, table: PriceTable): CostEstimate {
  const lines = [
    endpointLine(config, table),
    provisionedConcurrencyLine(config, table),
    trainingLine(config, table),
  ].filter((l): l is CostLine => l !== undefined);
  return { region: config.region, takenAt: table.takenAt, ...totals(lines) };
}

/**
 * The lines with their monthly sum: $0 when nothing is monthly, absent when no monthly line has
 * a price, and `incomplete` when some has none.
 */
export function totals(lines: CostLine[]): Pick<CostEstimate, "lines" | "monthly" | "incomplete"> {
  const monthlyLines = lines.filter((l) => l.per === "month");
  const priced = monthlyLines.flatMap((l) => (l.usd ? [l.usd] : []));
  const sum = (side: keyof Range): number => priced.reduce((s, r) => s + r[side], 0);
  return {
    lines,
    ...((monthlyLines.length === 0 || priced.length > 0) && {
      monthly: { low: sum("low"), high: sum("high") },
    }),
    incomplete: priced.length < monthlyLines.length,
  };
}

const dollars = (n: number): string => `$${n.toFixed(2)}`;
export const formatRange = (r: Range): string =>
  r.low === r.high ? dollars(r.high) : `${dollars(r.low)}-${dollars(r.high)}`;

/** "monthly estimate: $X -> $Y" between two configs (a base and a change). */
export function monthlyDelta(before: CostEstimate, after: CostEstimate): string {
  const side = (e: CostEstimate): string =>
    e.monthly ? `${formatRange(e.monthly)}${e.incomplete ? "+" : ""}` : "no price";
  return `monthly estimate: ${side(before)} -> ${side(after)}`;
}

const pricesOf = (e: CostEstimate): string =>
  e.takenAt ? `list prices of ${e.takenAt}` : "no prices in the shipped table";

const lineUsd = (l: CostLine): string =>
  l.usd ? `${formatRange(l.usd)} per ${l.per}` : (l.noPrice ?? "no price");

/** The pull request's cost section: one row per priced resource and the monthly delta. */
export function renderCostMarkdown(before: CostEstimate, after: CostEstimate): string {
  return [
    `**Cost** (an estimate, not a bill: on-demand, ${after.region}, ${pricesOf(after)})`,
    "",
    "| resource | what | estimate |",
    "| --- | --- | --- |",
    ...after.lines.map((l) => `| \`${l.address}\` | ${l.what} | ${lineUsd(l)} |`),
    "",
    monthlyDelta(before, after),
  ].join("\n");
}

/** The estimate as text lines, labelled an estimate, with the table's date. */
export function renderCostText(e: CostEstimate): string {
  const taken = pricesOf(e);
  const width = Math.max(...e.lines.map((l) => l.address.length));
  return [
    `Cost estimate (on-demand, ${e.region}, ${taken}; an estimate, not a bill):`,
    ...e.lines.map(
      (l) =>
        `  ${l.address.padEnd(width)}  ${l.usd ? `${formatRange(l.usd)} per ${l.per}` : (l.noPrice ?? "no price")}  (${l.what})`,
    ),
    `  ${e.monthly ? `${formatRange(e.monthly)} per month${e.incomplete ? " plus what has no price" : ""}` : "monthly: no price"}`,
  ].join("\n");
}

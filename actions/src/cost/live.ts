// The "before" of a plan's cost: the config as the account runs it now, from what the plan read
// (instance type, scaling, memory, provisioned concurrency), so a pull request's comment says
// what the change does to the monthly estimate ("monthly estimate: $X -> $Y").
import type { Config } from "../config/types.js";
import { AUTOSCALING, ENDPOINT } from "../graph/sagemaker-nodes.js";
import { FUNCTION, PROVISIONED_CONCURRENCY } from "../graph/lambda-nodes.js";
import type { Observations } from "../plan/compute.js";
import type { AutoscalingObserved } from "../resources/autoscaling/variant.js";
import type { ProvisionedObserved } from "../resources/lambda/common.js";
import type { FunctionObserved } from "../resources/lambda/function.js";
import type { EndpointObserved } from "../resources/sagemaker/endpoint-observe.js";
import { estimateCost, totals, type CostEstimate } from "./estimate.js";
import type { PriceTable } from "./price-table.js";

const observed = (o: Observations, address: string): unknown => o.get(address)?.observed;

/** What the live resources cost per month; what does not exist yet costs nothing. */
export function estimateLive(
  config: Config,
  observations: Observations,
  table: PriceTable,
): CostEstimate {
  const endpoint = observed(observations, ENDPOINT) as EndpointObserved | undefined;
  const scaling = observed(observations, AUTOSCALING) as AutoscalingObserved | undefined;
  const fn = observed(observations, FUNCTION) as FunctionObserved | undefined;
  const provisioned = observed(observations, PROVISIONED_CONCURRENCY) as
    ProvisionedObserved | undefined;
  const e = config.endpoint;
  const live: Config = {
    ...config,
    endpoint: {
      ...e,
      instanceType: endpoint?.instanceType || e.instanceType,
      ...(e.autoscaling && scaling
        ? { autoscaling: { ...e.autoscaling, minCapacity: scaling.min, maxCapacity: scaling.max } }
        : {}),
    },
    ...(config.lambda && {
      lambda: {
        ...config.lambda,
        memory: fn?.memory ?? config.lambda.memory,
        provisionedConcurrency: provisioned?.concurrency ?? 0,
      },
    }),
  };
  const estimate = estimateCost(live, table);
  const exists = (address: string): boolean =>
    address === ENDPOINT ? endpoint !== undefined : address !== "training.run.main";
  return { ...estimate, ...totals(estimate.lines.filter((l) => exists(l.address))) };
}

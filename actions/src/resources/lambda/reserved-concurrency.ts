// lambda.reserved-concurrency: concurrency reserved for (and capping) the function. The account
// must keep a minimum unreserved (100 on AWS), so before PutFunctionConcurrency we read
// GetAccountSettings and this function's current reservation (which the new one replaces) and
// refuse with a message that says what fits; provisioned concurrency above a lowered reservation
// is brought down first. Removing it from the config deletes it.
import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { ReservedConcurrencySpec } from "../../graph/lambda-nodes.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { noop } from "../handler.js";
import { OperationalError } from "../../operational-errors.js";

/** What AWS insists stays unreserved in every account. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export interface ReservedConcurrencyObserved {
  concurrency: number;
}

export class ReservedConcurrencyError extends OperationalError {
  constructor(message: string) {
    super(message);
    this.name = "ReservedConcurrencyError";
  }
}

async function currentReservation(
  functionName: string,
  ctx: HandlerContext,
): Promise<number | undefined> {
  // GetFunction carries the reservation; the function node asks the very same question in a
  // plan, so the two nodes share one request there (plan/read-cache.ts).
  const what = `reading the reserved concurrency of ${functionName}`;
  const out = await readOrUndefined(what, () =>
    ctx.clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
  );
  if (out === undefined) return undefined;
  const carried = out.Concurrency?.ReservedConcurrentExecutions;
  if (carried !== undefined) return carried;
  // Absent means no reservation, or (in moto, which omits a reservation of 0) zero: ask directly.
  const direct = await readOrUndefined(what, () =>
    ctx.clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
  );
  return direct?.ReservedConcurrentExecutions;
}

/** Throws when reserving `wanted` would leave the account less than the minimum unreserved. */
async function checkAccountRoom(
  functionName: string,
  wanted: number,
  current: number,
  ctx: HandlerContext,
): Promise<void> {
  if (wanted <= current) return; // lowering a reservation only frees concurrency
  const settings = await withContext("reading the Lambda account settings", () =>
    ctx.clients.lambda.send(new GetAccountSettingsCommand({})),
  );
  const limit = settings.AccountLimit?.ConcurrentExecutions;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
  if (unreserved === undefined) return; // nothing to check against: let Lambda decide
  const available = unreserved + current - MIN_UNRESERVED_CONCURRENCY;
  if (wanted > available) {
    throw new ReservedConcurrencyError(
      `cannot reserve ${wanted} concurrent executions for Lambda function ${functionName}: ` +
        `the account's limit is ${limit ?? "unknown"}, ${unreserved} are unreserved now` +
        (current > 0 ? ` (this function reserves ${current})` : "") +
        `, and at least ${MIN_UNRESERVED_CONCURRENCY} must stay unreserved, so at most ` +
        `${Math.max(0, available)} fit. Lower lambda.reservedConcurrency (or leave it unset), ` +
        `free reservations of other functions, or ask AWS for a higher "Concurrent executions" quota.`,
    );
  }
}

/**
 * Provisioned concurrency is carved out of the reservation, so Lambda refuses a reservation below
 * the function's provisioned total. Lowering both in one apply would then fail on every run (the
 * reservation is set first, since raising both needs that order), so when lowering, provisioned
 * configs are first brought down to fit; the provisioned node then sets its own value, which the
 * config keeps at or below the reservation.
 */
async function fitProvisionedUnder(
  functionName: string,
  reservation: number,
  ctx: HandlerContext,
): Promise<void> {
  const configs: { qualifier: string; requested: number }[] = [];
  let marker: string | undefined;
  do {
    const page = await withContext(`listing provisioned concurrency of ${functionName}`, () =>
      ctx.clients.lambda.send(
        new ListProvisionedConcurrencyConfigsCommand({
          FunctionName: functionName,
          Marker: marker,
        }),
      ),
    );
    for (const c of page.ProvisionedConcurrencyConfigs ?? []) {
      const qualifier = c.FunctionArn?.split(":").pop();
      if (qualifier !== undefined)
        configs.push({ qualifier, requested: c.RequestedProvisionedConcurrentExecutions ?? 0 });
    }
    marker = page.NextMarker;
  } while (marker !== undefined);
  let excess = configs.reduce((n, c) => n + c.requested, 0) - reservation;
  for (const c of configs.sort((a, b) => b.requested - a.requested)) {
    if (excess <= 0) return;
    const lowered = Math.max(0, c.requested - excess);
    excess -= c.requested - lowered;
    ctx.logger.info(
      `${functionName}:${c.qualifier}: provisioned concurrency ${c.requested} -> ${lowered} first, to fit under the new reservation of ${reservation}`,
    );
    const target = { FunctionName: functionName, Qualifier: c.qualifier };
    await withContext(`lowering provisioned concurrency on ${functionName}:${c.qualifier}`, () =>
      lowered === 0
        ? ctx.clients.lambda.send(new DeleteProvisionedConcurrencyConfigCommand(target))
        : ctx.clients.lambda.send(
            new PutProvisionedConcurrencyConfigCommand({
              ...target,
              ProvisionedConcurrentExecutions: lowered,
            }),
          ),
    );
  }
}

async function put(
  node: Node<ReservedConcurrencySpec>,
  ctx: HandlerContext,
): Promise<ReservedConcurrencyObserved> {
  const { functionName, concurrency } = node.spec;
  const current = await currentReservation(functionName, ctx);
  await checkAccountRoom(functionName, concurrency, current ?? 0, ctx);
  // Raising a reservation never conflicts with provisioned concurrency already under it.
  if (current === undefined || concurrency < current)
    await fitProvisionedUnder(functionName, concurrency, ctx);
  const out = await withContext(
    `reserving ${concurrency} concurrent executions for ${functionName}`,
    () =>
      ctx.clients.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: functionName,
          ReservedConcurrentExecutions: concurrency,
        }),
      ),
  );
  return { concurrency: out.ReservedConcurrentExecutions ?? concurrency };
}

export const reservedConcurrencyHandler: ResourceHandler<
  ReservedConcurrencySpec,
  ReservedConcurrencyObserved
> = {
  kind: "lambda.reserved-concurrency",
  ownership: "parent",

  async read(node, ctx) {
    const concurrency = await currentReservation(node.spec.functionName, ctx);
    return concurrency === undefined ? undefined : { concurrency };
  },

  diff(node, observed): Change {
    if (observed.concurrency === node.spec.concurrency) return noop();
    return {
      action: "update",
      reason: `reserve ${node.spec.concurrency} instead of ${observed.concurrency}`,
      changes: [
        { path: "concurrency", before: observed.concurrency, after: node.spec.concurrency },
      ],
      risk: [],
    };
  },

  create: put,

  update(node, _observed, _change, ctx) {
    return put(node, ctx);
  },

  async delete(node, _observed, { clients: { lambda } }) {
    const FunctionName = node.spec.functionName;
    await deleteIfPresent(`removing the reserved concurrency of ${FunctionName}`, () =>
      lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName })),
    );
  },
};

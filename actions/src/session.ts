// Everything one run of the engine needs, built once from a loaded Config: AWS clients, the
// account from STS, the desired graph, and where state and lock live.
import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput } from "@aws-sdk/client-sts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handlerState, StateStore } from "./apply/state-store.js";
import type { LockLocation } from "./apply/lock.js";
import { createClients, type AwsClients } from "./aws/clients.js";
import { takeEarlyIdentity } from "./aws/early-identity.js";
import { withContext } from "./aws/errors.js";
import { systemClock, type Clock } from "./clock.js";
import type { Config } from "./config/types.js";
import type { Logger } from "./logger.js";
import { buildGraph, type Stage } from "./graph/build-graph.js";
import { chooseRelease } from "./environments/release.js";
import { servedNow } from "./environments/served.js";
import {
  BUILD_STAGE,
  buildStageConfig,
  environmentConfig,
  requireEnvironment,
} from "./environments/stages.js";
import type { PlanStage } from "./plan/types.js";
import { stateKey, type DesiredGraph } from "./graph/graph.js";
import type { HandlerContext } from "./resources/handler.js";
import { handlersWith, type HandlerRegistry } from "./resources/registry.js";
import { fillTemplate } from "./aws/naming.js";
import { OperationalError } from "./operational-errors.js";

export interface Session {
  config: Config;
  clients: AwsClients;
  graph: DesiredGraph;
  handlers: HandlerRegistry;
  ctx: HandlerContext;
  state: StateStore;
  lock: LockLocation;
  /**
   * Settles once STS has confirmed the account the graph was built for (at once when STS itself
   * named it). Plans await it before they report, applies before they change anything.
   */
  accountConfirmed: Promise<void>;
  /** A config with `environments:`: the stage this session works on, as its plans record it. */
  stage?: PlanStage;
}

export interface SessionOptions {
  logger: Logger;
  signal?: AbortSignal;
  clock?: Clock;
  clients?: AwsClients;
  handlers?: HandlerRegistry;
  cacheDir?: string;
  forceTraining?: boolean;
  followLogs?: boolean;
  verifyData?: boolean;
  /** A config with `environments:`: the stage ("build", the default, or an environment). */
  environment?: string;
}

export async function openSession(config: Config, options: SessionOptions): Promise<Session> {
  const clients = options.clients ?? createClients(config.region);
  // Injected clients (tests) are asked themselves; an entry's early answer is for the real ones.
  const early = options.clients === undefined ? takeEarlyIdentity(config.region) : undefined;
  const { account, confirmed } = await accountOf(clients, early);
  const staged = await stageOf(config, options.environment, clients, account);
  const graph = buildGraph(staged.config, {
    account,
    forceTraining: options.forceTraining === true,
    ...(staged.stage && { stage: staged.stage }),
  });
  const { state, stateBucket } = staged;
  const ctx: HandlerContext = {
    clients,
    logger: options.logger,
    clock: options.clock ?? systemClock,
    graph: graph.context,
    signal: options.signal ?? new AbortController().signal,
    cacheDir: options.cacheDir ?? process.env["MLOPS_CACHE_DIR"] ?? join(tmpdir(), "mlops-cache"),
    state: handlerState(state),
    ...(options.clients === undefined && { clientsIn: clientsByRegion(config.region, clients) }),
  };
  return {
    config: staged.config,
    clients,
    graph,
    handlers:
      options.handlers ??
      handlersWith({
        ...(options.followLogs === true && { followLogs: true }),
        ...(options.verifyData === true && { verifyData: true }),
      }),
    ctx,
    state,
    lock: { s3: clients.s3, bucket: stateBucket, key: `${staged.config.state.prefix}lock.json` },
    accountConfirmed: confirmed,
    ...(staged.planStage && { stage: staged.planStage }),
  };
}

interface Staged {
  config: Config;
  state: StateStore;
  stateBucket: string;
  stage?: Stage;
  planStage?: PlanStage;
}

/**
 * The stage a session works on. Without `environments:`, the config as it is. With it, the
 * build stage (the default) or an environment: its derived config, its own state record and
 * lock, and the registry version it deploys, chosen now so the plan records it.
 */
async function stageOf(
  config: Config,
  environment: string | undefined,
  clients: AwsClients,
  account: string,
): Promise<Staged> {
  if (environment !== undefined) requireEnvironment(config, environment);
  const name = environment ?? (config.environments ? BUILD_STAGE : undefined);
  const stageConfig =
    name === undefined
      ? config
      : name === BUILD_STAGE
        ? buildStageConfig(config)
        : environmentConfig(config, name);
  const stateBucket = fillTemplate(stageConfig.state.bucket, {
    account,
    region: stageConfig.region,
  }).value;
  const state = new StateStore(clients.s3, stateBucket, stateKey(stageConfig.state.prefix));
  const base = { config: stageConfig, state, stateBucket };
  if (name === undefined) return base;
  if (name === BUILD_STAGE) return { ...base, stage: { kind: "build" }, planStage: { name } };
  const record = await state.read();
  const { release, candidate } = await chooseRelease(clients.sagemaker, config, name, record);
  const served = servedNow(record)?.version;
  return {
    ...base,
    stage: { kind: "environment", name, buildProject: config.project, release },
    planStage: {
      name,
      approval: config.environments?.[name]?.approval === true,
      ...(served !== undefined && { served }),
      ...(release && { deploys: { version: release.version, arn: release.arn } }),
      ...(candidate && { waiting: candidate.version }),
    },
  };
}

/** Clients for any region, made once each (a move reaches the region it moves from). */
function clientsByRegion(home: string, clients: AwsClients): (region: string) => AwsClients {
  const made = new Map<string, AwsClients>([[home, clients]]);
  return (region) => {
    let found = made.get(region);
    if (!found) {
      found = createClients(region);
      made.set(region, found);
    }
    return found;
  };
}

/**
 * The account the credentials belong to. Credentials that carry it (AWS_ACCOUNT_ID, an assumed
 * role, web identity, SSO) let everything start at once; STS is still asked, alongside, because
 * AWS_ACCOUNT_ID is only a claim: a value meant for something else would point the state, the
 * buckets and every ARN at another account. Without a carried id, STS answers first, which also
 * fails early and clearly when no credentials are configured.
 */
async function accountOf(
  clients: AwsClients,
  early: Promise<GetCallerIdentityCommandOutput> | undefined,
): Promise<{ account: string; confirmed: Promise<void> }> {
  const ask = () =>
    withContext(
      "asking STS who we are (are AWS credentials configured?)",
      () => early ?? clients.sts.send(new GetCallerIdentityCommand({})),
    );
  const credentials = await Promise.resolve()
    .then(() => clients.sts.config.credentials())
    .catch(() => undefined);
  const carried = credentials?.accountId;
  if (carried === undefined || !/^\d{12}$/.test(carried)) {
    const identity = await ask();
    return { account: identity.Account ?? "000000000000", confirmed: Promise.resolve() };
  }
  const confirmed = ask().then((identity) => {
    if (identity.Account !== undefined && identity.Account !== carried) {
      throw new OperationalError(
        `the credentials claim account ${carried} (AWS_ACCOUNT_ID or the profile's aws_account_id) but belong to ${identity.Account}; fix or unset the claim`,
      );
    }
  });
  confirmed.catch(() => undefined); // awaited by plan and apply; never an unhandled rejection
  return { account: carried, confirmed };
}

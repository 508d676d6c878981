// Which registry version an environment serves: its state record says (each apply that deploys
// a version appends it). `servedVersion` is the one question other commands ask (`mlops
// models`, status); `recordServed` is apply's answer to it.
import type { S3Client } from "@aws-sdk/client-s3";
import {
  MAX_SERVED_RECORDS,
  StateStore,
  type ServedVersion,
  type StateRecord,
} from "../apply/state-store.js";
import { fillTemplate } from "../aws/naming.js";
import { stateKey } from "../graph/graph.js";
import type { Config } from "../config/types.js";
import { environmentConfig, environmentNames } from "./stages.js";

/** The environment's state record (and lock) location, the one its sessions use. */
export function environmentStateStore(
  s3: S3Client,
  config: Config,
  environment: string,
  account: string,
): StateStore {
  const env = environmentConfig(config, environment);
  const bucket = fillTemplate(env.state.bucket, { account, region: env.region }).value;
  return new StateStore(s3, bucket, stateKey(env.state.prefix));
}

/** The version the record says is served now, if any. */
export const servedNow = (record: StateRecord): ServedVersion | undefined =>
  record.environment?.served?.at(-1);

/** Which registry version environment `environment` serves (undefined: none yet). */
export async function servedVersion(
  s3: S3Client,
  config: Config,
  environment: string,
  account: string,
): Promise<ServedVersion | undefined> {
  return servedNow(await environmentStateStore(s3, config, environment, account).read());
}

/** Appends the version an apply deployed (nothing when it is the one served already). */
export async function recordServed(
  store: StateStore,
  deployed: { version: number; arn: string },
  at: Date,
): Promise<void> {
  await store.update((record) => {
    const environment = (record.environment ??= {});
    const served = (environment.served ??= []);
    if (served.at(-1)?.version === deployed.version) return;
    served.push({ version: deployed.version, arn: deployed.arn, at: at.toISOString() });
    if (served.length > MAX_SERVED_RECORDS) served.splice(0, served.length - MAX_SERVED_RECORDS);
  });
}

/**
 * Each environment's standing, from its record: `withResources` (the build stage is destroyed
 * only after these) and `waiting`, those that do not serve a model yet (a deploying apply
 * records what it served only once it succeeded), for which the build stage keeps what the
 * config served before it had environments.
 */
export async function environmentStanding(
  s3: S3Client,
  config: Config,
  account: string,
): Promise<{ withResources: string[]; waiting: string[] }> {
  const names = environmentNames(config);
  const records = await Promise.all(
    names.map((name) => environmentStateStore(s3, config, name, account).read()),
  );
  return {
    withResources: names.filter((_, i) => Object.keys(records[i]?.resources ?? {}).length > 0),
    waiting: names.filter((_, i) => {
      const record = records[i];
      return record === undefined || servedNow(record) === undefined;
    }),
  };
}

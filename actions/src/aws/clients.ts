// One client factory. Region, credentials and endpoints come from the SDK's standard chain
// (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles, OIDC web identity);
// we only add path-style S3 addressing when a custom endpoint is set, since emulators on
// `localhost` cannot serve virtual-hosted bucket names.
// Each client is made when first used (a run that never talks to EC2 never builds its client):
// adding a client is one line in CLIENT_FACTORIES.
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { STSClient } from "@aws-sdk/client-sts";
import { clientSettings, type ClientSettings } from "./client-settings.js";

/** Sockets per S3 endpoint: a data sync keeps up to 128 small uploads in flight (SDK default 50). */
const S3_MAX_SOCKETS = 256;

const CLIENT_FACTORIES = {
  s3: (common: ClientSettings, env: NodeJS.ProcessEnv) =>
    new S3Client({
      ...common,
      forcePathStyle: Boolean(env["AWS_ENDPOINT_URL_S3"] ?? env["AWS_ENDPOINT_URL"]),
      // A move reads the old identity's state record in another region's bucket.
      followRegionRedirects: true,
      // Our uploads carry Content-MD5 (the ETag we compare is the MD5); a CRC32 of every body
      // besides, which the SDK adds by default, costs CPU per upload and checks nothing more.
      // Operations that require a checksum (DeleteObjects) still get one.
      requestChecksumCalculation: "WHEN_REQUIRED",
      requestHandler: {
        httpAgent: { maxSockets: S3_MAX_SOCKETS },
        httpsAgent: { maxSockets: S3_MAX_SOCKETS },
      },
    }),
  iam: (common: ClientSettings) => new IAMClient(common),
  sts: (common: ClientSettings) => new STSClient(common),
  sagemaker: (common: ClientSettings) => new SageMakerClient(common),
  autoscaling: (common: ClientSettings) => new ApplicationAutoScalingClient(common),
  lambda: (common: ClientSettings) => new LambdaClient(common),
  ec2: (common: ClientSettings) => new EC2Client(common),
  logs: (common: ClientSettings) => new CloudWatchLogsClient(common),
  cloudwatch: (common: ClientSettings) => new CloudWatchClient(common),
  /** The Resource Groups Tagging API: what carries the project's tags (orphan listing). */
  tagging: (common: ClientSettings) => new ResourceGroupsTaggingAPIClient(common),
};

type Factories = typeof CLIENT_FACTORIES;
export type AwsClients = { [K in keyof Factories]: ReturnType<Factories[K]> };

export function createClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const common = clientSettings(region);
  const services = Object.keys(CLIENT_FACTORIES) as (keyof Factories)[];
  return lazyRecord(services, (service) => CLIENT_FACTORIES[service](common, env)) as AwsClients;
}

/**
 * `clients` with each client passed through `wrap` when first used; the services present stay
 * the same (a test's partial set included), and none is built or wrapped before it is used.
 */
export function mapClients(
  clients: AwsClients,
  wrap: (service: string, client: object) => object,
): AwsClients {
  const services = Object.keys(clients) as (keyof AwsClients)[];
  return lazyRecord(services, (service) => wrap(service, clients[service])) as AwsClients;
}

function lazyRecord<K extends string>(keys: readonly K[], make: (key: K) => object): object {
  const record = {};
  for (const key of keys) {
    let made: object | undefined;
    Object.defineProperty(record, key, {
      enumerable: true,
      get: () => (made ??= make(key)),
    });
  }
  return record;
}

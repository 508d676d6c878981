// SageMaker reads training data only from a bucket in the training job's own region (and a model
// only from its endpoint's): a job whose input bucket is elsewhere fails after the plan was
// applied halfway. So before anything is created, the data bucket (when it exists), an s3:// data
// source and a served model's artifact must be in the config's region. A bucket per region
// (`${region}` in its name) is the default naming; an explicit bucket elsewhere is the config's
// error, shown at its line.
import { GetBucketLocationCommand, type S3Client } from "@aws-sdk/client-s3";
import { AwsOperationError, isNotFound, withContext } from "../aws/errors.js";
import { ConfigError, type ConfigPath } from "../config/issues.js";
import { issueIn } from "../config/load.js";
import { parseS3Uri } from "../aws/s3-uri.js";
import type { ModelSpec } from "../graph/sagemaker-nodes.js";
import type { Session } from "../session.js";

/** The region of `bucket`, or undefined when it does not exist. */
export async function bucketRegion(s3: S3Client, bucket: string): Promise<string | undefined> {
  return withContext(`asking S3 where the bucket ${bucket} is`, async () => {
    try {
      const out = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
      // us-east-1 answers with no constraint; "EU" is the old name of eu-west-1.
      const constraint = (out.LocationConstraint as string | undefined) ?? "";
      return constraint === "" ? "us-east-1" : constraint === "EU" ? "eu-west-1" : constraint;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  });
}

interface Check {
  bucket: string;
  path: ConfigPath;
  what: string;
  why: string;
  mayBeForeign?: true;
}

async function regionOf(session: Session, check: Check): Promise<string | undefined> {
  try {
    return await bucketRegion(session.clients.s3, check.bucket);
  } catch (error) {
    const denied = error instanceof AwsOperationError && error.errorClass === "access-denied";
    if (!check.mayBeForeign || !denied) throw error;
    session.ctx.logger.warn(
      `${check.what} ${check.bucket} does not say where it is (access denied; another account's?): not checked`,
    );
    return undefined;
  }
}

/**
 * Throws a ConfigError, located at the field, when the training data or the model the config
 * serves (model.serve) lives in another region.
 */
export async function checkDataRegion(session: Session): Promise<void> {
  const { config } = session;
  const nodes = session.graph.nodes;
  const checks: Check[] = [];
  // Only a stage that trains reads training data (an environment deploys a registered model).
  if (nodes.some((n) => n.kind === "training.run")) {
    const why = `training runs in ${config.region}: SageMaker reads training data only from a bucket in the job's own region. Use a bucket per region (put \${region} in the name, e.g. ${config.project}-\${account}-\${region})`;
    const dataBucket = nodes.find((n) => n.address === "s3.bucket.data")?.name;
    if (dataBucket !== undefined)
      checks.push({ bucket: dataBucket, path: ["data", "bucket"], what: "the data bucket", why });
    if (config.data.source.kind === "s3")
      checks.push({
        bucket: config.data.source.bucket,
        path: ["data", "source"],
        what: "the data source's bucket",
        why,
      });
  }
  const served = nodes.some(
    (n) => n.kind === "sagemaker.model" && (n.spec as ModelSpec).served !== undefined,
  )
    ? parseS3Uri(config.model.serve?.artifact ?? "")
    : undefined;
  if (served)
    checks.push({
      bucket: served.bucket,
      path: ["model", "serve", "artifact"],
      what: "the served model's bucket",
      why: `the endpoint runs in ${config.region}: SageMaker loads a model only from a bucket in its own region. Copy the artifact to a bucket in ${config.region}`,
      // Another account's bucket may not answer; SageMaker's own check then is the one.
      mayBeForeign: true,
    });
  const found = await Promise.all(
    checks.map(async (c) => ({ ...c, region: await regionOf(session, c) })),
  );
  const elsewhere = found.filter((c) => c.region !== undefined && c.region !== config.region);
  if (elsewhere.length === 0) return;
  throw new ConfigError(
    elsewhere.map((c) =>
      issueIn(
        config,
        c.path,
        `${c.what} ${c.bucket} is in ${String(c.region)}, but ${c.why}; nothing was changed`,
      ),
    ),
  );
}

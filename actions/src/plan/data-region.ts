// SageMaker reads training data only from a bucket in the training job's own region: a job whose
// input bucket is elsewhere fails after the plan was applied halfway. So before anything is
// created, the data bucket (when it exists) and an s3:// data source must be in the config's
// region. A bucket per region (`${region}` in its name) is the default naming; an explicit bucket
// elsewhere is the config's error, shown at its line.
import { GetBucketLocationCommand, type S3Client } from "@aws-sdk/client-s3";
import { relative } from "node:path";
import { isNotFound, withContext } from "../aws/errors.js";
import { ConfigError, type ConfigPath } from "../config/issues.js";
import { parseYamlFile } from "../config/parse-yaml.js";
import { locate } from "../config/positions.js";
import type { Config } from "../config/types.js";
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

/** Throws a ConfigError, located at the field, when the training data lives in another region. */
export async function checkDataRegion(session: Session): Promise<void> {
  const { config } = session;
  // Only a stage that trains reads training data (an environment deploys a registered model).
  if (!session.graph.nodes.some((n) => n.kind === "training.run")) return;
  const dataBucket = session.graph.nodes.find((n) => n.address === "s3.bucket.data")?.name;
  const checks: { bucket: string; path: ConfigPath; what: string }[] = [];
  if (dataBucket !== undefined)
    checks.push({ bucket: dataBucket, path: ["data", "bucket"], what: "the data bucket" });
  if (config.data.source.kind === "s3")
    checks.push({
      bucket: config.data.source.bucket,
      path: ["data", "source"],
      what: "the data source's bucket",
    });
  const found = await Promise.all(
    checks.map(async (c) => ({ ...c, region: await bucketRegion(session.clients.s3, c.bucket) })),
  );
  const elsewhere = found.filter((c) => c.region !== undefined && c.region !== config.region);
  if (elsewhere.length === 0) return;
  throw new ConfigError(
    elsewhere.map((c) =>
      issueAt(
        config,
        c.path,
        `${c.what} ${c.bucket} is in ${String(c.region)}, but training runs in ${config.region}: SageMaker reads training data only from a bucket in the job's own region. Use a bucket per region (put \${region} in the name, e.g. ${config.project}-\${account}-\${region}); nothing was changed`,
      ),
    ),
  );
}

function issueAt(config: Config, path: ConfigPath, message: string) {
  const file = relative(process.cwd(), config.file) || config.file;
  return { file, ...locate(parseYamlFile(config.file), path), path: path.join("."), message };
}

// Nodes of the data capability: the bucket(s) and the synced data set.
import type { Config } from "../config/types.js";
import type { GraphBuilder } from "./graph-builder.js";

export interface BucketSpec {
  encryption: "AES256";
  blockPublicAccess: true;
  /**
   * A state bucket of its own (state.bucket) is one several projects may share: mlops makes it
   * when missing, encrypted and private, but its tags and policy are the platform's, it is never
   * adopted, and it is never deleted.
   */
  shared?: true;
}

export interface DatasetSpec {
  bucket: string;
  prefix: string;
  source: Config["data"]["source"];
  delete: boolean;
  exclude: string[];
  /** Most files uploaded at once (default: the sync's). */
  concurrency?: number;
  /** Where the last synced manifest is kept (the state location). */
  manifest: { bucket: string; key: string };
}

export const DATA_BUCKET = "s3.bucket.data";
export const DATASET = "s3.dataset.data";

export function addDataNodes({ add, config, layout }: GraphBuilder): void {
  const bucket: BucketSpec = { encryption: "AES256", blockPublicAccess: true };
  add<BucketSpec>(DATA_BUCKET, "s3.bucket", layout.dataBucket, bucket);
  if (layout.stateBucket !== layout.dataBucket) {
    add<BucketSpec>("s3.bucket.state", "s3.bucket", layout.stateBucket, {
      ...bucket,
      shared: true,
    });
  }
  add<DatasetSpec>(
    DATASET,
    "s3.dataset",
    `s3://${layout.dataBucket}/${layout.dataPrefix}`,
    {
      bucket: layout.dataBucket,
      prefix: layout.dataPrefix,
      source: config.data.source,
      delete: config.data.delete,
      exclude: config.data.exclude,
      concurrency: config.data.concurrency,
      manifest: { bucket: layout.stateBucket, key: `${layout.statePrefix}data-manifest.json` },
    },
    [DATA_BUCKET],
  );
}

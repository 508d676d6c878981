// `s3://bucket/key` split into its bucket and key (the key may be empty or a prefix).

export interface S3Location {
  bucket: string;
  key: string;
}

/** The bucket and key of an s3:// URI; undefined when it is not one. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match?.[1] === undefined ? undefined : { bucket: match[1], key: match[2] ?? "" };
}

// AWS naming rules and every name the tool derives from the config, in one place, so that
// validation checks exactly the names the graph will use.

export interface NameRule {
  what: string;
  pattern: RegExp;
  max: number;
  hint: string;
}

export const SAGEMAKER_NAME: NameRule = {
  what: "SageMaker name",
  pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
  max: 63,
  hint: "letters, digits and hyphens, starting and ending with a letter or digit",
};
export const LAMBDA_NAME: NameRule = {
  what: "Lambda function name",
  pattern: /^[a-zA-Z0-9_-]+$/,
  max: 64,
  hint: "letters, digits, hyphens and underscores",
};
export const LAMBDA_ALIAS: NameRule = {
  what: "Lambda alias",
  pattern: /^(?!^[0-9]+$)[a-zA-Z0-9_-]+$/,
  max: 128,
  hint: "letters, digits, hyphens and underscores, not only digits",
};
export const IAM_ROLE_NAME: NameRule = {
  what: "IAM role name",
  pattern: /^[\w+=,.@-]+$/,
  max: 64,
  hint: "letters, digits and +=,.@_-",
};

/** Why `name` breaks `rule`, or undefined when it is fine. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (name.length > rule.max) {
    return `${rule.what} "${name}" is ${name.length} characters; at most ${rule.max}`;
  }
  if (!rule.pattern.test(name)) return `${rule.what} "${name}" may only use ${rule.hint}`;
  return undefined;
}

/** Longest attempt number a training job name reserves room for. */
export const MAX_TRAINING_ATTEMPT = 999;

export const derivedNames = {
  trainingJob: (project: string, fingerprint8: string, attempt: number) =>
    `${project}-${fingerprint8}-${attempt}`,
  /** SageMaker names the trials `<tuning job>-NNN-xxxxxxxx`, so they stay under training-job/<project>-*. */
  tuningJob: (project: string, fingerprint8: string, attempt: number) =>
    `${project}-${fingerprint8}-${attempt}`,
  model: (project: string, hash8: string) => `${project}-model-${hash8}`,
  endpointConfig: (project: string, hash8: string) => `${project}-epc-${hash8}`,
  role: (project: string, use: "sagemaker" | "lambda" | "ec2") => `${project}-${use}`,
};

/** The longest name of each derived kind, for validating a project name up front. */
export function longestDerivedSageMakerNames(project: string): string[] {
  const hash = "0".repeat(8);
  return [
    derivedNames.trainingJob(project, hash, MAX_TRAINING_ATTEMPT),
    derivedNames.model(project, hash),
    derivedNames.endpointConfig(project, hash),
  ];
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why `bucket` (templates already filled) breaks S3's bucket naming rules, if it does. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) {
    return `bucket name "${bucket}" is ${bucket.length} characters; it must be 3 to 63`;
  }
  if (!BUCKET.test(bucket)) {
    return `bucket name "${bucket}" may only use lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit`;
  }
  if (bucket.includes("..")) return `bucket name "${bucket}" must not contain two dots in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return `bucket name "${bucket}" must not look like an IP address`;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket))
    return `bucket name "${bucket}" uses a prefix S3 reserves`;
  if (/(-s3alias|--ol-s3|--x-s3|\.mrap)$/.test(bucket))
    return `bucket name "${bucket}" uses a suffix S3 reserves`;
  return undefined;
}

const TEMPLATE = /\$\{([^}]*)\}/g;

/** Fills ${account} and ${region}; reports any other placeholder. */
export function fillTemplate(
  template: string,
  values: { account: string; region: string },
): { value: string; unknown: string[] } {
  const unknown: string[] = [];
  const value = template.replace(TEMPLATE, (whole, name: string) => {
    if (name === "account") return values.account;
    if (name === "region") return values.region;
    unknown.push(whole);
    return whole;
  });
  return { value, unknown };
}

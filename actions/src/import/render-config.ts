// `mlops import`, second half: the config that describes what was read, as YAML with a comment
// beside every value that was guessed, and beside what the first apply will change (the tool
// owns what it manages: its own roles' policies, its own Lambda code). Pure.
import { parseS3Uri } from "../aws/s3-uri.js";
import { formatDuration } from "../config/duration.js";
import type { ImportedProject, ImportedRole } from "./read-project.js";

export interface RenderInput {
  project: string;
  region: string;
  account: string;
  /** Where the written config refers to the schema from (relative to the config file). */
  schema: string;
  imported: ImportedProject;
}

/** A YAML scalar: JSON's strings are YAML's double-quoted strings, so quoting is always safe. */
const scalar = (value: string | number | boolean): string =>
  typeof value === "string" ? JSON.stringify(value) : String(value);

/** The key ARN form endpoint.dataCapture.kmsKeyArn takes (an alias or a key id does not). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;

const seconds = (s: number | undefined): string | undefined =>
  s === undefined ? undefined : formatDuration(s);

export function renderImportedConfig({
  project,
  region,
  account,
  schema,
  imported,
}: RenderInput): string {
  const { endpoint, autoscaling, training, data, lambda, model, guesses } = imported;
  const out: string[] = [];
  const line = (indent: number, text: string, note?: string): void => {
    if (note !== undefined)
      for (const part of wrap(note)) out.push(`${" ".repeat(indent)}# ${part}`);
    out.push(`${" ".repeat(indent)}${text}`);
  };
  const guess = (key: string): string | undefined =>
    guesses[key] === undefined ? undefined : `GUESS: ${guesses[key]}`;

  out.push(
    `# yaml-language-server: $schema=${schema}`,
    "#",
    `# Written by \`mlops import\` from account ${account} in ${region}: the endpoint ${endpoint.name}` +
      (lambda ? ` and the Lambda function ${lambda.name}.` : "."),
    "# Review the lines marked GUESS. Then `mlops plan` lists what mlops adopts (resources it did",
    "# not make) and what that changes: its least-privilege policies instead of the roles' own,",
    "# its Lambda code. The endpoint keeps serving its model (model.serve) until you remove that",
    "# and mlops trains its own. `mlops apply --adopt` does it.",
    "version: 1",
    `project: ${scalar(project)}`,
    `region: ${scalar(region)}`,
    "",
    "data:",
  );
  line(
    2,
    `source: ${scalar(`s3://${data.bucket}/${data.prefix}`)}`,
    guess("data.source") ?? "where the training job read its data: used in place, never synced",
  );
  line(
    2,
    `bucket: ${scalar(data.bucket)}`,
    "artifacts, code archives and the state record go here too",
  );
  line(2, `prefix: ${scalar(data.prefix)}`);

  out.push("", "training:");
  line(2, "backend: sagemaker", guess("training"));
  if (training) {
    line(
      2,
      `entryPoint: ${scalar(training.entryPoint ?? "train.py")}`,
      training.entryPoint === undefined
        ? "GUESS: the job does not name its entry point"
        : undefined,
    );
    line(
      2,
      `sourceDir: "../training"`,
      `GUESS: put the training code here${training.codeUri ? ` (the job's code is ${training.codeUri})` : ""}`,
    );
    line(2, "instance:");
    line(4, `type: ${scalar(training.instanceType)}`);
    line(4, `count: ${training.instanceCount}`);
    line(4, `volumeSizeGB: ${training.volumeSizeGB}`);
    const runtime = seconds(training.maxRuntimeSeconds);
    if (runtime !== undefined) line(2, `maxRuntime: ${runtime}`);
    const keys = Object.keys(training.hyperparameters).sort();
    if (keys.length > 0) {
      line(2, "hyperparameters:");
      for (const key of keys)
        line(4, `${scalar(key)}: ${scalar(training.hyperparameters[key] ?? "")}`);
    }
  } else {
    line(2, `sourceDir: "../training"`, "GUESS: put the training code here");
  }

  out.push("", "model:");
  line(
    2,
    "serve:",
    "what the endpoint serves now, kept: no training runs on apply. Remove `serve` to serve what the training section trains (`mlops train` trains and deploys one meanwhile; the next apply comes back to this)",
  );
  line(4, `artifact: ${scalar(model.artifact)}`);
  line(4, `image: ${scalar(model.image)}`);
  // Always written, empty too: without it mlops would give the container its own variables.
  const variables = Object.keys(model.environment).sort();
  if (variables.length === 0) line(4, "environment: {}", "the model sets no variables");
  else {
    line(4, "environment:");
    for (const key of variables) line(6, `${scalar(key)}: ${scalar(model.environment[key] ?? "")}`);
  }
  line(
    4,
    "adopt:",
    "taken over as they are while they match the lines above; if the config changes, mlops makes its own and keeps these for rollback",
  );
  line(6, `model: ${scalar(model.name)}`);
  if (guesses["endpoint.variantName"] === undefined)
    line(6, `endpointConfig: ${scalar(endpoint.configName)}`);
  else
    out.push(
      `      # GUESS: ${endpoint.configName} is not adopted: it has several variants and mlops serves one, in a config of its own`,
    );

  out.push("", "endpoint:");
  line(2, `name: ${scalar(endpoint.name)}`);
  line(2, `variantName: ${scalar(endpoint.variantName)}`, guess("endpoint.variantName"));
  line(2, `instanceType: ${scalar(endpoint.instanceType)}`);
  line(2, `initialInstanceCount: ${endpoint.initialInstanceCount}`);
  const capture = endpoint.dataCapture;
  if (capture) {
    const where = parseS3Uri(capture.destination);
    // SageMaker takes the destination with or without its final slash; the config's prefix has it.
    const key = where?.key.endsWith("/") === false ? `${where.key}/` : (where?.key ?? "");
    const inDataBucket = where?.bucket === data.bucket && /^([^/]+\/)+$/.test(key);
    line(2, "dataCapture:");
    line(
      4,
      `samplingPercentage: ${Math.max(1, capture.samplingPercentage)}`,
      capture.samplingPercentage < 1
        ? "GUESS: it samples 0% now (captures nothing); mlops captures at least 1%"
        : undefined,
    );
    line(4, `capture: [${capture.capture.map((c) => scalar(c)).join(", ")}]`);
    line(
      4,
      `prefix: ${scalar(inDataBucket ? key : "data-capture/")}`,
      inDataBucket
        ? undefined
        : `GUESS: it captures to ${capture.destination} now; mlops captures under a prefix of the data bucket (a new endpoint config, deployed with the usual cutover)`,
    );
    const kms = capture.kmsKeyArn;
    if (kms !== undefined && KMS_KEY_ARN.test(kms)) line(4, `kmsKeyArn: ${scalar(kms)}`);
    else if (kms !== undefined)
      out.push(
        `    # GUESS: it encrypts captures with ${kms}; mlops takes a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) in kmsKeyArn`,
      );
  }
  if (autoscaling) {
    line(2, "autoscaling:", "the scalable target and its target-tracking policy, as they are");
    line(4, `minCapacity: ${autoscaling.minCapacity}`);
    line(4, `maxCapacity: ${autoscaling.maxCapacity}`);
    line(4, `targetInvocationsPerInstance: ${autoscaling.targetInvocationsPerInstance}`);
    const scaleIn = seconds(autoscaling.scaleInCooldownSeconds);
    const scaleOut = seconds(autoscaling.scaleOutCooldownSeconds);
    if (scaleIn !== undefined) line(4, `scaleInCooldown: ${scaleIn}`);
    if (scaleOut !== undefined) line(4, `scaleOutCooldown: ${scaleOut}`);
    if (autoscaling.disableScaleIn) line(4, "disableScaleIn: true");
  }

  if (lambda) {
    out.push("", "lambda:");
    line(2, `name: ${scalar(lambda.name)}`, guess("lambda.code"));
    line(2, `architecture: ${lambda.architecture}`);
    line(2, `memory: ${lambda.memory}`);
    line(2, `timeout: ${formatDuration(lambda.timeoutSeconds)}`);
    if (lambda.alias)
      line(
        2,
        `alias: ${scalar(lambda.alias.name)}`,
        guess("lambda.alias") ?? `points at version ${lambda.alias.version} now`,
      );
    if (lambda.provisioned)
      line(
        2,
        `provisionedConcurrency: ${lambda.provisioned.count}`,
        guess("lambda.provisionedConcurrency"),
      );
    if (lambda.reservedConcurrency !== undefined)
      line(2, `reservedConcurrency: ${lambda.reservedConcurrency}`);
    const env = Object.keys(lambda.environment)
      .filter((k) => !k.startsWith("MLOPS_"))
      .sort();
    if (env.length > 0) {
      line(2, "environment:");
      for (const key of env) line(4, `${scalar(key)}: ${scalar(lambda.environment[key] ?? "")}`);
    }
  }

  out.push("", "monitoring:");
  line(
    2,
    "alarms: false",
    "mlops's alarms (endpoint 5XX and p99 latency, Lambda errors, throttles, spillover) are off so the first plan only adopts what exists; set true to create them",
  );

  const roles: [string, ImportedRole | undefined][] = [
    ["sagemaker", model.role],
    ["lambda", lambda?.role],
  ];
  const named = roles.filter((r): r is [string, ImportedRole] => r[1] !== undefined);
  if (named.length > 0) {
    const paths = [...new Set(named.map(([, r]) => r.path))];
    out.push("", "iam:");
    // One path for every role: the model's role's, so the adopted model stays what it is.
    const path = model.role?.path ?? paths[0] ?? "/";
    line(
      2,
      `path: ${scalar(path)}`,
      paths.length === 1
        ? "the roles' own path, so their ARNs stay what the function and model use"
        : `GUESS: the roles are under ${paths.join(" and ")}; mlops keeps its roles under one path, the model's role's, and replaces the others under it (same name, new ARN)`,
    );
    line(
      2,
      "roleNames:",
      "the roles as they are named now; their policies become mlops's least-privilege ones, and every other inline or attached policy is removed (allow a managed one with iam.extraPolicies)",
    );
    for (const [use, role] of named) line(4, `${use}: ${scalar(role.name)}`);
  }
  return `${out.join("\n")}\n`;
}

/** A comment's words in lines of at most 96 characters. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/)) {
    if (current !== "" && current.length + word.length + 1 > 96) {
      lines.push(current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  if (current !== "") lines.push(current);
  return lines;
}

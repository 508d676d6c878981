// `mlops import`: brings a project made by hand (console, notebook) under the tool. Reads the
// endpoint (config, model, scaling), the training job behind the model, the Lambda function in
// front and the roles, and writes the config describing them, with a comment on every guess.
// Overwrites nothing without --force. The next `mlops plan` shows the adoptions.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createClients } from "../aws/clients.js";
import { withContext } from "../aws/errors.js";
import { loadConfigWithWarnings } from "../config/load.js";
import { ConfigError, formatIssue } from "../config/issues.js";
import { readProject } from "../import/read-project.js";
import { renderImportedConfig } from "../import/render-config.js";
import { toolRoot } from "../init/tool-files.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface ImportOptions {
  readonly config: string;
  readonly endpoint: string;
  readonly functionName: string | undefined;
  readonly project: string | undefined;
  readonly region: string | undefined;
  readonly force: boolean;
}

// The schema's rule for project names (init checks the same).
const PROJECT = /^[a-z0-9](-?[a-z0-9])*$/;

export async function importCommand(options: ImportOptions, io: Output): Promise<number> {
  const region = options.region ?? process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"];
  if (region === undefined || region === "")
    throw new UsageError("import needs a region: --region R (or AWS_REGION)");
  const project = options.project ?? projectFromName(options.endpoint);
  if (!PROJECT.test(project) || project.length < 2 || project.length > 40)
    throw new UsageError(
      `--project "${project}" must be 2 to 40 lower-case letters, digits and single hyphens (it prefixes AWS names)`,
    );
  const file = resolve(options.config);
  if (existsSync(file) && !options.force) {
    io.err(
      `mlops import: ${options.config} exists. Nothing was written. Run again with --force to overwrite it.`,
    );
    return 1;
  }

  const clients = createClients(region);
  const [identity, imported] = await Promise.all([
    withContext("asking STS who we are", () => clients.sts.send(new GetCallerIdentityCommand({}))),
    readProject(clients, {
      endpoint: options.endpoint,
      ...(options.functionName !== undefined && { functionName: options.functionName }),
    }),
  ]);
  const text = renderImportedConfig({
    project,
    region,
    account: identity.Account ?? "",
    schema: relative(dirname(file), join(toolRoot(), "schemas", "mlops.schema.json")),
    imported,
  });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);

  io.out(
    `Wrote ${options.config} from ${options.endpoint}` +
      (imported.lambda ? ` and ${imported.lambda.name}` : "") +
      ".",
  );
  for (const [field, why] of Object.entries(imported.guesses)) io.out(`  guessed ${field}: ${why}`);
  // What the config still lacks is said now: an error stops the plan; the training code it
  // points at (a warning while it serves the imported model) is needed by `mlops train`.
  try {
    const { warnings } = loadConfigWithWarnings(file);
    if (warnings.length > 0)
      io.out(`Before training, see to:\n${warnings.map((w) => `  ${formatIssue(w)}`).join("\n")}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.out(`Before planning, fix:\n${error.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
  }
  io.out(`
Next:
  1. review the lines marked GUESS in ${options.config}
  2. npx mlops plan --config ${options.config}     (lists what mlops adopts, and what that changes)
  3. npx mlops apply --config ${options.config} --adopt`);
  return 0;
}

/** A project name from the endpoint's: lower-case, other characters as single hyphens. */
function projectFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

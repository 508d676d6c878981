// What `mlops init` writes, as data: path -> contents. Pure, so tests can check every file
// without touching a disk, and init can say what it would overwrite before writing anything.
import { readFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import type { ActionsRef } from "./actions-ref.js";

export type Backend = "sagemaker" | "ec2" | "local";

export interface ScaffoldOptions {
  readonly project: string;
  readonly region: string;
  readonly backend: Backend;
  /** Where the config goes, relative to the project root (posix separators). */
  readonly configPath: string;
  readonly actions: ActionsRef;
}

/**
 * The training code init copies: train.py and inference.py with every module they import
 * (inference.py, model_def.py and requirements.txt travel on into the model archive's code/),
 * the local server and the synthetic data generator. Nothing of them imports this repository.
 */
export const TRAINING_FILES = [
  "train.py",
  "inference.py",
  "artifacts.py",
  "checkpoint.py",
  "data.py",
  "distributed.py",
  "engine.py",
  "model_def.py",
  "settings.py",
  "serve.py",
  "generate_data.py",
  "requirements.txt",
] as const;

/** Our workflows that a user's repository gets, with `uses: ./actions/X` made versioned. */
export const WORKFLOWS = ["plan.yml", "deploy.yml", "retrain.yml", "drift.yml"] as const;

/** The concurrency group our deploy and retrain workflows share, named after our project. */
const OUR_DEPLOY_GROUP = "mlops-deploy-dog-breeds";
const OUR_CONFIG = "config/mlops.yaml";

export function scaffold(toolRoot: string, options: ScaffoldOptions): Map<string, string> {
  const files = new Map<string, string>();
  files.set(options.configPath, configYaml(options));
  for (const name of TRAINING_FILES)
    files.set(`training/${name}`, readFileSync(join(toolRoot, "training", name), "utf8"));
  files.set("data/README.md", DATA_README);
  for (const name of WORKFLOWS) {
    const ours = readFileSync(join(toolRoot, ".github", "workflows", name), "utf8");
    files.set(`.github/workflows/${name}`, versionedWorkflow(ours, name, options));
  }
  return files;
}

/** From the config's folder to a folder at the project root, posix, as the config writes it. */
function fromConfig(configPath: string, target: string): string {
  const rel = relative(dirname(configPath) || ".", target)
    .split(sep)
    .join(posix.sep);
  return rel === "" ? "." : rel;
}

export function schemaUrl(actions: ActionsRef): string {
  // Pinned to the same commit as the actions: the schema an editor checks against is the one
  // of the release that runs in CI, and a later release cannot change it underneath.
  return `https://raw.githubusercontent.com/${actions.repository}/${actions.sha}/schemas/mlops.schema.json`;
}

export function configYaml(o: ScaffoldOptions): string {
  const training = {
    sagemaker: `  # A managed SageMaker training job (PyTorch script mode) per run.
  framework: { name: pytorch, version: "2.3", python: py311 }
  instance: { type: ml.m5.xlarge, count: 1 }
  spot: { enabled: false }
  maxRuntime: 2h`,
    ec2: `  # An ephemeral GPU runner (the retrain workflow starts it, trains, terminates it).
  ec2:
    # G5 first, G4dn if G5 capacity is short; spot first, on-demand as fallback.
    instanceTypes: [g5.xlarge, g4dn.xlarge]
    market: spot-with-fallback
    maxLifetime: 3h
    idleTimeout: 15m`,
    local: `  # Trains on the machine that runs mlops (in CI: the deploy job's runner), with this
  # interpreter, which needs torch, torchvision and training/requirements.txt installed.
  local: { python: python3 }`,
  }[o.backend];
  return `# yaml-language-server: $schema=${schemaUrl(o.actions)}
#
# Written by \`mlops init\`. One file declares the ML service: the data set in S3, how the
# model is trained, the quality gate it must pass and the SageMaker endpoint serving it.
# \`npx mlops validate\` checks it, \`npx mlops plan\` shows what would change in AWS, and the
# workflows in .github/workflows plan every pull request and apply every merge.
# Paths are relative to this file; the schema above describes every field.
version: 1
# Prefixes every AWS name the tool derives (roles, models, training jobs): keep it short.
project: ${o.project}
region: ${o.region}

data:
  # Images in ImageFolder layout: train/, valid/ and test/, one folder per class
  # (see ${fromConfig(o.configPath, "data")}/README.md). Synced to S3 by content hash.
  source: ${fromConfig(o.configPath, "data")}
  exclude: [README.md]
  # One bucket per account and region; \${account} comes from STS at plan time.
  bucket: ${o.project}-\${account}-\${region}
  prefix: images/
  # Never delete objects that vanished from the folder unless asked to.
  delete: false

training:
  backend: ${o.backend}
  entryPoint: train.py
  sourceDir: ${fromConfig(o.configPath, "training")}
${training}
  # Passed to train.py as --name value (see training/settings.py for all of them).
  hyperparameters:
    epochs: 10
    batch-size: 64
    learning-rate: 0.001
  metrics:
    - { name: test:accuracy, regex: "test_accuracy=([0-9.]+)" }
    - { name: valid:loss, regex: "val_loss=([0-9.]+)" }

model:
  # A model that scores below this on the test split is not deployed. test_accuracy is a key
  # of the metrics.json train.py writes, so the gate works on every backend.
  qualityGate: { metric: test_accuracy, min: 0.7 }
  # Superseded models and endpoint configs kept for a rollback.
  keep: 3

endpoint:
  # Clients use this name; it never changes across model updates.
  name: ${o.project}
  instanceType: ml.m5.large
  initialInstanceCount: 1

iam:
  # The roles the tool creates live under this path, with generated least-privilege policies.
  path: /mlops/
`;
}

/**
 * One of our workflows, for a user's repository: each `uses: ./actions/X` becomes
 * `uses: OWNER/REPO/actions/X@SHA # TAG`, the deploy concurrency group is named after the
 * user's project, and the config path is theirs. Throws when our workflow no longer has the
 * shape this relies on, so a change to it cannot silently produce a broken scaffold.
 */
export function versionedWorkflow(text: string, name: string, o: ScaffoldOptions): string {
  const { repository, sha, tag } = o.actions;
  let local = 0;
  let out = text.replace(
    /^(\s*(?:- )?uses: )\.\/actions\/([a-z0-9-]+)\s*$/gm,
    (_m, lead: string, action: string) => {
      local++;
      return `${lead}${repository}/actions/${action}@${sha} # ${tag}`;
    },
  );
  if (local === 0)
    throw new Error(
      `.github/workflows/${name} uses none of our actions: init's template is out of date`,
    );
  if (/\.\/actions\//.test(out))
    throw new Error(
      `.github/workflows/${name} refers to ./actions/ in a form init does not rewrite`,
    );
  if (out.includes(OUR_DEPLOY_GROUP))
    out = out.replaceAll(OUR_DEPLOY_GROUP, `mlops-deploy-${o.project}`);
  // Paths filters and inputs name our config; the user's may live elsewhere (--config).
  out = out.replaceAll(OUR_CONFIG, o.configPath);
  return out;
}

const DATA_README = `# Training data

Put the data set here in ImageFolder layout, one folder per class in each split:

    data/train/<class>/*.jpg
    data/valid/<class>/*.jpg
    data/test/<class>/*.jpg

\`mlops apply\` syncs it to the data bucket by content hash (this README is excluded in
config/mlops.yaml). To try the pipeline first, generate a small synthetic set of shapes:

    python training/generate_data.py --out data --classes 5 --per-class-train 40 --seed 0

For a large data set kept elsewhere, set \`data.source\` to an \`s3://\` prefix (used in place)
or an \`https://\` zip archive instead.
`;

/** The section init adds to README.md (or writes as README.md). */
export function readmeSection(o: ScaffoldOptions): string {
  return `## ML service (mlops)

\`${o.configPath}\` declares the service: data, training (\`training/\`), quality gate and
endpoint. It is reconciled by [mlops](https://github.com/${o.actions.repository}): pull
requests get the plan as a comment, merges to \`main\` apply it, and the \`retrain\` workflow
(Actions → retrain → Run workflow) trains with other hyperparameters.

\`\`\`sh
npx mlops validate                  # check ${o.configPath}
npx mlops plan                      # what would change in AWS, and why
npx mlops apply                     # make AWS match (asks first)
npx mlops train --set epochs=20     # retrain now, deploy if the quality gate passes
\`\`\`

The workflows use the mlops actions at ${o.actions.tag} (\`${o.actions.repository}/actions/*@${o.actions.sha.slice(0, 12)}…\`).
One-time set-up of the AWS roles and GitHub settings: see the mlops set-up guide
(https://github.com/${o.actions.repository}/blob/${o.actions.sha}/docs/setup.md).
`;
}

/** Marks the README section so a re-run with --force replaces it instead of adding another. */
export const README_BEGIN = "<!-- mlops init: begin -->";
export const README_END = "<!-- mlops init: end -->";

/** README.md with the section added, or its previous section replaced. */
export function withReadmeSection(existing: string | undefined, section: string): string {
  const block = `${README_BEGIN}\n${section}${README_END}\n`;
  if (existing === undefined || existing.trim() === "") return block;
  const begin = existing.indexOf(README_BEGIN);
  const end = existing.indexOf(README_END);
  if (begin >= 0 && end > begin)
    return (
      existing.slice(0, begin) + block + existing.slice(end + README_END.length).replace(/^\n/, "")
    );
  return `${existing.replace(/\n*$/, "\n")}\n${block}`;
}

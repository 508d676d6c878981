// The mlops command line: parses arguments, runs one command, maps outcomes to exit codes
// (0 ok, 1 failed or invalid, 2 usage). A user mistake never prints a stack trace unless --debug.
import { parseArgs } from "node:util";
import { ConfigError } from "../config/issues.js";
import { isOperationalError } from "../operational-errors.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";
import type { EngineOptions } from "./engine-command.js";
import {
  COMMON_OPTIONS,
  commandUsage,
  parseArgsOptions,
  toolUsage,
  type CommandHelp,
  type OptionHelp,
} from "./help.js";

type Values = Record<string, unknown>;

interface Command extends CommandHelp {
  run(values: Values, positionals: string[], io: Output): Promise<number>;
}

// Each command's module is imported only when that command runs: most of them pull in the
// AWS SDK, which `validate` and `--help` must not pay for at start-up.
function lazy<M>(
  spec: CommandHelp & {
    load: () => Promise<M>;
    run: (module: M, values: Values, positionals: string[], io: Output) => Promise<number> | number;
  },
): Command {
  const { load, run, ...help } = spec;
  return {
    ...help,
    options: { ...COMMON_OPTIONS, ...help.options },
    run: async (values, positionals, io) => run(await load(), values, positionals, io),
  };
}

const engine = (v: Values): EngineOptions => ({
  config: String(v["config"]),
  debug: v["debug"] === true,
  ...(typeof v["env"] === "string" && { environment: v["env"] }),
});
const optionalString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const autoApprove: OptionHelp = {
  type: "boolean",
  default: false,
  help: "do not ask before changing anything (CI)",
};

const commands: Record<string, Command> = {
  init: lazy({
    summary: "scaffold a project: config, training code, workflows using the released actions",
    synopsis:
      "[DIR] [--project NAME] [--region R] [--backend B] [--force] [--actions-repo OWNER/REPO]",
    description:
      "Writes into DIR (default: here) config/mlops.yaml (commented, with the schema modeline),\ntraining/ (a runnable train.py and inference.py), data/README.md, the plan, deploy, retrain\nand drift workflows using the actions by version (OWNER/REPO/actions/plan@SHA # vX), and a\nREADME.md section (--config PATH puts the config elsewhere). Overwrites nothing without\n--force: it names what is in the way instead. The actions' SHA is the tag's commit in this\ntool's checkout, else `git ls-remote`.",
    options: {
      project: {
        type: "string",
        value: "NAME",
        help: "project name, prefix of AWS names (default: the folder's name)",
      },
      region: { type: "string", default: "us-east-1", value: "R", help: "AWS region" },
      backend: {
        type: "string",
        default: "sagemaker",
        value: "sagemaker|ec2|local",
        help: "where training runs",
      },
      force: {
        type: "boolean",
        default: false,
        help: "overwrite files that exist (and replace init's README section)",
      },
      "actions-repo": {
        type: "string",
        value: "OWNER/REPO",
        help: "where the actions are released (default: package.json repository, else origin)",
      },
      "actions-ref": {
        type: "string",
        value: "TAG",
        help: "release tag named in the workflows (default: v<major> of this mlops)",
      },
      "actions-sha": {
        type: "string",
        value: "SHA",
        help: "commit the tag points at (default: looked up; needed offline)",
      },
    },
    examples: [
      "mlops init",
      "mlops init ml-service --project pets --region eu-west-1 --backend local",
      "mlops init --actions-repo acme/mlops --actions-ref v1 --actions-sha 0123...",
    ],
    load: () => import("./init-command.js"),
    run: ({ initCommand }, v, p, io) => {
      if (p.length > 1) throw new UsageError(`init takes one folder, not ${p.length}`);
      return initCommand(
        {
          dir: p[0] ?? ".",
          config: String(v["config"]),
          project: optionalString(v["project"]),
          region: String(v["region"]),
          backend: oneOf(v["backend"], ["sagemaker", "ec2", "local"], "--backend"),
          force: v["force"] === true,
          actionsRepo: optionalString(v["actions-repo"]),
          actionsRef: optionalString(v["actions-ref"]),
          actionsSha: optionalString(v["actions-sha"]),
        },
        io,
      );
    },
  }),
  bootstrap: lazy({
    summary: "create the OIDC provider, boundary and CI roles a repository's workflows need",
    synopsis:
      "--github OWNER/REPO [--environment NAME] [--configure-github] [--auto-approve] [--destroy]",
    description:
      "Does docs/setup.md steps 1-6 with an administrator's credentials: GitHub's OIDC provider\n(reused if present), the permissions boundary, and the plan and deploy roles with the\npolicies `mlops iam-policy` prints and trust scoped to the repository (pull requests and main;\nthe deploy environment). With environments: in the config, one deploy role per stage (build,\nthen DEPLOY-ROLE-ENV for each environment), each trusted by the GitHub environment of its\nstage. Shows the plan first; a re-run changes nothing. --destroy removes what bootstrap made.\nThen prints the GitHub settings to make, or with --configure-github makes the environments\nand variables itself (steps 7-8).",
    options: {
      github: {
        type: "string",
        value: "OWNER/REPO",
        help: "the repository whose workflows may assume the roles",
      },
      environment: {
        type: "string",
        value: "NAME",
        help: "the deploy jobs' GitHub environment (default production; not with environments:)",
      },
      "plan-role": {
        type: "string",
        default: "mlops-plan",
        value: "NAME",
        help: "name of the read-only plan role",
      },
      "deploy-role": {
        type: "string",
        default: "mlops-deploy",
        value: "NAME",
        help: "name of the deploy role; with environments:, each environment's is NAME-ENV",
      },
      destroy: {
        type: "boolean",
        default: false,
        help: "remove the roles, boundary and provider bootstrap made",
      },
      "configure-github": {
        type: "boolean",
        default: false,
        help: "also create the environments (main only) and variables, with $GITHUB_TOKEN",
      },
      "auto-approve": autoApprove,
    },
    examples: [
      "mlops bootstrap --github acme/ml-service",
      "mlops bootstrap --github acme/ml-service --destroy --auto-approve",
    ],
    load: () => import("./bootstrap-command.js"),
    run: ({ bootstrapCommand }, v, _p, io) =>
      bootstrapCommand(
        {
          config: String(v["config"]),
          github: optionalString(v["github"]),
          environment: optionalString(v["environment"]),
          planRole: String(v["plan-role"]),
          deployRole: String(v["deploy-role"]),
          destroy: v["destroy"] === true,
          autoApprove: v["auto-approve"] === true,
          configureGitHub: v["configure-github"] === true,
        },
        io,
      ),
  }),
  validate: lazy({
    summary: "check the config against the schema and the rules AWS imposes",
    synopsis: "[--format text|json]",
    description:
      "Reads the config file and reports every problem at once, each at file:line:col: schema\nviolations, AWS name and size limits (counting what the tool adds), files that must exist.\nTalks to no AWS account. Exit code 1 when the config is invalid.",
    options: {
      format: { type: "string", default: "text", value: "text|json", help: "output format" },
    },
    examples: ["mlops validate", "mlops validate --config config/full.example.yaml --format json"],
    load: () => import("./validate-command.js"),
    run: ({ validateCommand }, v, _p, io) =>
      validateCommand(
        { config: String(v["config"]), format: oneOf(v["format"], ["text", "json"], "--format") },
        io,
      ),
  }),
  plan: lazy({
    summary: "show what apply would change, and why",
    synopsis: "[--out PLAN.json] [--markdown-out FILE] [--format text|markdown|json]",
    description:
      "Reads the live account and diffs it against the config: every resource to create, update,\nreplace or delete, with the fields and the reason. Changes nothing. --out saves the plan so\n`mlops apply --plan` applies exactly it.",
    options: {
      env: {
        type: "string",
        value: "STAGE",
        help: "with environments: the stage (default: every stage, one section each)",
      },
      out: { type: "string", value: "PLAN.json", help: "also write the plan as JSON" },
      "markdown-out": {
        type: "string",
        value: "FILE",
        help: "also write the plan as markdown (a pull request comment)",
      },
      format: {
        type: "string",
        default: "text",
        value: "text|markdown|json",
        help: "what to print",
      },
      "detailed-exitcode": {
        type: "boolean",
        default: false,
        help: "exit 0 when nothing changes, 2 when something would (as terraform plan)",
      },
    },
    examples: ["mlops plan", "mlops plan --out plan.json --markdown-out plan.md"],
    load: () => import("./plan-command.js"),
    run: ({ planCommand }, v, _p, io) => {
      const out = optionalString(v["out"]);
      const markdownOut = optionalString(v["markdown-out"]);
      return planCommand(
        {
          ...engine(v),
          ...(out !== undefined && { out }),
          ...(markdownOut !== undefined && { markdownOut }),
          format: oneOf(v["format"], ["text", "markdown", "json"], "--format"),
          detailedExitcode: v["detailed-exitcode"] === true,
        },
        io,
      );
    },
  }),
  status: lazy({
    summary: "show the live service: endpoint, model, alarms, Lambda, training runs",
    synopsis: "[--env STAGE] [--format text|markdown|json]",
    description:
      "Reads the account (Describe/Get/List only; the plan role may run it) and shows the\nendpoint's status and instance count (now, min, max), the model it serves and since when,\nits data capture, each alarm's state, the Lambda alias's version and concurrency, and the\nlatest training runs with their metrics. Changes nothing.",
    options: {
      format: {
        type: "string",
        default: "text",
        value: "text|markdown|json",
        help: "what to print",
      },
      env: {
        type: "string",
        value: "STAGE",
        help: "with environments: the environment to show (its registry version included)",
      },
    },
    examples: ["mlops status", "mlops status --format json", "mlops status --env production"],
    load: () => import("./status-command.js"),
    run: ({ statusCommand }, v, _p, io) =>
      statusCommand(
        { ...engine(v), format: oneOf(v["format"], ["text", "markdown", "json"], "--format") },
        io,
      ),
  }),
  apply: lazy({
    summary: "make AWS match the config",
    synopsis: "[--plan PLAN.json] [--adopt] [--auto-approve [--allow-rollback]]",
    description:
      "Plans, shows the plan, asks, then applies it under the project's lock. With --plan, applies\nexactly that saved plan, or nothing if the account or the config moved since it was made.\nA plan that adopts resources mlops did not make is refused, changing nothing, without --adopt.\nSafe to interrupt: Ctrl-C finishes the steps in flight, and a re-run converges.",
    options: {
      env: {
        type: "string",
        value: "STAGE",
        help: "with environments: the stage (build, the default for apply, or an environment)",
      },
      plan: {
        type: "string",
        value: "PLAN.json",
        help: "apply this saved plan (mlops plan --out)",
      },
      "auto-approve": autoApprove,
      "allow-rollback": {
        type: "boolean",
        default: false,
        help: "with --auto-approve, apply a fresh plan even if it rolls the served model back",
      },
      adopt: {
        type: "boolean",
        default: false,
        help: "take over the resources the plan adopts (made by hand with the tool's names)",
      },
    },
    examples: [
      "mlops apply",
      "mlops apply --plan plan.json --auto-approve",
      "mlops apply --plan plan.json --adopt",
    ],
    load: () => import("./apply-command.js"),
    run: ({ applyCommand }, v, _p, io) => {
      const plan = optionalString(v["plan"]);
      return applyCommand(
        {
          ...engine(v),
          ...(plan !== undefined && { plan }),
          autoApprove: v["auto-approve"] === true,
          allowRollback: v["allow-rollback"] === true,
          adopt: v["adopt"] === true,
        },
        io,
      );
    },
  }),
  train: lazy({
    summary: "train now, then deploy if the quality gate passes",
    synopsis:
      "[--set key=value ...] [--backend B] [--tune] [--force] [--no-deploy] [--follow] [--format text|json]",
    description:
      "Starts a training run with the config's inputs and any overrides, waits for it, and deploys\nthe model through the normal plan when it passes the quality gate. A completed run with the\nsame inputs is reused unless --force.",
    options: {
      set: {
        type: "string",
        multiple: true,
        default: [],
        value: "key=value",
        help: "override one hyperparameter",
      },
      backend: {
        type: "string",
        value: "sagemaker|ec2|local",
        help: "train on another backend than the config's",
      },
      force: {
        type: "boolean",
        default: false,
        help: "retrain even if a run with the same inputs completed (or retry a failed one)",
      },
      "no-deploy": { type: "boolean", default: false, help: "stop after training" },
      follow: { type: "boolean", default: false, help: "stream the training job's log" },
      tune: {
        type: "boolean",
        default: false,
        help: "run the search declared in training.tuning (even where not enabled)",
      },
      format: {
        type: "string",
        default: "text",
        value: "text|json",
        help: "json: the run (a search's trials sorted, the best marked) on stdout",
      },
      "auto-approve": autoApprove,
    },
    examples: [
      "mlops train --set epochs=20 --set learning_rate=0.01",
      "mlops train --force --no-deploy --follow",
      "mlops train --tune --format json",
    ],
    load: () => import("./train-command.js"),
    run: ({ trainCommand }, v, _p, io) => {
      const backend =
        v["backend"] === undefined
          ? undefined
          : oneOf(v["backend"], ["sagemaker", "ec2", "local"], "--backend");
      return trainCommand(
        {
          ...engine(v),
          ...(backend !== undefined && { backend }),
          force: v["force"] === true,
          set: (v["set"] as string[] | undefined) ?? [],
          deploy: v["no-deploy"] !== true,
          follow: v["follow"] === true,
          tune: v["tune"] === true,
          format: oneOf(v["format"], ["text", "json"], "--format"),
          autoApprove: v["auto-approve"] === true,
        },
        io,
      );
    },
  }),
  promote: lazy({
    summary: "approve a model version for an environment, then deploy it there",
    synopsis: "--to ENV [--version N] [--auto-approve]",
    description:
      "Sets the registry version's ModelApprovalStatus to Approved, with an ApprovalDescription\nnaming who approved it and the workflow run, pins ENV (an environment with approval: true)\nto it and applies ENV. Default version: the one the environment before ENV serves. Never\nretrains: ENV's model uses the version's artifact and image.",
    options: {
      to: { type: "string", value: "ENV", help: "the environment to promote to" },
      version: {
        type: "string",
        value: "N",
        help: "the registry version (default: what the stage before serves)",
      },
      "auto-approve": autoApprove,
    },
    examples: [
      "mlops promote --to production",
      "mlops promote --to production --version 7 --auto-approve",
    ],
    load: () => import("./promote-command.js"),
    run: ({ promoteCommand }, v, _p, io) => {
      const version = optionalVersion(v["version"], "--version");
      return promoteCommand(
        {
          ...engine(v),
          to: required(v["to"], "--to"),
          ...(version !== undefined && { version }),
          autoApprove: v["auto-approve"] === true,
        },
        io,
      );
    },
  }),
  rollback: lazy({
    summary: "deploy an earlier approved model version to an environment",
    synopsis: "--env ENV [--to N] [--auto-approve]",
    description:
      "Pins ENV to an earlier approved registry version (default: the one it served before the\ncurrent one) and applies it through the same plan and verified endpoint cutover as any\ndeployment. The next promote moves it forward again.",
    options: {
      env: { type: "string", value: "ENV", help: "the environment to roll back" },
      to: {
        type: "string",
        value: "N",
        help: "the registry version (default: the one served before)",
      },
      "auto-approve": autoApprove,
    },
    examples: [
      "mlops rollback --env production",
      "mlops rollback --env production --to 6 --auto-approve",
    ],
    load: () => import("./rollback-command.js"),
    run: ({ rollbackCommand }, v, _p, io) => {
      const to = optionalVersion(v["to"], "--to");
      const { environment: _stage, ...options } = engine(v);
      return rollbackCommand(
        {
          ...options,
          env: required(v["env"], "--env"),
          ...(to !== undefined && { to }),
          autoApprove: v["auto-approve"] === true,
        },
        io,
      );
    },
  }),
  models: lazy({
    summary: "list the model registry's versions and where each is deployed",
    synopsis: "[--format table|json]",
    description:
      "Lists the project's registered model versions, newest first: version, when it was\nregistered, its metrics, its approval status and the environments serving it.",
    options: {
      format: { type: "string", default: "table", value: "table|json", help: "output format" },
    },
    examples: ["mlops models", "mlops models --format json"],
    load: () => import("./models-command.js"),
    run: ({ modelsCommand }, v, _p, io) =>
      modelsCommand(
        { ...engine(v), format: oneOf(v["format"], ["table", "json"], "--format") },
        io,
      ),
  }),
  sync: lazy({
    summary: "sync the data set to S3, checked against a listing",
    synopsis: "",
    description:
      "Uploads what changed in the data folder (by content hash) and, with data.delete, removes\nwhat is gone. Unlike apply, it lists the bucket prefix, so it also repairs objects changed or\nremoved by hand.",
    options: {},
    examples: ["mlops sync", "mlops sync --config config/mlops.yaml"],
    load: () => import("./sync-command.js"),
    run: ({ syncCommand }, v, _p, io) => syncCommand(engine(v), io),
  }),
  destroy: lazy({
    summary: "delete what the config manages",
    synopsis: "--auto-approve [--include-data]",
    description:
      "Deletes the endpoint, models, scaling, the Lambda and the roles the tool created for this\nproject, in reverse dependency order. The data bucket stays unless --include-data; a state\nbucket of its own (state.bucket) always stays, since other projects may keep state there. Also\nfinishes a move in progress (the old identity's resources) and deletes what carries the\nproject's tags but no state record owns (see mlops janitor --orphans).",
    options: {
      env: {
        type: "string",
        value: "STAGE",
        help: "with environments: the stage to destroy (build, the default, or an environment; environments first)",
      },
      "auto-approve": { ...autoApprove, help: "required: destroy asks for no confirmation" },
      "include-data": {
        type: "boolean",
        default: false,
        help: "also delete the data bucket and its objects",
      },
    },
    examples: ["mlops destroy --auto-approve", "mlops destroy --auto-approve --include-data"],
    load: () => import("./destroy-command.js"),
    run: ({ destroyCommand }, v, _p, io) =>
      destroyCommand(
        {
          ...engine(v),
          autoApprove: v["auto-approve"] === true,
          includeData: v["include-data"] === true,
        },
        io,
      ),
  }),
  unlock: lazy({
    summary: "remove a stale apply lock",
    synopsis: "LOCK_ID",
    description:
      "Removes the project's apply lock, only if its ID is the one given (an apply waiting for the\nlock prints it). Use it only when the holder is known to be gone.",
    options: {
      env: {
        type: "string",
        value: "STAGE",
        help: "with environments: whose lock (build, the default, or an environment)",
      },
    },
    examples: ["mlops unlock 6f1c2a9e-0b7d-4c55-9e1a-3d2f0c8b7a41"],
    load: () => import("./unlock-command.js"),
    run: ({ unlockCommand }, v, p, io) => unlockCommand({ ...engine(v), id: p[0] }, io),
  }),
  "iam-policy": lazy({
    summary: "print the policy a CI role needs, the roles' boundary, or a trust policy",
    synopsis: "--for plan|deploy|boundary [--trust --repository OWNER/REPO] [--account ID]",
    description:
      "Prints, as JSON, the least-privilege policy the plan or deploy CI role needs for this config,\nor the permissions boundary every role the tool creates carries. With --trust, prints who may\nassume the CI role instead: GitHub OIDC for this repository's pull requests (plan) or its\nprotected environment (deploy). See docs/setup.md.",
    options: {
      for: { type: "string", value: "plan|deploy|boundary", help: "which policy" },
      account: {
        type: "string",
        value: "ID",
        help: "the AWS account id (default: the caller's, from STS)",
      },
      trust: { type: "boolean", default: false, help: "print the CI role's trust policy" },
      repository: {
        type: "string",
        value: "OWNER/REPO",
        help: "whose workflows may assume the role (--trust; default $GITHUB_REPOSITORY)",
      },
      stage: {
        type: "string",
        value: "STAGE",
        help: "with environments: build (default) or an environment, whose deploy role this is",
      },
      environment: {
        type: "string",
        value: "NAME",
        help: "the deploy jobs' GitHub environment (--trust --for deploy; default --stage, else production)",
      },
    },
    examples: [
      "mlops iam-policy --for deploy --account 123456789012",
      "mlops iam-policy --for deploy --trust --repository acme/ml-service --account 123456789012",
    ],
    load: () => import("./iam-policy-command.js"),
    run: ({ iamPolicyCommand }, v, _p, io) =>
      iamPolicyCommand(
        {
          config: String(v["config"]),
          role: oneOf(v["for"], ["plan", "deploy", "boundary"], "--for"),
          account: optionalString(v["account"]),
          trust: v["trust"] === true,
          repository: optionalString(v["repository"]),
          environment: optionalString(v["environment"]),
          stage: optionalString(v["stage"]),
        },
        io,
      ),
  }),
  janitor: lazy({
    summary: "terminate expired EC2 runner instances, remove stale runners",
    synopsis: "[--dry-run] [--orphans [--env STAGE]]",
    description:
      "Terminates this project's GPU runner instances past their expiry tag and, when GITHUB_TOKEN\nand GITHUB_REPOSITORY are set, removes its offline self-hosted runners. Run on a schedule.\nWith --orphans, only lists what carries the project's tags (Resource Groups Tagging API, and\nthe roles under iam.path) in the config's region and the regions its state record knows,\nbut no state record owns: what an interrupted move or a lost record left. Changes nothing.",
    options: {
      "dry-run": {
        type: "boolean",
        default: false,
        help: "say what would be removed, remove nothing",
      },
      orphans: {
        type: "boolean",
        default: false,
        help: "list tagged resources no state record owns; change nothing",
      },
      env: {
        type: "string",
        value: "STAGE",
        help: "with --orphans and environments: the stage whose orphans to list (build, the default, or an environment)",
      },
    },
    examples: [
      "mlops janitor --dry-run",
      "mlops janitor",
      "mlops janitor --orphans",
      "mlops janitor --orphans --env production",
    ],
    load: () => import("./janitor-command.js"),
    run: ({ janitorCommand }, v, _p, io) =>
      janitorCommand(
        {
          config: String(v["config"]),
          dryRun: v["dry-run"] === true,
          debug: v["debug"] === true,
          orphans: v["orphans"] === true,
          ...(typeof v["env"] === "string" && { environment: v["env"] }),
        },
        io,
      ),
  }),
  invoke: lazy({
    summary: "classify one image through the deployed Function URL",
    synopsis: "--image PATH | --url URL [--env ENV] [--top-k N] [--format table|json]",
    description:
      "Sends one image (a local file, base64 in the JSON body, or an https URL the function\nfetches) to the Function URL of lambda.url as a client would: signed with SigV4 (service\nlambda, the AWS credentials of the environment) when its auth is AWS_IAM, so they need\nlambda:InvokeFunctionUrl and lambda:InvokeFunction on the alias. Prints the labels, highest\nfirst. With AWS_ENDPOINT_URL set (the emulator) it connects there, keeping the URL's host.",
    options: {
      image: { type: "string", value: "PATH", help: "an image file to classify" },
      url: {
        type: "string",
        value: "URL",
        help: "an https URL of an image, fetched by the function",
      },
      "top-k": {
        type: "string",
        value: "N",
        help: "show at most N labels (the function returns lambda.topK)",
      },
      format: { type: "string", default: "table", value: "table|json", help: "output format" },
      env: {
        type: "string",
        value: "ENV",
        help: "with environments: the environment whose URL to call",
      },
    },
    examples: [
      "mlops invoke --image dog.jpg",
      "mlops invoke --image dog.jpg --env staging",
      "mlops invoke --url https://example.com/cat.jpg --format json",
    ],
    load: () => import("./invoke-command.js"),
    run: ({ invokeCommand }, v, _p, io) =>
      invokeCommand(
        {
          ...engine(v),
          image: optionalString(v["image"]),
          url: optionalString(v["url"]),
          topK: optionalString(v["top-k"]),
          format: oneOf(v["format"], ["table", "json"] as const, "--format"),
        },
        io,
      ),
  }),
  import: lazy({
    summary: "write the config of a project made by hand (endpoint, Lambda, roles)",
    synopsis: "--endpoint NAME [--function NAME] [--project NAME] [--region R] [--force]",
    description:
      "Reads the SageMaker endpoint (its config, model and auto-scaling), the training job behind\nthe model (from its artifact), the Lambda function in front (alias, versions, concurrency),\nthe data location and the roles, and writes the config that describes them, with a comment\non every guess. Overwrites nothing without --force. Then `mlops plan` lists what mlops\nadopts and what that changes, and `mlops apply --adopt` takes it over.",
    options: {
      endpoint: { type: "string", value: "NAME", help: "the SageMaker endpoint to import" },
      function: {
        type: "string",
        value: "NAME",
        help: "the Lambda function in front of the endpoint",
      },
      project: {
        type: "string",
        value: "NAME",
        help: "project name, prefix of AWS names (default: from the endpoint's name)",
      },
      region: { type: "string", value: "R", help: "AWS region (default: AWS_REGION)" },
      force: { type: "boolean", default: false, help: "overwrite the config file if it exists" },
    },
    examples: [
      "mlops import --endpoint dog-breeds --function dog-breeds-inference",
      "mlops import --endpoint dog-breeds --project pets --region us-east-1 --force",
    ],
    load: () => import("./import-command.js"),
    run: ({ importCommand }, v, _p, io) => {
      const endpoint = optionalString(v["endpoint"]);
      if (endpoint === undefined) throw new UsageError("import needs --endpoint NAME");
      return importCommand(
        {
          config: String(v["config"]),
          endpoint,
          functionName: optionalString(v["function"]),
          project: optionalString(v["project"]),
          region: optionalString(v["region"]),
          force: v["force"] === true,
        },
        io,
      );
    },
  }),
  emulator: lazy({
    summary: "run the local AWS emulator in the foreground",
    synopsis: "[--port N]",
    description:
      "Starts moto plus the operations it lacks on loopback and prints the environment that points\nthe CLI (and the AWS CLI) at it. Ctrl-C stops it.",
    options: {
      port: { type: "string", value: "N", help: "listen on this port (default: a free one)" },
    },
    examples: ["mlops emulator", "mlops emulator --port 5000"],
    load: () => import("./emulator-command.js"),
    run: ({ emulatorCommand }, v, _p, io) =>
      emulatorCommand({ port: v["port"] === undefined ? undefined : Number(v["port"]) }, io),
  }),
};

const USAGE = toolUsage(commands);

export async function main(argv: readonly string[], io: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    const topic = name === "help" && rest[0] !== undefined ? commands[rest[0]] : undefined;
    io.out(topic && rest[0] !== undefined ? commandUsage(rest[0], topic) : USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  let debug = rest.includes("--debug");
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: parseArgsOptions(command.options),
      allowPositionals: true,
      strict: true,
    });
    debug = values["debug"] === true;
    if (values["help"] === true) {
      io.out(commandUsage(name, command));
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      const help = command ? commandUsage(name, command) : USAGE;
      io.err(`mlops: ${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    if (isOperationalError(error)) {
      // Something in AWS or the environment needs attention: the message says what.
      io.err(`mlops: ${error.message}`);
      if (debug && error.stack) io.err(error.stack);
      return 1;
    }
    io.err(`mlops: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    else io.err("(run with --debug for the stack trace, and please report it)");
    return 1;
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(", ")}`);
}

function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")
  );
}

function required(value: unknown, flag: string): string {
  if (typeof value === "string" && value !== "") return value;
  throw new UsageError(`${flag} is required`);
}

/** A registry version number (1, 2, ...), when given. */
function optionalVersion(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value === "string" && /^[1-9]\d*$/.test(value) && Number.isSafeInteger(n)) return n;
  throw new UsageError(
    `${flag} takes a model version number (1, 2, ...), got ${JSON.stringify(value)}`,
  );
}

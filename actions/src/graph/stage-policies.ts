// The CI policies of a config with `environments:`, one role per stage. Each stage's policy is
// ciPolicy() of that stage's graph (its own names) plus the model registry calls the stage
// makes, exactly:
// - plan (one read-only role for pull requests): every stage's reads, the registry's
//   ListModelPackages / DescribeModelPackage(Group), every environment's state record;
// - deploy --stage build: trains and registers: CreateModelPackageGroup, CreateModelPackage
//   (and AddTags on them), the reads; no UpdateModelPackage, so the build cannot approve;
// - deploy --stage <env>: its own endpoint, Lambda and roles, its state record and lock, the
//   registry reads; an environment with `approval: true` also UpdateModelPackage (promote) and
//   reads the state record of the environment before it (what was tested there).
// Nobody in CI deletes a registry version or the group: the registry is history, like the data.
//
// "Only approved versions" is a check, not an IAM condition: CreateModel names an artifact and
// an image, and no condition key ties that to a model package's approval status. The tool
// chooses an Approved version when it plans and checks again, with DescribeModelPackage, right
// before it creates the Model (resources/sagemaker/model.ts registeredArtifact).
import type { Config } from "../config/types.js";
import {
  BUILD_STAGE,
  buildStageConfig,
  environmentConfig,
  environmentNames,
} from "../environments/stages.js";
import { fillTemplate } from "../aws/naming.js";
import { buildGraph } from "./build-graph.js";
import { boundaryPolicy, ciPolicy, type CiRole } from "./ci-policies.js";
import type { DesiredGraph } from "./graph.js";
import type { PolicyDocument, PolicyStatement } from "./iam-policies.js";
import { modelPackageGroupName } from "./registry-nodes.js";

interface StageGraph {
  name: string;
  config: Config;
  graph: DesiredGraph;
}

/** Every stage's config and graph; an environment's as if it deployed some version. */
export function stageGraphs(config: Config, account: string): StageGraph[] {
  const build = buildStageConfig(config);
  return [
    {
      name: BUILD_STAGE,
      config: build,
      graph: buildGraph(build, { account, stage: { kind: "build" } }),
    },
    ...environmentNames(config).map((name) => {
      const env = environmentConfig(config, name);
      const release = { version: 0, arn: "", image: "", artifact: "", requireApproval: false };
      const stage = { kind: "environment" as const, name, buildProject: config.project, release };
      return { name, config: env, graph: buildGraph(env, { account, stage }) };
    }),
  ];
}

/**
 * The policy `mlops iam-policy --for ROLE [--stage STAGE]` prints for this config, and
 * `mlops bootstrap` puts on the role: a stage's with `environments:`, the one role's without.
 */
export function configPolicy(
  config: Config,
  account: string,
  role: CiRole | "boundary",
  stage: string | undefined,
): PolicyDocument {
  if (config.environments) return compacted(stagePolicy(config, account, role, stage));
  const graph = buildGraph(config, { account });
  return compacted(role === "boundary" ? boundaryPolicy(graph) : ciPolicy(config, graph, role));
}

/**
 * The same grants in fewer characters: statements on the same resources under the same
 * condition become one with all their actions. IAM caps a role's inline policies at 10,240
 * characters and a managed policy at 6,144, and a config with every feature came close.
 */
export function compacted(policy: PolicyDocument): PolicyDocument {
  const byScope = new Map<string, PolicyStatement>();
  policy.Statement.forEach((s, i) => {
    // A statement without resources (none is generated) would be kept apart, by its place.
    const resources = s.Resource ? [...s.Resource].sort() : i;
    const scope = JSON.stringify([s.Effect, resources, s.Principal, s.Condition]);
    const seen = byScope.get(scope);
    if (seen === undefined) byScope.set(scope, { ...s });
    else seen.Action = [...new Set([...seen.Action, ...s.Action])];
  });
  return { ...policy, Statement: [...byScope.values()] };
}

export function stagePolicy(
  config: Config,
  account: string,
  role: CiRole | "boundary",
  stage: string | undefined,
): PolicyDocument {
  const stages = stageGraphs(config, account);
  const build = buildStageGraph(stages);
  if (role === "boundary") {
    const all = boundaryPolicy({ ...build, nodes: stages.flatMap((s) => s.graph.nodes) });
    return { ...all, Statement: merged(all.Statement) };
  }
  const registry = registryArns(config, build);
  if (role === "plan") {
    return document([
      ...merged(stages.flatMap((s) => ciPolicy(s.config, s.graph, "plan").Statement)),
      registryReads(registry),
      stateAccess("ReadEnvironmentState", ["s3:GetObject"], registry, environmentNames(config)),
    ]);
  }
  const name = stage ?? BUILD_STAGE;
  const own = stages.find((s) => s.name === name);
  if (!own) throw new Error(`no stage ${name}`); // Internal invariant: the caller checked the name.
  const deploy = ciPolicy(own.config, own.graph, "deploy").Statement;
  if (name === BUILD_STAGE) {
    const base = deploy;
    return document([
      ...base,
      registryReads(registry),
      {
        Sid: "RegisterModels",
        Effect: "Allow",
        Action: [
          "sagemaker:CreateModelPackageGroup",
          "sagemaker:CreateModelPackage",
          "sagemaker:AddTags",
        ],
        Resource: [registry.group, registry.packages],
      },
    ]);
  }
  const base = withoutTraining(deploy);
  const names = environmentNames(config);
  const before = names[names.indexOf(name) - 1];
  const approval = config.environments?.[name]?.approval === true;
  return document([
    ...base,
    registryReads(registry),
    stateAccess(
      "EnvironmentStateAndLock",
      ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      registry,
      [name],
    ),
    {
      Sid: "ListStateBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [`arn:${registry.partition}:s3:::${registry.stateBucket}`],
    },
    ...(approval
      ? [
          {
            Sid: "ApproveModelVersions",
            Effect: "Allow" as const,
            Action: ["sagemaker:UpdateModelPackage"],
            Resource: [registry.packages],
          },
          ...(before !== undefined
            ? [stateAccess("ReadTestedVersion", ["s3:GetObject"], registry, [before])]
            : []),
        ]
      : []),
  ]);
}

function buildStageGraph(stages: readonly StageGraph[]): DesiredGraph {
  const build = stages.find((s) => s.name === BUILD_STAGE);
  if (!build) throw new Error("no build stage"); // Internal invariant: stageGraphs() lists it first.
  return build.graph;
}

interface RegistryArns {
  partition: string;
  group: string;
  packages: string;
  stateBucket: string;
  statePrefix: string;
}

function registryArns(config: Config, build: DesiredGraph): RegistryArns {
  const { partition, region, account } = build.context;
  const arn = (resource: string): string =>
    `arn:${partition}:sagemaker:${region}:${account}:${resource}`;
  // SageMaker ARNs are lowercase.
  const group = modelPackageGroupName(config.project).toLowerCase();
  return {
    partition,
    group: arn(`model-package-group/${group}`),
    packages: arn(`model-package/${group}/*`),
    stateBucket: fillTemplate(config.state.bucket, { account, region }).value,
    statePrefix: config.state.prefix,
  };
}

function registryReads(r: RegistryArns): PolicyStatement[] {
  return [
    {
      Sid: "ReadRegistry",
      Effect: "Allow",
      Action: ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage"],
      Resource: [r.group, r.packages],
    },
    // ListModelPackages has no resource-level permissions.
    {
      Sid: "ListRegistry",
      Effect: "Allow",
      Action: ["sagemaker:ListModelPackages"],
      Resource: ["*"],
    },
  ];
}

function stateAccess(
  sid: string,
  actions: string[],
  r: RegistryArns,
  environments: string[],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: environments.map(
      (e) => `arn:${r.partition}:s3:::${r.stateBucket}/${r.statePrefix}environments/${e}/*`,
    ),
  };
}

/** An environment never trains: its role gets none of the training calls ciPolicy() grants. */
function withoutTraining(statements: PolicyStatement[]): PolicyStatement[] {
  const training =
    /^sagemaker:\w+(TrainingJobs?|HyperParameterTuningJobs?|TrainingJobsForHyperParameterTuningJob)$|^logs:FilterLogEvents$/;
  return statements.flatMap((s) => {
    const Action = s.Action.filter((a) => !training.test(a));
    return Action.length === 0 ? [] : [{ ...s, Action }];
  });
}

/** A stage's statements with its name in their Sids, so the stages' statements can be merged. */
/**
 * Every stage repeats the same grants on its own resources: statements that differ only in
 * their resources become one (IAM refuses a policy with two statements of one Sid, and caps a
 * role's inline policy at 10,240 characters and a managed one at 6,144). Sids stay unique.
 */
function merged(statements: readonly PolicyStatement[]): PolicyStatement[] {
  const byGrant = new Map<string, PolicyStatement>();
  for (const s of statements) {
    const grant = JSON.stringify([s.Effect, [...s.Action].sort(), s.Principal, s.Condition]);
    const seen = byGrant.get(grant);
    if (seen === undefined) byGrant.set(grant, { ...s });
    else if (seen.Resource !== undefined && s.Resource !== undefined)
      seen.Resource = [...new Set([...seen.Resource, ...s.Resource])];
  }
  const used = new Map<string, number>();
  return [...byGrant.values()].map((s) => {
    const sid = s.Sid ?? "Statement";
    const n = (used.get(sid) ?? 0) + 1;
    used.set(sid, n);
    return n === 1 ? s : { ...s, Sid: `${sid}${n}` };
  });
}

/** A policy of the statements that grant something (an environment has no buckets of its own). */
function document(statements: (PolicyStatement | PolicyStatement[])[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: statements.flat().filter((s) => s.Resource === undefined || s.Resource.length > 0),
  };
}

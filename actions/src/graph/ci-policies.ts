// The least-privilege policies a CI role needs for this config: `plan` only reads; `deploy`
// also changes exactly the resources the config names. The deploy role can create and change
// only roles that carry the project's permissions boundary, and passes each of its roles only to
// that role's own service; `boundary` is that boundary policy.
//
// Who may delete what: the plan role deletes nothing. The deploy role deletes what a deploy
// supersedes or a config change removes (SageMaker models, endpoint configs and the endpoint
// under the project's names and the model and endpoint config model.serve adopts, the Lambda
// function and its alias, concurrency and log group, the project's roles and instance profile,
// objects in the project's buckets for the data sync and the lock, runner instances tagged for
// the project). Nobody in CI deletes a bucket: that is `mlops destroy --include-data`, for an
// administrator (see docs/setup.md).
import { parseS3Uri } from "../aws/s3-uri.js";
import { derivedNames } from "../aws/naming.js";
import type { Config } from "../config/types.js";
import { rollbackAlarmNames, toolAlarms } from "./alarm-nodes.js";
import type { DesiredGraph } from "./graph.js";
import { ROLE_SERVICE, type RoleSpec, type RoleUse } from "./iam-nodes.js";
import {
  sageMakerArns,
  permissionsBoundaryArn,
  type PolicyDocument,
  type PolicyStatement,
} from "./iam-policies.js";

export type CiRole = "plan" | "deploy";

/** Owners whose AMIs the runner may boot when the Deep Learning AMI is looked up in SSM. */
export const DLAMI_OWNERS = ["amazon"] as const;

export function ciPolicy(config: Config, graph: DesiredGraph, role: CiRole): PolicyDocument {
  const ctx = graph.context;
  const arn = (
    service: string,
    resource: string,
    region = ctx.region,
    account = ctx.account,
  ): string => `arn:${ctx.partition}:${service}:${region}:${account}:${resource}`;
  const buckets = [
    ...new Set(graph.nodes.filter((n) => n.kind === "s3.bucket").map((n) => n.name)),
  ];
  // Role and instance-profile names are unique in an account whatever their path, so the ARNs
  // name them under any path: a change of iam.path replaces a role whose old ARN the deploy role
  // must still read and delete.
  const iamArns = (type: string, name: string): string[] => [
    `arn:${ctx.partition}:iam::${ctx.account}:${type}/${name}`,
    `arn:${ctx.partition}:iam::${ctx.account}:${type}/*/${name}`,
  ];
  const roleNodes = graph.nodes.filter((n) => n.kind === "iam.role");
  const roles = roleNodes.flatMap((n) => iamArns("role", n.name));
  const profiles = graph.nodes
    .filter((n) => n.kind === "iam.instance-profile")
    .flatMap((n) => iamArns("instance-profile", n.name));
  const bucketArns = buckets.map((b) => `arn:${ctx.partition}:s3:::${b}`);
  const objectArns = buckets.map((b) => `arn:${ctx.partition}:s3:::${b}/*`);
  const project = config.project;
  const adopted = config.model.serve?.adopt;
  const servedBucket = parseS3Uri(config.model.serve?.artifact ?? "")?.bucket;
  const sagemakerResources = [
    ...sageMakerArns(ctx, "endpoint", config.endpoint.name),
    // By the names the tool gives them (aws/naming.ts), so `<project>-*` of another stage
    // (`<project>-production-model-*`) is not this role's to delete.
    arn("sagemaker", `endpoint-config/${derivedNames.endpointConfig(project, "*")}`),
    arn("sagemaker", `model/${derivedNames.model(project, "*")}`),
    // A model and endpoint config made by hand that the config adopts (model.serve.adopt).
    ...(adopted?.model !== undefined ? sageMakerArns(ctx, "model", adopted.model) : []),
    ...(adopted?.endpointConfig !== undefined
      ? sageMakerArns(ctx, "endpoint-config", adopted.endpointConfig)
      : []),
    arn("sagemaker", `training-job/${project}-*`),
    // Searches (training.tuning): named like training jobs, their trials are `<search>-NNN-xxxxxxxx`.
    arn("sagemaker", `hyper-parameter-tuning-job/${project}-*`),
  ];
  const fn = config.lambda
    ? [
        arn("lambda", `function:${config.lambda.name}`),
        arn("lambda", `function:${config.lambda.name}:*`),
      ]
    : [];
  // The function's own resource policy is on its unqualified ARN (an alias's is on `:alias`).
  const functionOnly = fn.slice(0, 1);
  // The tool's alarms by name (a removed one is deleted under the policy before the change), and
  // the user's rollback alarms, which a deployment reads to say which one fired.
  const ownAlarms = toolAlarms(config).map((a) => arn("cloudwatch", `alarm:${a.name}`));
  const readAlarms = [
    ...new Set([
      ...ownAlarms,
      ...rollbackAlarmNames(config).map((a) => arn("cloudwatch", `alarm:${a}`)),
    ]),
  ];
  const logGroup = config.lambda
    ? [
        arn("logs", `log-group:/aws/lambda/${config.lambda.name}`),
        arn("logs", `log-group:/aws/lambda/${config.lambda.name}:*`),
      ]
    : [];

  const statements: PolicyStatement[] = [
    { Sid: "WhoAmI", Effect: "Allow", Action: ["sts:GetCallerIdentity"], Resource: ["*"] },
    {
      Sid: "ReadBuckets",
      Effect: "Allow",
      Action: [
        "s3:ListBucket",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketTagging",
        // A bucket policy mlops did not write is shown and removed.
        "s3:GetBucketPolicy",
        // Training data must be in the training region (plan/data-region.ts).
        "s3:GetBucketLocation",
      ],
      Resource: bucketArns,
    },
    { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns },
    ...(config.data.source.kind === "s3"
      ? [
          {
            // An s3:// data source: listed and read by the sync, its region checked by the plan.
            Sid: "ReadDataSource",
            Effect: "Allow" as const,
            Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"],
            Resource: [
              `arn:${ctx.partition}:s3:::${config.data.source.bucket}`,
              `arn:${ctx.partition}:s3:::${config.data.source.bucket}/*`,
            ],
          },
        ]
      : []),
    ...(servedBucket !== undefined
      ? [
          {
            // The served model's bucket (model.serve): its region checked by the plan.
            Sid: "ServedModelRegion",
            Effect: "Allow" as const,
            Action: ["s3:GetBucketLocation"],
            Resource: [`arn:${ctx.partition}:s3:::${servedBucket}`],
          },
        ]
      : []),
    {
      Sid: "ReadRoles",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:GetInstanceProfile",
        // A role is read whole: every inline and attached policy, to remove what is not ours.
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
      ],
      Resource: [...roles, ...profiles],
    },
    {
      // What a managed policy attached to one of our roles grants, shown in the plan. Which
      // policies are attached is not known in advance: AWS's and this account's.
      Sid: "ReadAttachedPolicies",
      Effect: "Allow",
      Action: ["iam:GetPolicy", "iam:GetPolicyVersion"],
      Resource: [
        `arn:${ctx.partition}:iam::aws:policy/*`,
        `arn:${ctx.partition}:iam::${ctx.account}:policy/*`,
      ],
    },
    {
      Sid: "ReadSageMaker",
      Effect: "Allow",
      Action: [
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
        "sagemaker:ListTags",
      ],
      Resource: sagemakerResources,
    },
    {
      // The endpoint may serve a config mlops did not name (made by hand before an adoption, or
      // adopted by a model.serve since removed): the plan reads it to tell what is served.
      Sid: "ReadServedEndpointConfig",
      Effect: "Allow",
      Action: ["sagemaker:DescribeEndpointConfig"],
      Resource: [arn("sagemaker", "endpoint-config/*")],
    },
    {
      // `mlops janitor --orphans` and destroy find what carries the project's tags; GetResources
      // has no resource-level permissions. Roles are not in it: they are listed under the IAM
      // path and their tags read.
      Sid: "FindOwnedByTag",
      Effect: "Allow",
      Action: ["tag:GetResources"],
      Resource: ["*"],
    },
    {
      // ListRoles has no resource-level permissions; the tags read are of the path's roles.
      Sid: "ListRoles",
      Effect: "Allow",
      Action: ["iam:ListRoles"],
      Resource: ["*"],
    },
    {
      Sid: "ReadTagsOfRolesUnderThePath",
      Effect: "Allow",
      Action: ["iam:ListRoleTags"],
      Resource: [`arn:${ctx.partition}:iam::${ctx.account}:role${config.iam.path}*`],
    },
    {
      // Application Auto Scaling's Describe calls have no resource-level permissions.
      Sid: "ReadScaling",
      Effect: "Allow",
      Action: [
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
      ],
      Resource: ["*"],
    },
  ];
  if (fn.length > 0) {
    statements.push(
      {
        Sid: "ReadLambda",
        Effect: "Allow",
        Action: [
          "lambda:GetFunction",
          "lambda:GetFunctionConfiguration",
          "lambda:GetAlias",
          "lambda:GetFunctionConcurrency",
          "lambda:GetProvisionedConcurrencyConfig",
          "lambda:ListProvisionedConcurrencyConfigs",
          "lambda:ListVersionsByFunction",
          "lambda:ListTags",
        ],
        Resource: fn,
      },
      {
        // The function's own resource policy (not an alias's): mlops owns it whole.
        Sid: "ReadFunctionPolicy",
        Effect: "Allow",
        Action: ["lambda:GetPolicy"],
        Resource: functionOnly,
      },
      ...(config.lambda?.url
        ? [
            {
              // The Function URL and the resource policy on the alias (lambda.url).
              Sid: "ReadFunctionUrl",
              Effect: "Allow" as const,
              Action: ["lambda:GetFunctionUrlConfig", "lambda:GetPolicy"],
              Resource: fn,
            },
          ]
        : []),
      {
        Sid: "ReadLambdaAccount",
        Effect: "Allow",
        Action: ["lambda:GetAccountSettings"],
        Resource: ["*"],
      },
      {
        // DescribeLogGroups is authorised on the account's log-group:* resource.
        Sid: "ReadLogGroup",
        Effect: "Allow",
        Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
        Resource: [arn("logs", "log-group:*"), ...logGroup],
      },
    );
  }
  statements.push({
    // `mlops status` lists the latest runs (as destroy lists the finished ones); no
    // resource-level permissions.
    Sid: "ListTrainingJobs",
    Effect: "Allow",
    Action: ["sagemaker:ListTrainingJobs"],
    Resource: ["*"],
  });
  if (readAlarms.length > 0) {
    statements.push({
      Sid: "ReadAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      Resource: readAlarms,
    });
  }
  if (role === "plan") return { Version: "2012-10-17", Statement: statements };

  const boundary = permissionsBoundaryArn(config, ctx);
  statements.push(
    {
      // No s3:DeleteBucket: removing a bucket (and its data) is for an administrator.
      Sid: "ManageBuckets",
      Effect: "Allow",
      Action: [
        "s3:CreateBucket",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketTagging",
        "s3:DeleteBucketPolicy",
      ],
      Resource: bucketArns,
    },
    {
      Sid: "WriteObjects",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: objectArns,
    },
    {
      // Only roles that carry the boundary: a policy the deploy role writes (even
      // {"Action":"*","Resource":"*"}) never grants more than the boundary does.
      Sid: "WriteRolesWithinTheBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
    },
    {
      // Tagging and taking roles apart (an orphaned role, a replaced one). No
      // iam:UpdateAssumeRolePolicy (a trust change replaces the role) and no
      // iam:DeleteRolePermissionsBoundary or iam:AttachRolePolicy, ever.
      Sid: "TagAndRemoveRoles",
      Effect: "Allow",
      Action: [
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListInstanceProfilesForRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:DeleteRole",
      ],
      Resource: roles,
    },
    ...roleNodes.map((n): PolicyStatement => ({
      // Each role only to its own service.
      Sid: `Pass${capitalised(n.address.split(".").pop() ?? "")}Role`,
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: iamArns("role", n.name),
      Condition: {
        StringEquals: {
          "iam:PassedToService": ROLE_SERVICE[n.address.split(".").pop() as RoleUse],
        },
      },
    })),
    {
      Sid: "ManageSageMaker",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:CreateHyperParameterTuningJob",
        // mlops destroy removes the project's finished training jobs.
        "sagemaker:DeleteTrainingJob",
        "sagemaker:CreateModel",
        "sagemaker:DeleteModel",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:AddTags",
        // The endpoint keeps its name across a project rename; its ownership tags follow.
        "sagemaker:DeleteTags",
      ],
      Resource: sagemakerResources,
    },
    {
      // Listing (to remove superseded models and configs) has no resource-level permissions.
      Sid: "ListSageMaker",
      Effect: "Allow",
      Action: ["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"],
      Resource: ["*"],
    },
    {
      // `mlops train --follow` reads the training job's log streams.
      Sid: "FollowTrainingLogs",
      Effect: "Allow",
      Action: ["logs:FilterLogEvents"],
      Resource: [
        arn("logs", "log-group:/aws/sagemaker/TrainingJobs"),
        arn("logs", "log-group:/aws/sagemaker/TrainingJobs:*"),
      ],
    },
    {
      // Application Auto Scaling has no resource-level permissions or condition keys for a
      // target's resource id (scalable-target ARNs are random ids), so these stay on "*".
      Sid: "ManageScaling",
      Effect: "Allow",
      Action: [
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:DeleteScalingPolicy",
      ],
      Resource: ["*"],
    },
    {
      Sid: "ScalingServiceLinkedRole",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: [
        `arn:${ctx.partition}:iam::${ctx.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*`,
      ],
      Condition: {
        StringLike: { "iam:AWSServiceName": ["sagemaker.application-autoscaling.amazonaws.com"] },
      },
    },
  );
  if (profiles.length > 0) {
    statements.push({
      Sid: "ManageInstanceProfile",
      Effect: "Allow",
      Action: [
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:DeleteInstanceProfile",
      ],
      Resource: profiles,
    });
  }
  if (fn.length > 0) {
    statements.push(
      {
        Sid: "ManageLambda",
        Effect: "Allow",
        Action: [
          "lambda:CreateFunction",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:PublishVersion",
          "lambda:CreateAlias",
          "lambda:UpdateAlias",
          "lambda:PutFunctionConcurrency",
          "lambda:DeleteFunctionConcurrency",
          "lambda:PutProvisionedConcurrencyConfig",
          "lambda:DeleteProvisionedConcurrencyConfig",
          "lambda:DeleteAlias",
          "lambda:DeleteFunction",
          "lambda:TagResource",
          "lambda:UntagResource",
        ],
        Resource: fn,
      },
      {
        // A statement someone added to the function's own resource policy is removed.
        Sid: "OwnFunctionPolicy",
        Effect: "Allow",
        Action: ["lambda:RemovePermission"],
        Resource: functionOnly,
      },
      ...(config.lambda?.url
        ? [
            {
              // The Function URL on the alias and a public one's resource-policy statements.
              Sid: "ManageFunctionUrl",
              Effect: "Allow" as const,
              Action: [
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
                "lambda:DeleteFunctionUrlConfig",
                // Taking a public URL's statements away is always allowed (auth NONE -> AWS_IAM);
                // adding them only while the config makes the URL public.
                "lambda:RemovePermission",
                ...(config.lambda.url.auth === "NONE" ? ["lambda:AddPermission"] : []),
              ],
              Resource: fn,
            },
          ]
        : []),
      {
        Sid: "LambdaLogGroup",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:TagResource",
          "logs:UntagResource",
        ],
        Resource: logGroup,
      },
    );
  }
  if (ownAlarms.length > 0) {
    statements.push({
      Sid: "ManageAlarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: ownAlarms,
    });
  }
  if (config.training.backend === "ec2") statements.push(...ec2RunnerStatements(config, graph));
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The permissions boundary of the roles the tool creates: everything their generated policies
 * grant, and nothing else. An administrator creates it once (and again when the config changes
 * what the roles need); the deploy role cannot change it.
 */
export function boundaryPolicy(graph: DesiredGraph): PolicyDocument {
  const statements: PolicyStatement[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== "iam.role") continue;
    const use = capitalised(node.address.split(".").pop() ?? "");
    for (const [i, s] of (node.spec as RoleSpec).policy.Statement.entries()) {
      statements.push({ ...s, Sid: `${use}${s.Sid ?? String(i)}` });
    }
  }
  return { Version: "2012-10-17", Statement: statements };
}

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * Launching and cleaning up the GPU runner: only the configured instance types, from the
 * configured AMI (or an Amazon-owned Deep Learning AMI), in the configured subnets and security
 * groups when there are any, tagged for this project at launch; tags only at launch, so no
 * other instance can be tagged into the project and then terminated.
 */
function ec2RunnerStatements(config: Config, graph: DesiredGraph): PolicyStatement[] {
  const { partition, region, account } = graph.context;
  const ec2 = (resource: string, owner = account): string =>
    `arn:${partition}:ec2:${region}:${owner}:${resource}`;
  const settings = config.training.ec2;
  const requestTag = { "aws:RequestTag/mlops:project": config.project };
  const images =
    settings.ami !== undefined
      ? [{ resource: [ec2(`image/${settings.ami}`, "")], condition: undefined }]
      : [
          {
            resource: [ec2("image/*", "")],
            condition: { StringEquals: { "ec2:Owner": [...DLAMI_OWNERS] } },
          },
        ];
  const subnets =
    settings.subnets.length > 0
      ? settings.subnets.map((s) => ec2(`subnet/${s}`))
      : [ec2("subnet/*")];
  const groups =
    settings.securityGroups.length > 0
      ? settings.securityGroups.map((g) => ec2(`security-group/${g}`))
      : [ec2("security-group/*")];
  return [
    {
      Sid: "RunnerAmi",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [`arn:${partition}:ssm:${region}::parameter/aws/service/deeplearning/*`],
    },
    {
      Sid: "LaunchRunnerInstance",
      Effect: "Allow",
      Action: ["ec2:RunInstances"],
      Resource: [ec2("instance/*")],
      Condition: {
        StringEquals: { ...requestTag, "ec2:InstanceType": settings.instanceTypes },
      },
    },
    {
      Sid: "LaunchRunnerVolume",
      Effect: "Allow",
      Action: ["ec2:RunInstances"],
      Resource: [ec2("volume/*")],
      Condition: { StringEquals: requestTag },
    },
    ...images.map((image): PolicyStatement => ({
      Sid: "LaunchRunnerImage",
      Effect: "Allow",
      Action: ["ec2:RunInstances"],
      Resource: image.resource,
      ...(image.condition !== undefined && { Condition: image.condition }),
    })),
    {
      // The spot request of a spot launch carries no tags of its own.
      Sid: "LaunchRunnerNetwork",
      Effect: "Allow",
      Action: ["ec2:RunInstances"],
      Resource: [
        ...subnets,
        ...groups,
        ec2("network-interface/*"),
        ec2("spot-instances-request/*"),
      ],
    },
    {
      Sid: "TagRunnerAtLaunch",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: [ec2("instance/*"), ec2("volume/*")],
      Condition: { StringEquals: { ...requestTag, "ec2:CreateAction": "RunInstances" } },
    },
    {
      // The first spot launch in an account creates EC2's spot service-linked role.
      Sid: "SpotServiceLinkedRole",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: [`arn:${partition}:iam::${account}:role/aws-service-role/spot.amazonaws.com/*`],
      Condition: { StringLike: { "iam:AWSServiceName": ["spot.amazonaws.com"] } },
    },
    {
      Sid: "StopRunner",
      Effect: "Allow",
      Action: ["ec2:TerminateInstances"],
      Resource: [ec2("instance/*")],
      Condition: { StringEquals: { "aws:ResourceTag/mlops:project": config.project } },
    },
    {
      // No resource-level permissions on Describe*. No DescribeInstanceAttribute: it reads
      // any instance's user data.
      Sid: "SeeRunners",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances", "ec2:DescribeImages"],
      Resource: ["*"],
    },
  ];
}

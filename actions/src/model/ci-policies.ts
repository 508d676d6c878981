// The least-privilege policies a CI role needs for this config: `plan` only reads; `deploy`
// also changes exactly the resources the config names (and passes only its own roles).
import type { Config } from "../config/types.js";
import type { DesiredGraph } from "./graph.js";
import { endpointArn, type PolicyDocument, type PolicyStatement } from "./iam-policies.js";

export type CiRole = "plan" | "deploy";

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
  const roles = graph.nodes
    .filter((n) => n.kind === "iam.role")
    .map((n) => `arn:${ctx.partition}:iam::${ctx.account}:role${config.iam.path}${n.name}`);
  const profiles = graph.nodes
    .filter((n) => n.kind === "iam.instance-profile")
    .map(
      (n) => `arn:${ctx.partition}:iam::${ctx.account}:instance-profile${config.iam.path}${n.name}`,
    );
  const bucketArns = buckets.map((b) => `arn:${ctx.partition}:s3:::${b}`);
  const objectArns = buckets.map((b) => `arn:${ctx.partition}:s3:::${b}/*`);
  const project = config.project;
  const sagemakerResources = [
    endpointArn(ctx, config.endpoint.name),
    arn("sagemaker", `endpoint-config/${project}-*`),
    arn("sagemaker", `model/${project}-*`),
    arn("sagemaker", `training-job/${project}-*`),
  ];
  const fn = config.lambda
    ? [
        arn("lambda", `function:${config.lambda.name}`),
        arn("lambda", `function:${config.lambda.name}:*`),
      ]
    : [];
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
      ],
      Resource: bucketArns,
    },
    { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns },
    {
      Sid: "ReadRoles",
      Effect: "Allow",
      Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:GetInstanceProfile"],
      Resource: [...roles, ...profiles],
    },
    {
      Sid: "ReadSageMaker",
      Effect: "Allow",
      Action: [
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListTags",
      ],
      Resource: sagemakerResources,
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
  if (role === "plan") return { Version: "2012-10-17", Statement: statements };

  statements.push(
    {
      Sid: "ManageBuckets",
      Effect: "Allow",
      Action: [
        "s3:CreateBucket",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketTagging",
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
      Sid: "ManageRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:TagInstanceProfile",
      ],
      Resource: [...roles, ...profiles],
    },
    {
      Sid: "PassOnlyOwnRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: roles,
      Condition: {
        StringEquals: {
          "iam:PassedToService": [
            "sagemaker.amazonaws.com",
            "lambda.amazonaws.com",
            "ec2.amazonaws.com",
          ],
        },
      },
    },
    {
      Sid: "ManageSageMaker",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:CreateModel",
        "sagemaker:DeleteModel",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:AddTags",
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
  if (config.training.backend === "ec2")
    statements.push(...ec2RunnerStatements(ctx.partition, ctx.region, ctx.account, config));
  return { Version: "2012-10-17", Statement: statements };
}

/** Launching and cleaning up the GPU runner: only instances tagged for this project. */
function ec2RunnerStatements(
  partition: string,
  region: string,
  account: string,
  config: Config,
): PolicyStatement[] {
  const tagged = { StringEquals: { "aws:ResourceTag/mlops:project": [config.project] } };
  return [
    {
      Sid: "RunnerAmi",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [`arn:${partition}:ssm:${region}::parameter/aws/service/deeplearning/*`],
    },
    {
      // RunInstances touches several resource types; the request must tag the instance.
      Sid: "LaunchRunner",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateTags"],
      Resource: ["*"],
      Condition: { StringEquals: { "aws:RequestTag/mlops:project": [config.project] } },
    },
    {
      Sid: "LaunchRunnerFromImagesAndSubnets",
      Effect: "Allow",
      Action: ["ec2:RunInstances"],
      Resource: [
        `arn:${partition}:ec2:${region}::image/*`,
        `arn:${partition}:ec2:${region}:${account}:subnet/*`,
        `arn:${partition}:ec2:${region}:${account}:security-group/*`,
        `arn:${partition}:ec2:${region}:${account}:network-interface/*`,
        `arn:${partition}:ec2:${region}:${account}:volume/*`,
      ],
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
      Resource: ["*"],
      Condition: tagged,
    },
    {
      Sid: "SeeRunners",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeImages"],
      Resource: ["*"],
    },
  ];
}

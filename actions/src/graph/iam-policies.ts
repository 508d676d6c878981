// Least-privilege policy documents for the roles the tool creates: exact bucket and prefix
// ARNs, the lowercase endpoint ARN, explicit actions only (never "*" or "service:*").
import { pytorchImageUri } from "../aws/pytorch-images.js";
import type { Config } from "../config/types.js";
import { rollbackAlarmNames } from "./alarm-nodes.js";
import type { GraphContext } from "./graph.js";
import { parseS3Uri } from "../aws/s3-uri.js";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource?: string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * Who may assume a role the tool creates: one AWS service. With `sourceAccount`, only on behalf
 * of this account's resources (aws:SourceAccount, against the confused deputy). SageMaker and
 * Lambda set that key when they assume an execution role; EC2 documents no such key for
 * instance-profile roles, and only this account can pass the role to an instance anyway.
 */
export function trustPolicy(service: string, sourceAccount?: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: ["sts:AssumeRole"],
        ...(sourceAccount !== undefined && {
          Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } },
        }),
      },
    ],
  };
}

/**
 * The permissions boundary every role the tool creates carries: iam.permissionsBoundary, or
 * `<iam.path><project>-boundary` in the account, which an administrator creates once from
 * `mlops iam-policy --for boundary`. The deploy role can only create and change roles that
 * carry it, so a role it writes can never do more than the boundary allows.
 */
export function permissionsBoundaryArn(config: Config, ctx: GraphContext): string {
  return (
    config.iam.permissionsBoundary ??
    `arn:${ctx.partition}:iam::${ctx.account}:policy${config.iam.path}${config.iam.boundaryProject ?? config.project}-boundary`
  );
}

/** ECR repository ARNs of `images` (`<account>.dkr.ecr.<region>.<domain>/<repo>:<tag>`). */
export function ecrRepositoryArns(partition: string, images: readonly string[]): string[] {
  const arns = new Set<string>();
  for (const image of images) {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
    if (m) arns.add(`arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}`);
  }
  return [...arns].sort();
}

/** The images SageMaker pulls with the execution role: the training and the inference image. */
export function sageMakerImages(config: Config, ctx: GraphContext): string[] {
  const t = config.training;
  return [
    t.image ?? pytorchImageUri("training", ctx.region, t.framework.version, t.instance.type),
    pytorchImageUri("inference", ctx.region, t.framework.version, config.endpoint.instanceType),
    ...(config.model.serve ? [config.model.serve.image] : []),
  ];
}

/** S3 locations the tool uses, derived once so policies and handlers agree. */
export interface StorageLayout {
  dataBucket: string;
  dataPrefix: string;
  /** Where the training data is read from (the data prefix, or an s3:// source used in place). */
  trainingInput: { bucket: string; prefix: string };
  artifactPrefix: string;
  checkpointPrefix: string;
  codePrefix: string;
  stateBucket: string;
  statePrefix: string;
}

export function storageLayout(
  config: Config,
  buckets: { data: string; state: string },
): StorageLayout {
  const project = config.project;
  const source = config.data.source;
  return {
    dataBucket: buckets.data,
    dataPrefix: config.data.prefix,
    trainingInput:
      source.kind === "s3"
        ? { bucket: source.bucket, prefix: source.prefix }
        : { bucket: buckets.data, prefix: config.data.prefix },
    artifactPrefix: `${project}/training-output/`,
    checkpointPrefix: `${project}/checkpoints/`,
    codePrefix: `${project}/code/`,
    stateBucket: buckets.state,
    statePrefix: config.state.prefix,
  };
}

const s3Object = (ctx: GraphContext, bucket: string, prefix: string): string =>
  `arn:${ctx.partition}:s3:::${bucket}/${prefix}*`;
const s3Bucket = (ctx: GraphContext, bucket: string): string =>
  `arn:${ctx.partition}:s3:::${bucket}`;
type Condition = NonNullable<PolicyStatement["Condition"]>;
const prefixCondition = (prefixes: string[]): Condition => ({
  StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}*`]) },
});

/** Read (and list) the training data, wherever it lives. */
function readTrainingData(ctx: GraphContext, layout: StorageLayout): PolicyStatement[] {
  const input = layout.trainingInput;
  return [
    {
      Sid: "ReadTrainingData",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [s3Object(ctx, input.bucket, input.prefix)],
    },
    {
      Sid: "ListTrainingData",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [s3Bucket(ctx, input.bucket)],
      Condition: prefixCondition([input.prefix]),
    },
  ];
}

/** Where the endpoint's data capture goes: its prefix in the data bucket. */
export function dataCaptureUri(layout: StorageLayout, prefix: string): string {
  return `s3://${layout.dataBucket}/${prefix}`;
}

/** A SageMaker resource's ARN by name (`endpoint`, `model`, `endpoint-config`, ...). */
export function sageMakerArn(ctx: GraphContext, type: string, name: string): string {
  // SageMaker ARNs are lowercase; a mixed-case ARN in a policy never matches (AccessDenied).
  return `arn:${ctx.partition}:sagemaker:${ctx.region}:${ctx.account}:${type}/${name.toLowerCase()}`;
}

/**
 * The ARNs a policy names a SageMaker resource by: SageMaker has long lowercased names in ARNs,
 * but some APIs now answer with the name's own case (reports differ by resource and API), and
 * IAM compares ARNs case-sensitively, so a name with capitals is granted under both.
 */
export function sageMakerArns(ctx: GraphContext, type: string, name: string): string[] {
  const lower = sageMakerArn(ctx, type, name);
  const named = `arn:${ctx.partition}:sagemaker:${ctx.region}:${ctx.account}:${type}/${name}`;
  return lower === named ? [lower] : [lower, named];
}

export function sageMakerExecutionPolicy(
  config: Config,
  ctx: GraphContext,
  layout: StorageLayout,
): PolicyDocument {
  const statements: PolicyStatement[] = [
    ...readTrainingData(ctx, layout),
    {
      Sid: "ReadCodeWriteArtifacts",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [
        s3Object(ctx, layout.dataBucket, layout.artifactPrefix),
        s3Object(ctx, layout.dataBucket, layout.checkpointPrefix),
        s3Object(ctx, layout.dataBucket, layout.codePrefix),
      ],
    },
    {
      Sid: "ListCheckpoints",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [s3Bucket(ctx, layout.dataBucket)],
      Condition: prefixCondition([layout.checkpointPrefix, layout.artifactPrefix]),
    },
    {
      // GetAuthorizationToken has no resource-level permissions.
      Sid: "EcrLogin",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: ["*"],
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ],
      Resource: [
        `arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:/aws/sagemaker/*`,
      ],
    },
    {
      // PutMetricData has no resource-level permissions; the namespace condition narrows it.
      Sid: "Metrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringLike: { "cloudwatch:namespace": ["/aws/sagemaker/*"] } },
    },
  ];
  const repositories = ecrRepositoryArns(ctx.partition, sageMakerImages(config, ctx));
  if (repositories.length > 0) {
    statements.push({
      // Exactly the framework (or configured) images' repositories, not any account's.
      Sid: "PullContainerImages",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
      ],
      Resource: repositories,
    });
  }
  const served = config.model.serve;
  if (served) {
    // The served model's artifact, exactly that object: a new instance (scaling out, an update)
    // downloads it with this role.
    const location = parseS3Uri(served.artifact);
    if (location && location.key !== "")
      statements.push({
        Sid: "ReadServedModel",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`arn:${ctx.partition}:s3:::${location.bucket}/${location.key}`],
      });
  }
  const capture = config.endpoint.dataCapture;
  if (capture) {
    // Exactly the capture prefix (the endpoint config's DestinationS3Uri), and the key if any.
    statements.push({
      Sid: "DataCapture",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: [s3Object(ctx, layout.dataBucket, capture.prefix)],
    });
    if (capture.kmsKeyArn !== undefined) {
      statements.push({
        Sid: "DataCaptureKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:GenerateDataKey"],
        Resource: [capture.kmsKeyArn],
      });
    }
  }
  const alarms = rollbackAlarmNames(config);
  if (alarms.length > 0) {
    statements.push({
      Sid: "RollbackAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms"],
      Resource: alarms.map(
        (a) => `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.account}:alarm:${a}`,
      ),
    });
  }
  if (config.training.vpc) {
    statements.push({
      // Network interfaces for VPC training have no resource-level scoping on Describe*.
      Sid: "VpcTraining",
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
      ],
      Resource: ["*"],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

export function lambdaExecutionPolicy(config: Config, ctx: GraphContext): PolicyDocument {
  const fn = config.lambda?.name ?? "";
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "InvokeTheEndpoint",
        Effect: "Allow",
        Action: ["sagemaker:InvokeEndpoint"],
        Resource: sageMakerArns(ctx, "endpoint", config.endpoint.name),
      },
      {
        Sid: "OwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [
          `arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:/aws/lambda/${fn}:*`,
        ],
      },
    ],
  };
}

/**
 * The GPU runner's role: what `mlops train --backend local --no-deploy` does on the runner. It
 * reads the training data, the data bucket's settings and the SageMaker role (the nodes of a
 * train-only run), writes the artifact and code, and takes and releases the lock in the state.
 */
export function ec2RunnerPolicy(
  ctx: GraphContext,
  layout: StorageLayout,
  sageMakerRoleArn: string,
  sageMakerExtraPolicies: readonly string[] = [],
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      ...readTrainingData(ctx, layout),
      {
        Sid: "ReadDataBucketSettings",
        Effect: "Allow",
        Action: [
          "s3:GetEncryptionConfiguration",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketTagging",
          "s3:GetBucketPolicy",
          // `mlops train` checks the data is in the training region before it starts.
          "s3:GetBucketLocation",
        ],
        Resource: [s3Bucket(ctx, layout.dataBucket)],
      },
      {
        Sid: "WriteArtifactsAndState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: [
          s3Object(ctx, layout.dataBucket, layout.artifactPrefix),
          s3Object(ctx, layout.dataBucket, layout.codePrefix),
          s3Object(ctx, layout.stateBucket, layout.statePrefix),
        ],
      },
      {
        Sid: "ReleaseTheLock",
        Effect: "Allow",
        Action: ["s3:DeleteObject"],
        Resource: [s3Object(ctx, layout.stateBucket, layout.statePrefix)],
      },
      {
        // Read whole, as every plan reads a role: its inline and attached policies too.
        Sid: "ReadTheTrainingRole",
        Effect: "Allow",
        Action: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
        ],
        Resource: [sageMakerRoleArn],
      },
      ...(sageMakerExtraPolicies.length > 0
        ? [
            {
              // What the managed policies iam.extraPolicies keeps on the training role grant.
              Sid: "ReadTheTrainingRolesManagedPolicies",
              Effect: "Allow" as const,
              Action: ["iam:GetPolicy", "iam:GetPolicyVersion"],
              Resource: [...sageMakerExtraPolicies],
            },
          ]
        : []),
    ],
  };
}

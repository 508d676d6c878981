// `mlops import` on an account set up by hand the way the original write-up did: a notebook's
// training job, its model behind an endpoint scaled 1-3 on 20 invocations per instance with
// 30 s cooldowns, roles carrying AmazonSageMakerFullAccess, and a Lambda function with
// provisioned concurrency 2 on a published version. The written config plans adoptions (and,
// inside them, the least-privilege changes) plus what mlops adds of its own, nothing else; its
// apply converges.
import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  ApplicationAutoScalingClient,
} from "@aws-sdk/client-application-auto-scaling";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { strToU8, zipSync } from "fflate";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Plan } from "../../actions/src/plan/types.js";
import { makeCheckout } from "../support/checkout.js";
import { cli } from "../support/cli.js";
import { useEmulator } from "../support/emulator.js";

const id = randomBytes(3).toString("hex");
const project = `imp${id}`;
const endpointName = `dog-breeds-${id}`;
const functionName = `dog-breeds-${id}-lambda`;
const bucket = `sagemaker-dogs-${id}`;
const jobName = `pytorch-training-${id}`;
const FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
const IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311";

const aws = useEmulator();
const s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
const iam = new IAMClient(aws.clientConfig);
const sagemaker = new SageMakerClient(aws.clientConfig);
const scaling = new ApplicationAutoScalingClient(aws.clientConfig);
const lambda = new LambdaClient(aws.clientConfig);
let dir: string;
let config: string;

const trust = (service: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });

/** The write-up's account, clicked together. */
async function setUpByHand(): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const split of ["train", "valid", "test"])
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `dogImages/${split}/001.Affenpinscher/a.jpg`,
        Body: `${split} image`,
      }),
    );
  // What a notebook tutorial has you add: anyone in the account may read the data.
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountRead",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:root" },
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ],
      }),
    }),
  );
  const roles: Record<string, string> = {};
  for (const [use, service] of [
    ["sagemaker", "sagemaker.amazonaws.com"],
    ["lambda", "lambda.amazonaws.com"],
  ] as const) {
    const RoleName = `${project}-${use}-console`;
    const made = await iam.send(
      new CreateRoleCommand({
        RoleName,
        Path: "/service-role/",
        AssumeRolePolicyDocument: trust(service),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: FULL_ACCESS }));
    roles[use] = made.Role?.Arn ?? "";
  }
  await sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: jobName,
      RoleArn: roles["sagemaker"],
      AlgorithmSpecification: {
        TrainingImage:
          "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311",
        TrainingInputMode: "File",
      },
      HyperParameters: {
        epochs: "2",
        "batch-size": "32",
        lr: "0.001",
        sagemaker_program: '"hpo.py"',
        sagemaker_submit_directory: `"s3://${bucket}/${jobName}/source/sourcedir.tar.gz"`,
      },
      InputDataConfig: ["train", "valid", "test"].map((split) => ({
        ChannelName: split,
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: `s3://${bucket}/dogImages/${split}/`,
            S3DataDistributionType: "FullyReplicated",
          },
        },
      })),
      OutputDataConfig: { S3OutputPath: `s3://${bucket}/` },
      ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    }),
  );
  const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
  const artifact =
    job.ModelArtifacts?.S3ModelArtifacts ?? `s3://${bucket}/${jobName}/output/model.tar.gz`;
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: `${jobName}-model`,
      ExecutionRoleArn: roles["sagemaker"],
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: artifact },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-config`,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: `${jobName}-model`,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: `${endpointName}-config`,
    }),
  );
  const ResourceId = `endpoint/${endpointName}/variant/AllTraffic`;
  const target = {
    ServiceNamespace: "sagemaker",
    ResourceId,
    ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
  } as const;
  await scaling.send(
    new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 3 }),
  );
  await scaling.send(
    new PutScalingPolicyCommand({
      ...target,
      PolicyName: "dog-breeds-scaling",
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 20,
        PredefinedMetricSpecification: {
          PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
        },
        ScaleInCooldown: 30,
        ScaleOutCooldown: 30,
      },
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: "python3.12",
      Handler: "lamdafunction.lambda_handler",
      Role: roles["lambda"],
      Code: {
        ZipFile: zipSync({
          "lamdafunction.py": strToU8("def lambda_handler(e, c):\n  return 1\n"),
        }),
      },
      Timeout: 3,
      MemorySize: 128,
    }),
  );
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  await lambda.send(
    new PutProvisionedConcurrencyConfigCommand({
      FunctionName: functionName,
      Qualifier: version.Version,
      ProvisionedConcurrentExecutions: 2,
    }),
  );
}

beforeAll(() => {
  for (const [k, v] of Object.entries(aws.env)) vi.stubEnv(k, v);
  vi.stubEnv("MLOPS_POLL_MS", "100");
  dir = makeCheckout("mlops-import-it-", "print('test_accuracy=0.9')\n");
  config = join(dir, "config", "mlops.yaml");
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("mlops import", () => {
  it("describes the hand-made project, plans only adoptions, and converges", async () => {
    await setUpByHand();
    const args = ["--endpoint", endpointName, "--function", functionName, "--project", project];
    const imported = await cli(["import", ...args, "--config", config]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const text = readFileSync(config, "utf8");
    // The scaling and the concurrency as they were made.
    for (const line of [
      "minCapacity: 1",
      "maxCapacity: 3",
      "targetInvocationsPerInstance: 20",
      "scaleInCooldown: 30s",
      "scaleOutCooldown: 30s",
      "provisionedConcurrency: 2",
      `source: "s3://${bucket}/dogImages/"`,
      'entryPoint: "hpo.py"',
      '"epochs": 2',
      `sagemaker: "${project}-sagemaker-console"`,
      `lambda: "${project}-lambda-console"`,
      'path: "/service-role/"',
    ])
      expect(text).toContain(line);
    // Guesses say so, and from what.
    expect(text).toContain(`# GUESS: from the training job ${jobName}`);
    expect(text).toMatch(/# GUESS: it is on version 1 now; mlops keeps it on the alias/);

    // Never overwritten without --force.
    writeFileSync(config, `${text}# my edit\n`);
    const again = await cli(["import", ...args, "--config", config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Nothing was written");
    expect(readFileSync(config, "utf8")).toContain("# my edit");

    // What the user adds: the training code the job ran, and the tool's Lambda bundle.
    writeFileSync(join(dir, "training", "hpo.py"), "print('test_accuracy=0.9')\n");
    mkdirSync(join(dir, "lambda", "dist"), { recursive: true });
    writeFileSync(
      join(dir, "lambda", "dist", "index.mjs"),
      "export const handler = async () => 1;\n",
    );

    const planFile = join(dir, "plan.json");
    const planned = await cli(["plan", "--config", config, "--out", planFile]);
    expect(planned.code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const byAction = (action: string): string[] =>
      plan.changes
        .filter((c) => c.action === action)
        .map((c) => c.address)
        .sort();
    expect(byAction("adopt")).toEqual([
      "autoscaling.variant.main",
      "iam.role.lambda",
      "iam.role.sagemaker",
      "lambda.function.api",
      "lambda.provisioned-concurrency.api",
      "s3.bucket.data",
      "sagemaker.endpoint.main",
    ]);
    // Nothing else of what exists changes outside an adoption.
    expect(byAction("update")).toEqual([]);
    expect(byAction("replace")).toEqual([]);
    expect(byAction("delete")).toEqual([]);
    // The least-privilege change, inside the roles' adoption: FullAccess goes, ours comes.
    for (const address of ["iam.role.sagemaker", "iam.role.lambda"]) {
      const role = plan.changes.find((c) => c.address === address);
      expect(role?.adoptWith).toBe("replace");
      expect(role?.summary).toContain(`managed policy ${FULL_ACCESS}`);
    }
    const bucketChange = plan.changes.find((c) => c.address === "s3.bucket.data");
    expect(bucketChange?.changes).toContainEqual({
      path: "policy",
      before: [`Allow s3:GetObject on arn:aws:s3:::${bucket}/*, to arn:aws:iam::123456789012:root`],
      after: [],
    });
    const concurrency = plan.changes.find(
      (c) => c.address === "lambda.provisioned-concurrency.api",
    );
    expect(concurrency?.changes).toContainEqual({ path: "elsewhere.1", before: 2 });
    const autoscaling = plan.changes.find((c) => c.address === "autoscaling.variant.main");
    expect(autoscaling?.changes.map((c) => c.path)).toContain("otherPolicies.dog-breeds-scaling");
    expect(autoscaling?.changes.map((c) => c.path)).not.toContain("min");
    expect(autoscaling?.changes.map((c) => c.path)).not.toContain("max");

    const applied = await cli([
      "apply",
      "--config",
      config,
      "--plan",
      planFile,
      "--adopt",
      "--auto-approve",
    ]);
    expect(applied.out).toContain("Apply complete");
    expect(applied.code).toBe(0);
    for (const use of ["sagemaker", "lambda"]) {
      const RoleName = `${project}-${use}-console`;
      const [inline, attached] = await Promise.all([
        iam.send(new ListRolePoliciesCommand({ RoleName })),
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
      ]);
      expect(inline.PolicyNames).toEqual(["mlops-least-privilege"]);
      expect(attached.AttachedPolicies).toEqual([]);
    }
    // Provisioned concurrency is on the alias alone now: version 1 no longer pays for 2.
    const provisioned = await lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: functionName }),
    );
    expect(
      (provisioned.ProvisionedConcurrencyConfigs ?? []).map((c) => [
        c.FunctionArn?.split(":").pop(),
        c.RequestedProvisionedConcurrentExecutions,
      ]),
    ).toEqual([["live", 2]]);
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).rejects.toMatchObject({
      name: "NoSuchBucketPolicy",
    });
    const replan = await cli(["plan", "--config", config]);
    expect(replan.stdout).toContain("No changes");
  }, 300_000);
});

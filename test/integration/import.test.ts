// `mlops import` on an account set up by hand the way the original write-up did: a notebook's
// training job, its model behind an endpoint scaled 1-3 on 20 invocations per instance with
// 30 s cooldowns, roles carrying AmazonSageMakerFullAccess, and a Lambda function with
// provisioned concurrency 2 on a published version. The written config plans adoptions (and,
// inside them, the least-privilege changes) and the alias the concurrency moves to, nothing
// else: no training, the endpoint keeps its model and config. Its apply converges.
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
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
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
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
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
const logs = new CloudWatchLogsClient(aws.clientConfig);
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
  // As the SageMaker SDK's PyTorchModel deploys it: the inference script is named in the
  // container's environment.
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: `${jobName}-model`,
      ExecutionRoleArn: roles["sagemaker"],
      PrimaryContainer: {
        Image: IMAGE,
        ModelDataUrl: artifact,
        Environment: { SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_REGION: "us-east-1" },
      },
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
  // Lambda makes the function's log group at its first invocation.
  await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${functionName}` }));
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
      `model: "${jobName}-model"`,
      `endpointConfig: "${endpointName}-config"`,
      '"SAGEMAKER_PROGRAM": "inference.py"',
      "alarms: false",
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
      "logs.log-group.api",
      "s3.bucket.data",
      "sagemaker.endpoint-config.main",
      "sagemaker.endpoint.main",
      "sagemaker.model.main",
    ]);
    // Nothing else of what exists changes outside an adoption; no training, no new model or
    // endpoint config; the one thing made is the alias the provisioned concurrency moves to.
    expect(byAction("update")).toEqual([]);
    expect(byAction("replace")).toEqual([]);
    expect(byAction("delete")).toEqual([]);
    expect(byAction("train")).toEqual([]);
    expect(byAction("create")).toEqual(["lambda.alias.api"]);
    expect(plan.nodes["sagemaker.model.main"]?.name).toBe(`${jobName}-model`);
    expect(plan.nodes["sagemaker.endpoint-config.main"]?.name).toBe(`${endpointName}-config`);
    // The endpoint is adopted for its tags alone: nothing is deployed.
    const endpointChange = plan.changes.find((c) => c.address === "sagemaker.endpoint.main");
    expect(endpointChange?.changes.map((c) => c.path.split(".")[0])).toEqual(
      expect.arrayContaining(["tags"]),
    );
    expect(endpointChange?.changes.every((c) => c.path.startsWith("tags"))).toBe(true);
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
    // The endpoint serves the hand-made model through its own config, now the tool's.
    const endpoint = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: endpointName }),
    );
    expect(endpoint.EndpointConfigName).toBe(`${endpointName}-config`);
    const modelTags = await sagemaker.send(
      new ListTagsCommand({
        ResourceArn: `arn:aws:sagemaker:us-east-1:123456789012:model/${jobName}-model`,
      }),
    );
    expect(modelTags.Tags).toContainEqual({ Key: "mlops:project", Value: project });
    // Nothing was trained.
    const jobs = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: project }));
    expect(jobs.TrainingJobSummaries).toEqual([]);
    const replan = await cli(["plan", "--config", config]);
    expect(replan.stdout).toContain("No changes");
  }, 300_000);

  it("trains on demand, comes back as a reviewed rollback, and makes its own config once the config differs", async () => {
    const planFile = join(dir, "plan-next.json");
    const readPlan = (): Plan => JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    const serving = async () =>
      (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })))
        .EndpointConfigName;

    // mlops train trains and deploys a model of its own, and says the config serves another.
    const trained = await cli(["train", "--config", config, "--auto-approve"]);
    expect(trained.code).toBe(0);
    expect(trained.out).toContain("(model.serve): the next apply goes back to that one");
    const jobs = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: project }));
    expect(jobs.TrainingJobSummaries).toHaveLength(1);
    const trainedConfig = await serving();
    expect(trainedConfig).not.toBe(`${endpointName}-config`);

    // Going back to the adopted model is a rollback (the adoption started the deployment
    // history): an unreviewed apply refuses it, a reviewed plan does it.
    const unreviewed = await cli(["apply", "--config", config, "--auto-approve"]);
    expect(unreviewed.code).not.toBe(0);
    expect(await serving()).toBe(trainedConfig);
    expect((await cli(["plan", "--config", config, "--out", planFile])).code).toBe(0);
    const back = readPlan().changes.find((c) => c.address === "sagemaker.endpoint.main");
    expect(back?.rollback?.toModel).toBe(`${jobName}-model`);
    expect(readPlan().changes.map((c) => c.action)).not.toContain("train");
    const reviewed = await cli(["apply", "--config", config, "--plan", planFile, "--auto-approve"]);
    expect(reviewed.code).toBe(0);
    expect(await serving()).toBe(`${endpointName}-config`);

    // A bigger instance: the adopted model still is what model.serve says, the adopted config
    // is not, so the endpoint deploys a config of mlops's own and the hand-made one stays.
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(
        'instanceType: "ml.m5.large"',
        'instanceType: "ml.m5.xlarge"',
      ),
    );
    expect((await cli(["plan", "--config", config, "--out", planFile])).code).toBe(0);
    const plan = readPlan();
    const action = (address: string) => plan.changes.find((c) => c.address === address);
    expect(action("sagemaker.model.main")?.action).toBe("noop");
    expect(action("sagemaker.endpoint-config.main")).toMatchObject({
      action: "create",
      summary: expect.stringContaining(
        `not adopting ${endpointName}-config: it differs from the config in instance type`,
      ) as unknown,
    });
    expect(action("sagemaker.endpoint.main")?.action).toBe("update");
    const applied = await cli(["apply", "--config", config, "--plan", planFile, "--auto-approve"]);
    expect(applied.code).toBe(0);
    const ownConfig = plan.nodes["sagemaker.endpoint-config.main"]?.name;
    expect(ownConfig).toMatch(new RegExp(`^${project}-epc-`));
    expect(await serving()).toBe(ownConfig);
    await expect(
      sagemaker.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: `${endpointName}-config` }),
      ),
    ).resolves.toMatchObject({ EndpointConfigName: `${endpointName}-config` });

    // Another hand-made model put at the same address is adopted, not assumed the tool's
    // because the state record owns the address.
    const { Environment, Image, ModelDataUrl } =
      (await sagemaker.send(new DescribeModelCommand({ ModelName: `${jobName}-model` })))
        .PrimaryContainer ?? {};
    const { ExecutionRoleArn } = await sagemaker.send(
      new DescribeModelCommand({ ModelName: `${jobName}-model` }),
    );
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: `${jobName}-model-b`,
        ExecutionRoleArn,
        PrimaryContainer: { Image, ModelDataUrl, Environment },
      }),
    );
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(
        `model: "${jobName}-model"`,
        `model: "${jobName}-model-b"`,
      ),
    );
    expect((await cli(["plan", "--config", config, "--out", planFile])).code).toBe(0);
    const other = readPlan().changes.find((c) => c.address === "sagemaker.model.main");
    expect(other).toMatchObject({ action: "adopt", name: `${jobName}-model-b` });
  }, 300_000);
});

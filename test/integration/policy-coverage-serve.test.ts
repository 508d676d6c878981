// The CI policies of a config that serves a hand-made model (model.serve, as `mlops import`
// writes it) match what it calls: the plan role reads the adopted model and endpoint config and
// asks where the artifact's bucket is; the deploy role adopts them (tags, the hand-made role's
// policies), later deploys an endpoint config of its own, and trains on demand. Every request is
// recorded on a private emulator and checked against the policy `mlops iam-policy` prints.
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../actions/src/graph/iam-policies.js";
import {
  allowedRun,
  printedPolicy,
  REGION,
  startCoverageProject,
  type CoverageProject,
} from "../support/policy-recording.js";

const project = `pcserve${process.pid.toString(36)}`;
const handMade = `hand-${project}`;
const artifact = `s3://${handMade}/job-1/output/model.tar.gz`;
const IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311";
const roleName = `${project}-sagemaker-console`;

let covered: CoverageProject;

const policy = (role: "plan" | "deploy"): Promise<PolicyDocument> =>
  printedPolicy(covered.configFile, role);
const allowed = (doc: PolicyDocument, ...argv: string[]): Promise<string[]> =>
  allowedRun(covered.emulator, covered.configFile, doc, argv);

/** A model behind an endpoint, clicked together with an administrator's credentials. */
async function setUpByHand(): Promise<void> {
  const clientConfig = {
    endpoint: covered.emulator.endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: handMade }));
  await s3.send(
    new PutObjectCommand({ Bucket: handMade, Key: "job-1/output/model.tar.gz", Body: "model" }),
  );
  const iam = new IAMClient(clientConfig);
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      Path: "/service-role/",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "sagemaker.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: roleName,
      PolicyArn: "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    }),
  );
  const sagemaker = new SageMakerClient(clientConfig);
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: `${project}-hand-model`,
      ExecutionRoleArn: role.Role?.Arn,
      PrimaryContainer: {
        Image: IMAGE,
        ModelDataUrl: artifact,
        Environment: { SAGEMAKER_PROGRAM: "inference.py" },
      },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${project}-hand-config`,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: `${project}-hand-model`,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: project,
      EndpointConfigName: `${project}-hand-config`,
    }),
  );
}

beforeAll(async () => {
  covered = await startCoverageProject(
    "mlops-policy-serve-",
    `version: 1
project: ${project}
region: ${REGION}
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training: { backend: sagemaker, sourceDir: ./training }
model:
  serve:
    artifact: ${artifact}
    image: ${IMAGE}
    environment: { SAGEMAKER_PROGRAM: inference.py }
    adopt: { model: ${project}-hand-model, endpointConfig: ${project}-hand-config }
endpoint:
  name: ${project}
  instanceType: ml.m5.large
monitoring: { alarms: false }
iam:
  path: /service-role/
  roleNames: { sagemaker: ${roleName} }
`,
  );
  await setUpByHand();
}, 120_000);

afterAll(() => covered.stop());

describe("CI roles of a config serving a hand-made model", () => {
  it(
    "cover the adoption, a new endpoint config and training on demand",
    {
      timeout: 240_000,
    },
    async () => {
      const plan = await policy("plan");
      const deploy = await policy("deploy");
      const planned = await allowed(plan, "plan");
      expect(planned).toEqual(
        expect.arrayContaining(["DescribeModel", "DescribeEndpointConfig", "GetBucketLocation"]),
      );
      const adopted = await allowed(deploy, "apply", "--adopt", "--auto-approve");
      expect(adopted).toEqual(expect.arrayContaining(["AddTags", "DetachRolePolicy"]));
      expect(adopted).not.toContain("CreateTrainingJob");
      expect(adopted).not.toContain("UpdateEndpoint");
      await allowed(plan, "plan");

      // A bigger instance: an endpoint config of mlops's own, deployed.
      writeFileSync(
        covered.configFile,
        readFileSync(covered.configFile, "utf8").replace(
          "instanceType: ml.m5.large",
          "instanceType: ml.m5.xlarge",
        ),
      );
      const resized = await allowed(deploy, "apply", "--auto-approve");
      expect(resized).toEqual(expect.arrayContaining(["CreateEndpointConfig", "UpdateEndpoint"]));

      const trained = await allowed(deploy, "train", "--auto-approve");
      expect(trained).toEqual(expect.arrayContaining(["CreateTrainingJob", "CreateModel"]));
      await allowed(plan, "plan");
    },
  );
});

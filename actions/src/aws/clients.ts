// One client factory. Region, credentials and endpoints come from the SDK's standard chain
// (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles, OIDC web identity);
// we only add path-style S3 addressing when a custom endpoint is set, since emulators on
// `localhost` cannot serve virtual-hosted bucket names.
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { STSClient } from "@aws-sdk/client-sts";

export interface AwsClients {
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  sagemaker: SageMakerClient;
  autoscaling: ApplicationAutoScalingClient;
  lambda: LambdaClient;
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  /** The Resource Groups Tagging API: what carries the project's tags (orphan listing). */
  tagging: ResourceGroupsTaggingAPIClient;
}

export function createClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const common = { region, maxAttempts: 5 };
  const customS3Endpoint = Boolean(env["AWS_ENDPOINT_URL_S3"] ?? env["AWS_ENDPOINT_URL"]);
  return {
    // A move reads the old identity's state record in another region's bucket.
    s3: new S3Client({ ...common, forcePathStyle: customS3Endpoint, followRegionRedirects: true }),
    iam: new IAMClient(common),
    sts: new STSClient(common),
    sagemaker: new SageMakerClient(common),
    autoscaling: new ApplicationAutoScalingClient(common),
    lambda: new LambdaClient(common),
    ec2: new EC2Client(common),
    logs: new CloudWatchLogsClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
  };
}

// Training on SageMaker in PyTorch script mode: the CreateTrainingJob request and the mapping
// of DescribeTrainingJob into what the plan and the state record need.
import type {
  CreateTrainingJobCommandInput,
  DescribeTrainingJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import type { TrainingSpec } from "../graph/sagemaker-nodes.js";
import type { TuningResult } from "../resources/state-records.js";
import { tagsToList } from "../resources/tags.js";

export type TrainingStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface TrainingObserved {
  fingerprint: string;
  job: string;
  attempt: number;
  status: TrainingStatus;
  secondaryStatus?: string;
  failureReason?: string;
  artifact?: string;
  metrics?: Record<string, number>;
  /** A search: its trials; job, artifact and metrics are then the best trial's. */
  tuning?: TuningResult;
}

export function createTrainingJobRequest(
  spec: TrainingSpec,
  job: string,
  sourceArchiveUri: string,
  region: string,
  tags: Record<string, string>,
): CreateTrainingJobCommandInput {
  const distributed = spec.instance.count > 1;
  // Script mode reads every hyperparameter as a JSON-encoded string.
  const hyperparameters: Record<string, string> = {
    sagemaker_program: JSON.stringify(spec.entryPoint),
    sagemaker_submit_directory: JSON.stringify(sourceArchiveUri),
    sagemaker_region: JSON.stringify(region),
    sagemaker_container_log_level: "20",
    ...(distributed && { sagemaker_torch_distributed_enabled: "true" }),
  };
  for (const [key, value] of Object.entries(spec.hyperparameters))
    hyperparameters[key] = JSON.stringify(value);
  const spot = spec.spot.enabled;
  return {
    TrainingJobName: job,
    RoleArn: spec.roleArn,
    AlgorithmSpecification: {
      TrainingImage: spec.image,
      TrainingInputMode: "File",
      MetricDefinitions: spec.metrics.map((m) => ({ Name: m.name, Regex: m.regex })),
    },
    HyperParameters: hyperparameters,
    InputDataConfig: [
      {
        ChannelName: "training",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: `s3://${spec.input.bucket}/${spec.input.prefix}`,
            // Every instance gets the whole data set and train.py deals it out by rank (equal
            // shares each epoch, every validation and test image scored once). ShardedByS3Key
            // would hand each host a part that train.py then shards again. The data sets this
            // tool trains on are small enough to copy to every instance.
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${spec.output.bucket}/${spec.output.artifactPrefix}` },
    ResourceConfig: {
      InstanceType: spec.instance.type as never,
      InstanceCount: spec.instance.count,
      VolumeSizeInGB: spec.instance.volumeSizeGB,
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: spec.maxRuntimeSeconds,
      ...(spot &&
        spec.spot.maxWaitSeconds !== undefined && {
          MaxWaitTimeInSeconds: spec.spot.maxWaitSeconds,
        }),
    },
    ...(spot && {
      EnableManagedSpotTraining: true,
      CheckpointConfig: {
        S3Uri: `s3://${spec.output.bucket}/${spec.output.checkpointPrefix}${spec.fingerprint ?? job}/`,
        LocalPath: "/opt/ml/checkpoints",
      },
    }),
    ...(spec.vpc !== undefined && {
      VpcConfig: { Subnets: spec.vpc.subnets, SecurityGroupIds: spec.vpc.securityGroups },
    }),
    Tags: tagsToList(tags),
  };
}

export function observedFromDescribe(
  out: DescribeTrainingJobCommandOutput,
  fingerprint: string,
  attempt: number,
): TrainingObserved {
  const metrics: Record<string, number> = {};
  for (const m of out.FinalMetricDataList ?? [])
    if (m.MetricName && m.Value !== undefined) metrics[m.MetricName] = m.Value;
  return {
    fingerprint,
    job: out.TrainingJobName ?? "",
    attempt,
    status: (out.TrainingJobStatus ?? "InProgress") as TrainingStatus,
    ...(out.SecondaryStatus !== undefined && { secondaryStatus: out.SecondaryStatus }),
    ...(out.FailureReason !== undefined &&
      out.FailureReason !== "" && { failureReason: out.FailureReason }),
    ...(out.ModelArtifacts?.S3ModelArtifacts !== undefined && {
      artifact: out.ModelArtifacts.S3ModelArtifacts,
    }),
    ...(Object.keys(metrics).length > 0 && { metrics }),
  };
}

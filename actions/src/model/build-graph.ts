// Config -> DesiredGraph. Each later capability (training, endpoint, Lambda, runner) adds its
// nodes here through a small builder function, so the graph stays one readable list.
import { fillTemplate, derivedNames } from "../aws/naming.js";
import type { Config } from "../config/types.js";
import {
  ec2RunnerPolicy,
  lambdaExecutionPolicy,
  sageMakerExecutionPolicy,
  storageLayout,
  trustPolicy,
  type PolicyDocument,
  type StorageLayout,
} from "./iam-policies.js";
import {
  partitionOf,
  resourceTags,
  type DesiredGraph,
  type GraphContext,
  type Node,
} from "./graph.js";

export interface BucketSpec {
  encryption: "AES256";
  blockPublicAccess: true;
}

export interface DatasetSpec {
  bucket: string;
  prefix: string;
  source: Config["data"]["source"];
  delete: boolean;
  exclude: string[];
  /** Where the last synced manifest is kept (the state location). */
  manifest: { bucket: string; key: string };
}

export interface RoleSpec {
  path: string;
  trust: PolicyDocument;
  policyName: string;
  policy: PolicyDocument;
  permissionsBoundary?: string;
}

export interface InstanceProfileSpec {
  path: string;
  role: string;
}

export const INLINE_POLICY_NAME = "mlops-least-privilege";

export interface GraphInput {
  account: string;
}

export function buildGraph(config: Config, input: GraphInput): DesiredGraph {
  const context: GraphContext = {
    project: config.project,
    region: config.region,
    account: input.account,
    partition: partitionOf(config.region),
  };
  const fill = (t: string): string =>
    fillTemplate(t, { account: input.account, region: config.region }).value;
  const buckets = { data: fill(config.data.bucket), state: fill(config.state.bucket) };
  const layout = storageLayout(config, buckets);
  const nodes: Node[] = [];
  const add = <S>(
    address: string,
    kind: string,
    name: string,
    spec: S,
    dependsOn: string[] = [],
  ): Node<S> => {
    const node: Node<S> = {
      address,
      kind,
      name,
      spec,
      dependsOn,
      tags: resourceTags(context, address, config.tags),
    };
    nodes.push(node);
    return node;
  };

  add<BucketSpec>("s3.bucket.data", "s3.bucket", buckets.data, {
    encryption: "AES256",
    blockPublicAccess: true,
  });
  if (buckets.state !== buckets.data) {
    add<BucketSpec>("s3.bucket.state", "s3.bucket", buckets.state, {
      encryption: "AES256",
      blockPublicAccess: true,
    });
  }
  add<DatasetSpec>(
    "s3.dataset.data",
    "s3.dataset",
    `s3://${buckets.data}/${config.data.prefix}`,
    datasetSpec(config, layout),
    ["s3.bucket.data"],
  );

  const role = (
    use: "sagemaker" | "lambda" | "ec2",
    service: string,
    policy: PolicyDocument,
  ): void => {
    add<RoleSpec>(
      `iam.role.${use}`,
      "iam.role",
      config.iam.roleNames[use] ?? derivedNames.role(config.project, use),
      {
        path: config.iam.path,
        trust: trustPolicy(service),
        policyName: INLINE_POLICY_NAME,
        policy,
        ...(config.iam.permissionsBoundary !== undefined && {
          permissionsBoundary: config.iam.permissionsBoundary,
        }),
      },
    );
  };
  role("sagemaker", "sagemaker.amazonaws.com", sageMakerExecutionPolicy(config, context, layout));
  if (config.lambda) role("lambda", "lambda.amazonaws.com", lambdaExecutionPolicy(config, context));
  if (config.training.backend === "ec2") {
    role("ec2", "ec2.amazonaws.com", ec2RunnerPolicy(context, layout));
    const roleName = config.iam.roleNames.ec2 ?? derivedNames.role(config.project, "ec2");
    add<InstanceProfileSpec>(
      "iam.instance-profile.ec2",
      "iam.instance-profile",
      roleName,
      { path: config.iam.path, role: roleName },
      ["iam.role.ec2"],
    );
  }
  return { context, nodes };
}

function datasetSpec(config: Config, layout: StorageLayout): DatasetSpec {
  return {
    bucket: layout.dataBucket,
    prefix: layout.dataPrefix,
    source: config.data.source,
    delete: config.data.delete,
    exclude: config.data.exclude,
    manifest: { bucket: layout.stateBucket, key: `${layout.statePrefix}data-manifest.json` },
  };
}

// Nodes of the IAM capability: one role per service that needs one, each with its generated
// least-privilege inline policy, and the EC2 runner's instance profile.
import { derivedNames } from "../aws/naming.js";
import type { GraphBuilder } from "./graph-builder.js";
import {
  ec2RunnerPolicy,
  lambdaExecutionPolicy,
  sageMakerExecutionPolicy,
  trustPolicy,
  type PolicyDocument,
} from "./iam-policies.js";

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

export type RoleUse = "sagemaker" | "lambda" | "ec2";

export const roleAddress = (use: RoleUse): string => `iam.role.${use}`;

export function roleName(b: Pick<GraphBuilder, "config">, use: RoleUse): string {
  return b.config.iam.roleNames[use] ?? derivedNames.role(b.config.project, use);
}

/** The ARN a role will have (known before it exists: name and path are ours). */
export function roleArn(b: Pick<GraphBuilder, "config" | "context">, use: RoleUse): string {
  return `arn:${b.context.partition}:iam::${b.context.account}:role${b.config.iam.path}${roleName(b, use)}`;
}

export function addIamNodes(b: GraphBuilder): void {
  const { add, config, context, layout } = b;
  const role = (use: RoleUse, service: string, policy: PolicyDocument): void => {
    add<RoleSpec>(roleAddress(use), "iam.role", roleName(b, use), {
      path: config.iam.path,
      trust: trustPolicy(service),
      policyName: INLINE_POLICY_NAME,
      policy,
      ...(config.iam.permissionsBoundary !== undefined && {
        permissionsBoundary: config.iam.permissionsBoundary,
      }),
    });
  };
  role("sagemaker", "sagemaker.amazonaws.com", sageMakerExecutionPolicy(config, context, layout));
  if (config.lambda) role("lambda", "lambda.amazonaws.com", lambdaExecutionPolicy(config, context));
  if (config.training.backend === "ec2") {
    role("ec2", "ec2.amazonaws.com", ec2RunnerPolicy(context, layout));
    add<InstanceProfileSpec>(
      "iam.instance-profile.ec2",
      "iam.instance-profile",
      roleName(b, "ec2"),
      { path: config.iam.path, role: roleName(b, "ec2") },
      [roleAddress("ec2")],
    );
  }
}

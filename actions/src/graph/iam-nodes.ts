// Nodes of the IAM capability: one role per service that needs one, each with its generated
// least-privilege inline policy, and the EC2 runner's instance profile.
import { derivedNames } from "../aws/naming.js";
import type { GraphBuilder } from "./graph-builder.js";
import { stateKey, TAG_STATE } from "./graph.js";
import {
  ec2RunnerPolicy,
  lambdaExecutionPolicy,
  permissionsBoundaryArn,
  sageMakerExecutionPolicy,
  trustPolicy,
  type PolicyDocument,
} from "./iam-policies.js";

export interface RoleSpec {
  path: string;
  trust: PolicyDocument;
  policyName: string;
  policy: PolicyDocument;
  /** Always set: the deploy role may only create and change roles that carry it. */
  permissionsBoundary: string;
  /** Managed policies that may stay attached (iam.extraPolicies); any other is removed. */
  allowedManagedPolicies: string[];
}

export interface InstanceProfileSpec {
  path: string;
  role: string;
}

export const INLINE_POLICY_NAME = "mlops-least-privilege";

export type RoleUse = "sagemaker" | "lambda" | "ec2";

/** The one service each role is for: its trust principal and the only one it is passed to. */
export const ROLE_SERVICE: Readonly<Record<RoleUse, string>> = {
  sagemaker: "sagemaker.amazonaws.com",
  lambda: "lambda.amazonaws.com",
  ec2: "ec2.amazonaws.com",
};

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
  const permissionsBoundary = permissionsBoundaryArn(config, context);
  const stateRecord = `s3://${layout.stateBucket}/${stateKey(layout.statePrefix)}`;
  const role = (use: RoleUse, trust: PolicyDocument, policy: PolicyDocument): void => {
    const node = add<RoleSpec>(roleAddress(use), "iam.role", roleName(b, use), {
      path: config.iam.path,
      trust,
      policyName: INLINE_POLICY_NAME,
      policy,
      permissionsBoundary,
      allowedManagedPolicies: config.iam.extraPolicies[use] ?? [],
    });
    node.tags[TAG_STATE] = stateRecord;
  };
  role(
    "sagemaker",
    trustPolicy(ROLE_SERVICE.sagemaker, context.account),
    sageMakerExecutionPolicy(config, context, layout),
  );
  if (config.lambda) {
    role(
      "lambda",
      trustPolicy(ROLE_SERVICE.lambda, context.account),
      lambdaExecutionPolicy(config, context),
    );
  }
  if (config.training.backend === "ec2") {
    role(
      "ec2",
      trustPolicy(ROLE_SERVICE.ec2),
      ec2RunnerPolicy(
        context,
        layout,
        roleArn(b, "sagemaker"),
        config.iam.extraPolicies.sagemaker ?? [],
      ),
    );
    add<InstanceProfileSpec>(
      "iam.instance-profile.ec2",
      "iam.instance-profile",
      roleName(b, "ec2"),
      { path: config.iam.path, role: roleName(b, "ec2") },
      [roleAddress("ec2")],
    );
  }
}

// Approval of a registry version for an environment: ModelApprovalStatus=Approved with an
// ApprovalDescription naming who approved it and where (the workflow run), and the environment
// pinned to it in its state record, so its next apply deploys exactly that version.
import { UpdateModelPackageCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { StateStore } from "../apply/state-store.js";
import { withContext } from "../aws/errors.js";
import { OperationalError } from "../operational-errors.js";
import { provenance } from "./provenance.js";
import type { VersionDetails } from "./versions.js";

/** AWS's limit on ApprovalDescription. */
const APPROVAL_DESCRIPTION_MAX = 1024;

export function approvalDescription(environment: string, env = process.env): string {
  const origin = provenance(env);
  const text = `approved for ${environment} by ${origin.actor}${origin.runUrl ? ` in ${origin.runUrl}` : " with mlops promote"}`;
  return text.slice(0, APPROVAL_DESCRIPTION_MAX);
}

/** Approves `version` (unless it already is); a Rejected version is refused. */
export async function approve(
  sagemaker: SageMakerClient,
  version: VersionDetails,
  environment: string,
): Promise<boolean> {
  if (version.status === "Approved") return false;
  if (version.status === "Rejected") {
    throw new OperationalError(
      `model version ${version.version} is Rejected (${version.description}); it cannot be promoted`,
    );
  }
  await withContext(`approving model version ${version.version}`, () =>
    sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: version.arn,
        ModelApprovalStatus: "Approved",
        ApprovalDescription: approvalDescription(environment),
      }),
    ),
  );
  return true;
}

/** Points the environment at `version`: its next plan deploys it (while it is Approved). */
export async function pin(store: StateStore, version: number): Promise<void> {
  await store.update((record) => {
    (record.environment ??= {}).pinned = version;
  });
}

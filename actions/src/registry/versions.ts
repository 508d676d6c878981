// Reading the model registry: a project's versions (ListModelPackages, newest first) and one
// version's details (DescribeModelPackage). Shared by the registration handler, environment
// sessions (which version to deploy), `mlops models`, promote and rollback.
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { isNotFound, readOrUndefined, withContext } from "../aws/errors.js";

export type ApprovalStatus = "Approved" | "Rejected" | "PendingManualApproval";

export interface VersionSummary {
  version: number;
  arn: string;
  status: ApprovalStatus;
  createdAt: string;
}

export interface VersionDetails extends VersionSummary {
  image: string;
  artifact: string;
  description: string;
  approvalDescription?: string;
  metricsUri?: string;
  /** CustomerMetadataProperties: the training run's fingerprint, job, hashes, metrics. */
  metadata: Record<string, string>;
}

/** Metadata keys the registration writes (CustomerMetadataProperties). */
export const META = {
  fingerprint: "mlops:training-fingerprint",
  job: "mlops:training-job",
  data: "mlops:data-manifest-hash",
  code: "mlops:code-hash",
  metrics: "mlops:metrics",
  gate: "mlops:quality-gate",
  commit: "mlops:git-commit",
  run: "mlops:workflow-run",
  hyperparameter: "mlops:hp:",
} as const;

/** The group's versions, newest first; none when the group does not exist yet. */
export async function listVersions(
  sagemaker: SageMakerClient,
  group: string,
): Promise<VersionSummary[]> {
  const out: VersionSummary[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await withContext(`listing the versions of model package group ${group}`, () =>
        sagemaker.send(
          new ListModelPackagesCommand({
            ModelPackageGroupName: group,
            SortBy: "CreationTime",
            SortOrder: "Descending",
            MaxResults: 100,
            ...(token !== undefined && { NextToken: token }),
          }),
        ),
      );
    } catch (error) {
      if (isNotFound((error as { cause?: unknown }).cause)) return [];
      throw error;
    }
    for (const s of page.ModelPackageSummaryList ?? []) {
      if (s.ModelPackageVersion === undefined || s.ModelPackageArn === undefined) continue;
      out.push({
        version: s.ModelPackageVersion,
        arn: s.ModelPackageArn,
        status: s.ModelApprovalStatus ?? "PendingManualApproval",
        createdAt: s.CreationTime?.toISOString() ?? "",
      });
    }
    token = page.NextToken;
  } while (token);
  // Versions only grow: sorting by number is creation order even within one second.
  return out.sort((a, b) => b.version - a.version);
}

export async function describeVersion(
  sagemaker: SageMakerClient,
  arn: string,
): Promise<VersionDetails | undefined> {
  const out = await readOrUndefined(`reading model version ${arn}`, () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
  );
  return out && details(out);
}

function details(out: DescribeModelPackageCommandOutput): VersionDetails {
  const container = out.InferenceSpecification?.Containers?.[0];
  const metricsUri = out.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
  return {
    version: out.ModelPackageVersion ?? 0,
    arn: out.ModelPackageArn ?? "",
    status: out.ModelApprovalStatus ?? "PendingManualApproval",
    createdAt: out.CreationTime?.toISOString() ?? "",
    image: container?.Image ?? "",
    artifact: container?.ModelDataUrl ?? "",
    description: out.ModelPackageDescription ?? "",
    ...(out.ApprovalDescription !== undefined && { approvalDescription: out.ApprovalDescription }),
    ...(metricsUri !== undefined && { metricsUri }),
    metadata: out.CustomerMetadataProperties ?? {},
  };
}

/** The version that registered the training run with this fingerprint, newest first. */
export async function findRegistration(
  sagemaker: SageMakerClient,
  group: string,
  fingerprint: string,
): Promise<VersionDetails | undefined> {
  for (const summary of await listVersions(sagemaker, group)) {
    const found = await describeVersion(sagemaker, summary.arn);
    if (found?.metadata[META.fingerprint] === fingerprint) return found;
  }
  return undefined;
}

/** Metrics as the registry's metadata holds them: "test_accuracy=0.91 test_loss=0.3". */
export function metricsText(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** The metrics back from metricsText (a name may itself hold "="; the value is after the last). */
export function parseMetricsText(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of (text ?? "").split(" ")) {
    const eq = pair.lastIndexOf("=");
    const value = Number(pair.slice(eq + 1));
    if (eq > 0 && Number.isFinite(value)) out[pair.slice(0, eq)] = value;
  }
  return out;
}

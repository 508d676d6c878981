// Which registry version an environment deploys, decided when its session opens (so the plan
// records it): an environment without approval takes the newest version that passed the
// quality gate (not Rejected); one with approval takes the version promote or rollback pinned
// in its state record, else the newest Approved one, and never one that is not Approved.
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { StateRecord } from "../apply/state-store.js";
import type { Config } from "../config/types.js";
import type { Release } from "../graph/graph-builder.js";
import { modelPackageGroupName } from "../graph/registry-nodes.js";
import { OperationalError } from "../operational-errors.js";
import { describeVersion, listVersions, type VersionSummary } from "../registry/versions.js";

export interface ReleaseChoice {
  release: Release | undefined;
  /** The newest version that passed the gate, when this environment does not serve it yet. */
  candidate?: VersionSummary;
}

export async function chooseRelease(
  sagemaker: SageMakerClient,
  config: Config,
  environment: string,
  state: StateRecord,
): Promise<ReleaseChoice> {
  const requireApproval = config.environments?.[environment]?.approval === true;
  const versions = await listVersions(sagemaker, modelPackageGroupName(config.project));
  const newestPassing = versions.find((v) => v.status !== "Rejected");
  const pinned = state.environment?.pinned;
  const chosen = !requireApproval
    ? newestPassing
    : pinned !== undefined
      ? versions.find((v) => v.version === pinned)
      : versions.find((v) => v.status === "Approved");
  if (requireApproval && pinned !== undefined && chosen?.status !== "Approved") {
    throw new OperationalError(
      `${environment} is pinned to model version ${pinned}, which is ${chosen ? chosen.status : "not in the registry"}; it deploys only approved versions (mlops promote --to ${environment} --version N)`,
    );
  }
  if (!chosen) {
    if (Object.keys(state.resources).length > 0) {
      throw new OperationalError(
        `${environment} serves a model but the registry has no version it may deploy (${requireApproval ? "none is Approved" : "none passed the quality gate"}); nothing was changed`,
      );
    }
    return { release: undefined, ...(newestPassing && { candidate: newestPassing }) };
  }
  const details = await describeVersion(sagemaker, chosen.arn);
  if (!details)
    throw new OperationalError(`model version ${chosen.version} vanished from the registry`);
  return {
    release: {
      version: details.version,
      arn: details.arn,
      image: details.image,
      artifact: details.artifact,
      requireApproval,
    },
    ...(newestPassing && newestPassing.version > details.version && { candidate: newestPassing }),
  };
}

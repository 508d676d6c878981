// Promotion of a registry version to an environment that deploys only approved versions:
// approve it (who and where in ApprovalDescription) and pin the environment to it. Shared by
// `mlops promote` and the apply action's `promote` input. The version defaults to the one the
// environment before it serves: what was tested there.
import type { AwsClients } from "../aws/clients.js";
import type { Config } from "../config/types.js";
import { environmentStateStore, servedVersion } from "../environments/served.js";
import { environmentNames } from "../environments/stages.js";
import { modelPackageGroupName } from "../graph/registry-nodes.js";
import { OperationalError } from "../operational-errors.js";
import { approve, pin } from "./approval.js";
import { describeVersion, listVersions, type VersionDetails } from "./versions.js";

export interface Promotion {
  version: VersionDetails;
  /** false: it was Approved already. */
  approvedNow: boolean;
}

export async function promoteVersion(
  clients: AwsClients,
  account: string,
  config: Config,
  environment: string,
  requested: number | undefined,
): Promise<Promotion> {
  const version = await versionToPromote(clients, account, config, environment, requested);
  const approvedNow = await approve(clients.sagemaker, version, environment);
  await pin(environmentStateStore(clients.s3, config, environment, account), version.version);
  return { version, approvedNow };
}

async function versionToPromote(
  clients: AwsClients,
  account: string,
  config: Config,
  environment: string,
  requested: number | undefined,
): Promise<VersionDetails> {
  const group = modelPackageGroupName(config.project);
  const versions = await listVersions(clients.sagemaker, group);
  const names = environmentNames(config);
  const before = names[names.indexOf(environment) - 1];
  const tested =
    before === undefined
      ? undefined
      : (await servedVersion(clients.s3, config, before, account))?.version;
  const number = requested ?? tested ?? versions.find((v) => v.status !== "Rejected")?.version;
  const summary = versions.find((v) => v.version === number);
  const details = summary && (await describeVersion(clients.sagemaker, summary.arn));
  if (!details) {
    throw new OperationalError(
      number === undefined
        ? `the registry ${group} has no version to promote yet`
        : `the registry ${group} has no version ${number}`,
    );
  }
  return details;
}

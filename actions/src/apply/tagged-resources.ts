// What AWS says the project owns, by its tags: the Resource Groups Tagging API for the regional
// kinds (SageMaker, Lambda, CloudWatch Logs, and S3 buckets, placed by GetBucketLocation), and
// the roles under the project's IAM path (IAM is not in that API) with their tags. The state
// record says what the tool manages; this says what carries its tags, so the two together find
// what an interrupted move or a lost record left running.
import { ListRolesCommand, ListRoleTagsCommand } from "@aws-sdk/client-iam";
import { GetResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import type { AwsClients } from "../aws/clients.js";
import { withContext } from "../aws/errors.js";
import { MANAGED_BY, TAG_MANAGED_BY, TAG_PROJECT } from "../graph/graph.js";
import { bucketRegion } from "../plan/data-region.js";
import { tagsFromList } from "../resources/tags.js";

/** The kinds a tagged resource can be, in the words listings use. */
export type TaggedKind =
  | "sagemaker endpoint"
  | "sagemaker endpoint config"
  | "sagemaker model"
  | "sagemaker training job"
  | "lambda function"
  | "log group"
  | "s3 bucket"
  | "iam role";

export interface TaggedResource {
  kind: TaggedKind;
  name: string;
  arn: string;
  /** "global" for IAM roles. */
  region: string;
  project: string;
  /** The mlops:address tag: the graph address it was created for. */
  address?: string;
}

const RESOURCE_TYPES = ["s3", "sagemaker", "lambda", "logs"];
const ADDRESS_TAG = "mlops:address";

/** The project's tagged resources in `region` (and its roles under `iamPath`, as "global"). */
export async function listTagged(
  clients: Pick<AwsClients, "tagging" | "s3" | "iam">,
  scope: { project: string; region: string; iamPath?: string },
): Promise<TaggedResource[]> {
  const found: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = token;
    const out = await withContext(
      `listing what is tagged for ${scope.project} in ${scope.region}`,
      () =>
        clients.tagging.send(
          new GetResourcesCommand({
            TagFilters: [
              { Key: TAG_MANAGED_BY, Values: [MANAGED_BY] },
              { Key: TAG_PROJECT, Values: [scope.project] },
            ],
            ResourceTypeFilters: RESOURCE_TYPES,
            ...(page !== undefined && { PaginationToken: page }),
          }),
        ),
    );
    for (const mapping of out.ResourceTagMappingList ?? []) {
      const parsed = parseArn(mapping.ResourceARN ?? "");
      if (!parsed) continue;
      const address = (mapping.Tags ?? []).find((t) => t.Key === ADDRESS_TAG)?.Value;
      // S3 lists a bucket in its own region only; say so even where a listing shows them all.
      if (parsed.kind === "s3 bucket") {
        const where = await bucketRegion(clients.s3, parsed.name);
        if (where !== scope.region) continue;
      }
      found.push({
        ...parsed,
        region: scope.region,
        project: scope.project,
        ...(address !== undefined && { address }),
      });
    }
    token = out.PaginationToken === "" ? undefined : out.PaginationToken;
  } while (token !== undefined);
  if (scope.iamPath !== undefined)
    found.push(...(await taggedRoles(clients, scope.project, scope.iamPath)));
  return found.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

async function taggedRoles(
  clients: Pick<AwsClients, "iam">,
  project: string,
  iamPath: string,
): Promise<TaggedResource[]> {
  const found: TaggedResource[] = [];
  let marker: string | undefined;
  do {
    const page = marker;
    const out = await withContext(`listing the roles under ${iamPath}`, () =>
      clients.iam.send(
        new ListRolesCommand({ PathPrefix: iamPath, ...(page !== undefined && { Marker: page }) }),
      ),
    );
    for (const role of out.Roles ?? []) {
      const name = role.RoleName ?? "";
      const tags = await withContext(`reading the tags of role ${name}`, () =>
        clients.iam.send(new ListRoleTagsCommand({ RoleName: name })),
      );
      const byKey = tagsFromList(tags.Tags);
      if (byKey[TAG_MANAGED_BY] !== MANAGED_BY || byKey[TAG_PROJECT] !== project) continue;
      const address = byKey[ADDRESS_TAG];
      found.push({
        kind: "iam role",
        name,
        arn: role.Arn ?? "",
        region: "global",
        project,
        ...(address !== undefined && { address }),
      });
    }
    marker = out.IsTruncated === true ? out.Marker : undefined;
  } while (marker !== undefined);
  return found;
}

/** The kind and name an ARN of the tool's kinds names (undefined for any other). */
export function parseArn(arn: string): Pick<TaggedResource, "kind" | "name" | "arn"> | undefined {
  const [, , service = "", , , ...rest] = arn.split(":");
  const resource = rest.join(":");
  const slash = (prefix: string): string | undefined =>
    resource.startsWith(`${prefix}/`) ? resource.slice(prefix.length + 1) : undefined;
  const kinds: [TaggedKind, string | undefined][] = [
    ["s3 bucket", service === "s3" ? resource : undefined],
    ["sagemaker endpoint", service === "sagemaker" ? slash("endpoint") : undefined],
    ["sagemaker endpoint config", service === "sagemaker" ? slash("endpoint-config") : undefined],
    ["sagemaker model", service === "sagemaker" ? slash("model") : undefined],
    ["sagemaker training job", service === "sagemaker" ? slash("training-job") : undefined],
    [
      "lambda function",
      service === "lambda" && resource.startsWith("function:") ? resource.split(":")[1] : undefined,
    ],
    [
      "log group",
      service === "logs" && resource.startsWith("log-group:")
        ? resource.slice("log-group:".length).replace(/:\*$/, "")
        : undefined,
    ],
  ];
  const match = kinds.find(([, name]) => name !== undefined && name !== "");
  return match ? { kind: match[0], name: match[1] ?? "", arn } : undefined;
}

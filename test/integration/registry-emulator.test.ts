// The emulator's model registry additions (emulator/registry_ext.py) against AWS's documented
// behaviour, over HTTP with the real SDK: ClientToken makes CreateModelPackage idempotent,
// UpdateModelPackage changes only what it names, ModelMetrics and the approval status
// round-trip, ListModelPackages filters by approval status and sorts by creation time, and
// versions and groups can be deleted (moto answers 500).
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type CreateModelPackageCommandInput,
} from "@aws-sdk/client-sagemaker";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.js";

const aws = useEmulator();
let sagemaker: SageMakerClient;
const group = `reg${Date.now().toString(36)}`;
const metrics = {
  ModelQuality: {
    Statistics: { ContentType: "application/json", S3Uri: "s3://bucket/run/metrics.json" },
  },
};
const request = (token: string): CreateModelPackageCommandInput => ({
  ModelPackageGroupName: group,
  InferenceSpecification: {
    Containers: [
      {
        Image: "123.dkr.ecr.us-east-1.amazonaws.com/img:1",
        ModelDataUrl: "s3://bucket/run/model.tar.gz",
      },
    ],
    SupportedContentTypes: ["image/jpeg"],
    SupportedResponseMIMETypes: ["application/json"],
  },
  ModelMetrics: metrics,
  ModelApprovalStatus: "PendingManualApproval",
  CustomerMetadataProperties: { "mlops:training-job": `job-${token}` },
  ClientToken: token,
});

beforeAll(async () => {
  sagemaker = new SageMakerClient(aws.clientConfig);
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
});

describe("the model registry in the emulator", () => {
  it("registers a run once per ClientToken and keeps ModelMetrics", async () => {
    const first = await sagemaker.send(new CreateModelPackageCommand(request("run-a")));
    const again = await sagemaker.send(new CreateModelPackageCommand(request("run-a")));
    expect(again.ModelPackageArn).toBe(first.ModelPackageArn);
    const other = await sagemaker.send(new CreateModelPackageCommand(request("run-b")));
    expect(other.ModelPackageArn).not.toBe(first.ModelPackageArn);

    const described = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }),
    );
    expect(described.ModelPackageVersion).toBe(1);
    expect(described.ModelMetrics).toEqual(metrics);
    expect(described.ModelApprovalStatus).toBe("PendingManualApproval");

    // An account with registry versions still lists its tagged resources (moto: a 500).
    const tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig);
    const listed = await tagging.send(
      new GetResourcesCommand({ TagFilters: [{ Key: "mlops:project", Values: [group] }] }),
    );
    expect(listed.ResourceTagMappingList).toEqual([]);
  });

  it("changes only what UpdateModelPackage names, and filters lists by approval status", async () => {
    const [newest, oldest] =
      (
        await sagemaker.send(
          new ListModelPackagesCommand({
            ModelPackageGroupName: group,
            SortBy: "CreationTime",
            SortOrder: "Descending",
          }),
        )
      ).ModelPackageSummaryList ?? [];
    expect([newest?.ModelPackageVersion, oldest?.ModelPackageVersion]).toEqual([2, 1]);
    const arn = oldest?.ModelPackageArn ?? "";
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: "Approved",
        ApprovalDescription: "approved for production by octocat",
      }),
    );
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        CustomerMetadataProperties: { reviewed: "yes" },
      }),
    );
    const described = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: arn }),
    );
    expect(described.ModelApprovalStatus).toBe("Approved");
    expect(described.ApprovalDescription).toBe("approved for production by octocat");
    expect(described.CustomerMetadataProperties).toEqual({
      "mlops:training-job": "job-run-a",
      reviewed: "yes",
    });
    expect(described.LastModifiedTime).toBeInstanceOf(Date);

    const approved = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: "Approved",
      }),
    );
    expect(approved.ModelPackageSummaryList?.map((s) => s.ModelPackageVersion)).toEqual([1]);
  });

  it("deletes a group only once its versions are deleted", async () => {
    await expect(
      sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: group })),
    ).rejects.toThrow(/has model packages/);
    const versions =
      (await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group })))
        .ModelPackageSummaryList ?? [];
    for (const v of versions)
      await sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: v.ModelPackageArn }));
    await expect(
      sagemaker.send(
        new DescribeModelPackageCommand({ ModelPackageName: versions[0]?.ModelPackageArn }),
      ),
    ).rejects.toThrow(/not found|does not exist/);
    await sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: group }));
    await expect(
      sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: group })),
    ).rejects.toThrow(/does not exist/);
  });
});

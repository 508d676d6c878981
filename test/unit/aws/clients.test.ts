import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { createClients, mapClients, type AwsClients } from "../../../actions/src/aws/clients.js";

describe("createClients", () => {
  it("makes each client when first used, once", () => {
    const clients = createClients("eu-west-1", {});
    const s3 = clients.s3;
    expect(s3).toBeInstanceOf(S3Client);
    expect(clients.s3).toBe(s3);
    expect(Object.keys(clients)).toEqual(
      expect.arrayContaining(["s3", "iam", "sts", "sagemaker", "lambda", "ec2", "logs"]),
    );
  });

  it("addresses S3 by path only when a custom endpoint is set", async () => {
    const plain = createClients("eu-west-1", {}).s3;
    const custom = createClients("eu-west-1", { AWS_ENDPOINT_URL: "http://127.0.0.1:5000" }).s3;
    expect(plain.config.forcePathStyle).toBe(false);
    expect(custom.config.forcePathStyle).toBe(true);
    expect(await custom.config.region()).toBe("eu-west-1");
    // Uploads carry Content-MD5; no CRC32 of every body besides.
    expect(await custom.config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
  });
});

describe("mapClients", () => {
  it("wraps each client when first used and keeps a partial set partial", () => {
    const wrapped: string[] = [];
    const sts = new STSClient({ region: "eu-west-1" });
    const partial = { sts } as unknown as AwsClients;
    const mapped = mapClients(partial, (service, client) => {
      wrapped.push(service);
      return client;
    });
    expect(Object.keys(mapped)).toEqual(["sts"]);
    expect(wrapped).toEqual([]);
    expect(mapped.sts).toBe(sts);
    expect(mapped.sts).toBe(sts);
    expect(wrapped).toEqual(["sts"]);
  });
});

// The account a session builds its graph for: taken from credentials that carry it, so work
// starts at once, and confirmed by STS alongside before a plan reports or an apply changes
// anything.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../actions/src/config/load.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import { openSession } from "../../../actions/src/session.js";
import { mockedClients } from "./helpers.js";

const CONFIG = new URL("../../../config/minimal.example.yaml", import.meta.url).pathname;

function clientsClaiming(accountId: string | undefined, stsAccount: string) {
  const { clients } = mockedClients();
  const sts = new STSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b", ...(accountId && { accountId }) },
  });
  const stub = mockClient(sts);
  stub.on(GetCallerIdentityCommand).resolves({ Account: stsAccount });
  return { clients: { ...clients, sts }, stub };
}

describe("the session's account", () => {
  it("builds for the account the credentials carry and STS confirms", async () => {
    const { clients, stub } = clientsClaiming("111111111111", "111111111111");
    const session = await openSession(loadConfig(CONFIG), { logger: memoryLogger(), clients });
    expect(session.graph.context.account).toBe("111111111111");
    await expect(session.accountConfirmed).resolves.toBeUndefined();
    expect(stub.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it("refuses a claimed account that STS says the credentials do not belong to", async () => {
    const { clients } = clientsClaiming("111111111111", "222222222222");
    const session = await openSession(loadConfig(CONFIG), { logger: memoryLogger(), clients });
    await expect(session.accountConfirmed).rejects.toThrow(
      /claim account 111111111111 .* belong to 222222222222/,
    );
  });

  it("asks STS first when the credentials carry no account", async () => {
    const { clients } = clientsClaiming(undefined, "333333333333");
    const session = await openSession(loadConfig(CONFIG), { logger: memoryLogger(), clients });
    expect(session.graph.context.account).toBe("333333333333");
  });
});

// The STS request the plan, apply and train entries start before the SDK loads: a session in the
// same region takes its answer instead of asking again; any other session asks for itself.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startIdentityCheck } from "../../../actions/src/aws/early-identity.js";
import { loadConfig } from "../../../actions/src/config/load.js";
import { memoryLogger } from "../../../actions/src/logger.js";
import { openSession } from "../../../actions/src/session.js";

const CONFIG = new URL("../../../config/minimal.example.yaml", import.meta.url).pathname; // us-east-1

describe("the identity asked before the SDK loads", () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "a");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "b");
    vi.stubEnv("AWS_ACCOUNT_ID", "");
    sts.reset();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is the session's answer when the regions match, so STS is asked once", async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolvesOnce({ Account: "111111111111" })
      .resolves({ Account: "999999999999" });
    startIdentityCheck({ AWS_REGION: "us-east-1" });
    const session = await openSession(loadConfig(CONFIG), { logger: memoryLogger() });
    expect(session.graph.context.account).toBe("111111111111");
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);

    // Taken once: the next session in the process asks for itself.
    const next = await openSession(loadConfig(CONFIG), { logger: memoryLogger() });
    expect(next.graph.context.account).toBe("999999999999");
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(2);
  });

  it("is not used by a session for another region", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: "222222222222" });
    startIdentityCheck({ AWS_REGION: "eu-west-1" });
    await openSession(loadConfig(CONFIG), { logger: memoryLogger() });
    const regions = await Promise.all(
      sts
        .commandCalls(GetCallerIdentityCommand)
        .map((call) => (call.thisValue as STSClient).config.region()),
    );
    expect(regions).toEqual(["eu-west-1", "us-east-1"]);
  });

  it("fails the session the way its own request would", async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(new Error("The security token included in the request is invalid"));
    startIdentityCheck({ AWS_REGION: "us-east-1" });
    await expect(openSession(loadConfig(CONFIG), { logger: memoryLogger() })).rejects.toThrow(
      /asking STS who we are .*security token/s,
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it("asks nothing when the environment names no region", () => {
    startIdentityCheck({});
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});

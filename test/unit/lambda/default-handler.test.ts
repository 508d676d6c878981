// The exported handler (what the bundle's index.handler is) uses the production settings: the
// endpoint from the environment, https only, public addresses only. No network is used here.
import { afterEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../lambda/src/handler.js";
import { context, expectError } from "./helpers.js";

describe("lambda/src/handler.ts (production wiring)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("answers 500 when MLOPS_ENDPOINT_NAME is missing", async () => {
    vi.stubEnv("MLOPS_ENDPOINT_NAME", undefined);
    const silence = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const message = expectError(
        await handler({ url: "https://example.com/dog.jpg" }, context),
        500,
        "configuration_error",
      );
      expect(message).toContain("MLOPS_ENDPOINT_NAME");
      const line = String(silence.mock.calls[0]?.[0]);
      expect(JSON.parse(line)).toMatchObject({
        level: "error",
        requestId: "req-test-1",
        status: 500,
      });
    } finally {
      silence.mockRestore();
    }
  });

  it.each([
    ["http://example.com/dog.jpg", "unsupported_scheme"],
    ["https://169.254.169.254/latest/meta-data/", "blocked_address"],
    ["https://[::1]/dog.jpg", "blocked_address"],
    ["https://localhost/dog.jpg", "blocked_address"],
  ])("refuses %s -> 400 %s", async (url, code) => {
    vi.stubEnv("MLOPS_ENDPOINT_NAME", "dog-breeds-prod");
    const silence = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expectError(await handler({ url }, context), 400, code);
    } finally {
      silence.mockRestore();
    }
  });
});

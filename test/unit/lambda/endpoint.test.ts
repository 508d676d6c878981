// The endpoint side: invocation, failures (502), timeouts (504), answer shapes, configuration.
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ServiceUnavailable,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { createHandler } from "../../../lambda/src/app.js";
import type { InvokeCall } from "./helpers.js";
import {
  body,
  context,
  expectError,
  expectJson,
  FakeRuntime,
  harness,
  JPEG,
  parsedLogs,
} from "./helpers.js";

const event = { image: JPEG.toString("base64") };

describe("endpoint failures", () => {
  it("ModelError -> 502 without the model's internals", async () => {
    const runtime = new FakeRuntime(() =>
      Promise.reject(
        new ModelError({
          $metadata: { httpStatusCode: 424 },
          message:
            "Received server error (500) from primary: Traceback (most recent call last): secret.py",
          OriginalStatusCode: 500,
          OriginalMessage:
            "Traceback (most recent call last): File /opt/ml/model/code/inference.py",
          LogStreamArn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/x",
        }),
      ),
    );
    const { handler, logs } = harness({ runtime });
    const response = await handler(event, context);
    expect(expectError(response, 502, "endpoint_error")).toBe(
      "the model failed to process the image",
    );
    expect(response.body).not.toMatch(/Traceback|inference\.py|arn:aws|123456789012/);
    const [record] = parsedLogs(logs);
    expect(record).toMatchObject({ level: "error", status: 502, causeName: "ModelError" });
    expect(String(record?.causeMessage)).toContain("Received server error"); // detail in the log
  });

  it.each([
    [400, 400, "model_rejected_image"],
    [415, 400, "model_rejected_image"],
    [413, 413, "image_too_large"],
  ])(
    "the model refusing the input (its status %i) -> %i, in our words only",
    async (original, status, code) => {
      const runtime = new FakeRuntime(() =>
        Promise.reject(
          new ModelError({
            $metadata: { httpStatusCode: 424 },
            message: `Received client error (${String(original)}) from primary: Traceback ...`,
            OriginalStatusCode: original,
            OriginalMessage: "Traceback (most recent call last): File inference.py",
          }),
        ),
      );
      const { handler } = harness({ runtime });
      const response = await handler(event, context);
      expectError(response, status, code);
      expect(response.body).not.toMatch(/Traceback|inference\.py/);
    },
  );

  it.each([
    [
      "ValidationError (endpoint not found)",
      () =>
        new ValidationError({
          $metadata: {},
          message: "Endpoint dog-breeds-prod of account 123456789012 not found.",
        }),
    ],
    ["ServiceUnavailable", () => new ServiceUnavailable({ $metadata: {}, message: "unavailable" })],
    ["a plain Error", () => new Error("socket hang up at /var/task/index.mjs:1:2")],
  ])("%s -> 502", async (_name, make) => {
    const { handler } = harness({ runtime: new FakeRuntime(() => Promise.reject(make())) });
    const response = await handler(event, context);
    expectError(response, 502, "endpoint_error");
    expect(response.body).not.toMatch(/123456789012|index\.mjs/);
  });

  it("an endpoint that does not answer in MLOPS_INVOKE_TIMEOUT_MS -> 504, and the call is aborted", async () => {
    let seen: InvokeCall | undefined;
    const runtime = new FakeRuntime(
      (call) =>
        new Promise((_resolve, reject) => {
          seen = call;
          call.signal?.addEventListener("abort", () => {
            reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
          });
        }),
    );
    const { handler } = harness({ runtime, env: { MLOPS_INVOKE_TIMEOUT_MS: "150" } });
    const started = Date.now();
    expectError(await handler(event, context), 504, "endpoint_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen?.signal?.aborted).toBe(true);
  });

  it("an endpoint that ignores the abort signal still gets a 504 in time", async () => {
    const runtime = new FakeRuntime(() => new Promise(() => undefined));
    const { handler } = harness({ runtime, env: { MLOPS_INVOKE_TIMEOUT_MS: "100" } });
    expectError(await handler(event, context), 504, "endpoint_timeout");
  });

  it("an SDK TimeoutError -> 504", async () => {
    const timeout = Object.assign(new Error("Connection timed out after 3000 ms"), {
      name: "TimeoutError",
    });
    const { handler } = harness({ runtime: new FakeRuntime(() => Promise.reject(timeout)) });
    expectError(await handler(event, context), 504, "endpoint_timeout");
  });
});

describe("endpoint answers", () => {
  it("a bare [[logits]] answer: softmax top-k computed here, labels are indexes", async () => {
    const logits = [1, 5, 3, 0, 4];
    const { handler } = harness({
      runtime: new FakeRuntime(() => Promise.resolve(body([logits]))),
    });
    const parsed = expectJson(await handler(event, context), 200);
    const exps = logits.map((x) => Math.exp(x));
    const sum = exps.reduce((a, b) => a + b, 0);
    expect(parsed.scores).toEqual(logits);
    expect(parsed.predictions).toEqual([
      { label: "1", index: 1, probability: expect.closeTo((exps[1] ?? 0) / sum, 10) as unknown },
      { label: "4", index: 4, probability: expect.closeTo((exps[4] ?? 0) / sum, 10) as unknown },
      { label: "2", index: 2, probability: expect.closeTo((exps[2] ?? 0) / sum, 10) as unknown },
    ]);
  });

  it.each([
    ["not JSON", "<html>oops</html>"],
    ["an empty object", {}],
    ["predictions of the wrong type", { predictions: "x" }],
    ["non-numeric scores", [["a", "b"]]],
    ["a top_k entry without probability", { predictions: [{ top_k: [{ index: 1 }] }] }],
  ])("%s -> 502 bad_endpoint_response", async (_name, answer) => {
    const { handler } = harness({ runtime: new FakeRuntime(() => Promise.resolve(body(answer))) });
    expectError(await handler(event, context), 502, "bad_endpoint_response");
  });
});

describe("configuration", () => {
  it("a missing MLOPS_ENDPOINT_NAME -> 500 with a clear message, no endpoint call", async () => {
    const { handler, runtime } = harness({ env: { MLOPS_ENDPOINT_NAME: undefined } });
    const message = expectError(await handler(event, context), 500, "configuration_error");
    expect(message).toMatch(/MLOPS_ENDPOINT_NAME is not set/);
    expect(runtime.calls).toHaveLength(0);
  });

  it.each([
    ["MLOPS_TOP_K", "zero"],
    ["MLOPS_TOP_K", "0"],
    ["MLOPS_MAX_IMAGE_BYTES", "-5"],
    ["MLOPS_FETCH_TIMEOUT_MS", "1.5"],
  ])("an invalid %s=%s -> 500 naming the variable", async (name, value) => {
    const { handler } = harness({ env: { [name]: value } });
    expect(expectError(await handler(event, context), 500, "configuration_error")).toContain(name);
  });
});

describe("with the real SageMakerRuntimeClient (aws-sdk-client-mock)", () => {
  const mock = mockClient(SageMakerRuntimeClient);
  afterEach(() => {
    mock.reset();
  });

  it("sends InvokeEndpointCommand with the bytes, the image type and Accept: application/json", async () => {
    mock.on(InvokeEndpointCommand).resolves(body([[0.5, 2.5]]));
    const runtime = new SageMakerRuntimeClient({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    const handler = createHandler({
      runtime,
      env: { MLOPS_ENDPOINT_NAME: "ep-1" },
      logSink: () => undefined,
    });
    const parsed = expectJson(await handler(event, context), 200);
    expect(parsed.model).toEqual({ endpoint: "ep-1" });
    const calls = mock.commandCalls(InvokeEndpointCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      EndpointName: "ep-1",
      ContentType: "image/jpeg",
      Accept: "application/json",
    });
    expect(Buffer.from(input?.Body as Uint8Array).equals(JPEG)).toBe(true);
  });

  it("a ModelError from the client -> 502", async () => {
    mock.on(InvokeEndpointCommand).rejects(new ModelError({ $metadata: {}, message: "boom" }));
    const runtime = new SageMakerRuntimeClient({ region: "us-east-1" });
    const handler = createHandler({
      runtime,
      env: { MLOPS_ENDPOINT_NAME: "ep-1" },
      logSink: () => undefined,
    });
    expectError(await handler(event, context), 502, "endpoint_error");
  });
});

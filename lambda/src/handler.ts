// Lambda entry point (bundled to lambda/dist/index.mjs; handler setting "index.handler").
// Production wiring: the real network policy (https only, public addresses only) and one
// SageMaker runtime client per container, created at init.
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { Handler } from "./app.js";
import { createHandler } from "./app.js";
import { DEFAULTS } from "./config.js";

const invokeTimeout = Number(process.env.MLOPS_INVOKE_TIMEOUT_MS ?? DEFAULTS.invokeTimeoutMs);

const runtime = new SageMakerRuntimeClient({
  // One retry for throttling and transient faults; the handler's own deadline bounds the total.
  maxAttempts: 2,
  requestHandler: {
    connectionTimeout: 3_000,
    requestTimeout:
      Number.isFinite(invokeTimeout) && invokeTimeout > 0
        ? invokeTimeout
        : DEFAULTS.invokeTimeoutMs,
  },
});

export const handler: Handler = createHandler({ runtime });

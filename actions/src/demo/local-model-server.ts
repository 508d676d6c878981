// Serves a trained model.tar.gz locally with training/serve.py (the SageMaker inference
// container's HTTP contract) and gives the Lambda handler a runtime client that sends its
// InvokeEndpoint calls there instead of to SageMaker.
import { spawn } from "node:child_process";
import type {
  InvokeEndpointCommand,
  InvokeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import type { EndpointRuntime } from "../../../lambda/src/invoke.js";
import { OperationalError } from "../operational-errors.js";

export interface LocalModelServer {
  url: string;
  stop(): Promise<void>;
}

export function startLocalModelServer(
  python: string,
  serveScript: string,
  model: string,
): Promise<LocalModelServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [serveScript, "--model-dir", model, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new OperationalError(`serve.py did not start within 60s:\n${output}`));
    }, 60_000);
    let announced = false;
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const url = /serving on (http:\/\/\S+)/.exec(output)?.[1];
      if (url && !announced) {
        announced = true;
        // serve.py answers /ping with 200 once the model is loaded (503 before).
        void waitUntilHealthy(url, 60_000).then(
          () => {
            clearTimeout(timer);
            resolve(server(url));
          },
          (error: unknown) => {
            clearTimeout(timer);
            child.kill("SIGKILL");
            reject(error instanceof Error ? error : new OperationalError(String(error)));
          },
        );
      }
    };
    const server = (url: string): LocalModelServer => ({
      url,
      stop: () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) {
            done();
            return;
          }
          child.once("close", () => {
            done();
          });
          child.kill("SIGTERM");
        }),
    });
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new OperationalError(`serve.py exited with code ${String(code)}:\n${output}`));
    });
  });
}

async function waitUntilHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new OperationalError(`serve.py did not load the model within ${timeoutMs / 1000}s`);
}

/** An EndpointRuntime whose InvokeEndpoint is a POST to serve.py's /invocations. */
export function localRuntime(url: string): EndpointRuntime {
  return {
    async send(
      command: InvokeEndpointCommand,
      options?: { abortSignal?: AbortSignal },
    ): Promise<InvokeEndpointCommandOutput> {
      const input = command.input;
      const body = input.Body as Uint8Array;
      const response = await fetch(`${url}/invocations`, {
        method: "POST",
        headers: {
          "content-type": input.ContentType ?? "application/octet-stream",
          accept: input.Accept ?? "application/json",
        },
        body,
        ...(options?.abortSignal && { signal: options.abortSignal }),
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (!response.ok) {
        throw Object.assign(
          new OperationalError(
            `model server answered ${response.status}: ${Buffer.from(bytes).toString("utf8")}`,
          ),
          { name: "ModelError" },
        );
      }
      return {
        // The SDK wraps bodies in Uint8ArrayBlobAdapter; the handler only reads a Uint8Array.
        // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
        Body: bytes as InvokeEndpointCommandOutput["Body"],
        ContentType: response.headers.get("content-type") ?? "application/json",
        $metadata: { httpStatusCode: response.status },
      };
    },
  };
}

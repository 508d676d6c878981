// Runs a Lambda handler in this process for the emulator's Function URLs: moto cannot run Node
// functions, so the emulator POSTs each URL request's event here (function_url_ext.py) and
// answers the caller with what the handler returned.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { EmulatorControl } from "./control.js";

export type LocalHandler = (
  event: unknown,
  context: { awsRequestId: string; getRemainingTimeInMillis: () => number },
) => Promise<unknown>;

export interface LocalFunction {
  url: string;
  close(): Promise<void>;
}

const readAll = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** Serves `handler` on loopback and registers it as `functionName`'s target in the emulator. */
export async function serveFunctionLocally(
  emulatorEndpoint: string,
  functionName: string,
  handler: LocalHandler,
  timeoutMs = 30_000,
): Promise<LocalFunction> {
  const server = createServer((req, res) => {
    void (async () => {
      const started = Date.now();
      const event: unknown = JSON.parse(await readAll(req));
      const result = await handler(event, {
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(result ?? null));
    })().catch((error: unknown) => {
      // A handler that throws is Lambda's 502 to the caller.
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  await new EmulatorControl(emulatorEndpoint).setFunctionUrlTarget(functionName, url);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

// Time from spawning a process to the first HTTP request it sends to AWS: the start-up a user
// waits through before anything happens. A local server stands in for every AWS endpoint
// (AWS_ENDPOINT_URL), notes when the first request arrives and then stops the process.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface FirstRequestServer {
  endpoint: string;
  /** Milliseconds from spawning `node args` (with `env` plus the endpoint) to its first request. */
  time(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 30_000;

export async function startFirstRequestServer(): Promise<FirstRequestServer> {
  let arrived: (() => void) | undefined;
  const server = createServer((req, res) => {
    arrived?.();
    req.resume();
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    time: (args, env, cwd) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const child = spawn(process.execPath, args, {
          cwd,
          env: { ...env, AWS_ENDPOINT_URL: endpoint },
          stdio: "ignore",
        });
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`node ${args.join(" ")} sent no request in ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        arrived = () => {
          arrived = undefined;
          const elapsed = performance.now() - started;
          clearTimeout(timer);
          child.once("exit", () => {
            resolve(elapsed);
          });
          child.kill("SIGKILL");
        };
        child.once("exit", (code) => {
          if (arrived === undefined) return;
          clearTimeout(timer);
          arrived = undefined;
          reject(new Error(`node ${args.join(" ")} exited ${String(code)} before any request`));
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

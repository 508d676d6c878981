// A small HTTP proxy on 127.0.0.1 in front of the emulator that adds a fixed latency to every
// request (what a real AWS round trip costs and the emulator does not) and records each one, so
// a benchmark can count the calls a command makes, see which overlapped, and re-issue them one
// at a time as a sequential baseline. The emulator does not check signatures, so a recorded
// request can be sent again as it is. Upstream connections are not limited: the delay is the
// network's, the server's own limits are its own.
import { Agent, createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { parseRecording, type RecordedRequest } from "../../actions/src/emulator/index.js";

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** performance.now() when the request arrived and when its response was sent. */
  start: number;
  end: number;
  status: number;
}

export interface LatencyProxy {
  url: string;
  delayMs: number;
  requests: ProxiedRequest[];
  reset(): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Keep each request's body for a replay (default true); a bulk upload wants false. */
  keepBodies?: boolean;
}

export async function startLatencyProxy(
  target: string,
  delayMs: number,
  options: ProxyOptions = {},
): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const keepBodies = options.keepBodies ?? true;
  const agent = new Agent({ keepAlive: true });
  let requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      setTimeout(() => {
        const forward = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on("end", () => {
              requests.push({
                method: req.method ?? "GET",
                path: req.url ?? "/",
                headers: req.headers,
                body: keepBodies ? body : Buffer.alloc(0),
                start,
                end: performance.now(),
                status: answer.statusCode ?? 0,
              });
            });
          },
        );
        forward.on("error", (error) => {
          res.writeHead(502).end(String(error));
        });
        forward.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    delayMs,
    get requests() {
      return requests;
    },
    reset() {
      requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The AWS operation of each proxied request (the same parser the emulator's recorder uses). */
export function operations(requests: readonly ProxiedRequest[]): RecordedRequest[] {
  const lines = requests.map((r) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
    }
    return JSON.stringify({
      method: r.method,
      url: `http://localhost${r.path}`,
      headers,
      body: r.body.toString("base64"),
      body_encoded: true,
    });
  });
  return parseRecording(lines.join("\n"));
}

/** Sends the recorded requests again, one at a time, to `url`; returns the wall time. */
export async function replaySequentially(
  url: string,
  requests: readonly ProxiedRequest[],
): Promise<number> {
  const to = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  for (const r of requests) {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: to.hostname,
          port: to.port,
          method: r.method,
          path: r.path,
          headers: r.headers,
          agent,
        },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", reject);
      req.end(r.body);
    });
  }
  agent.destroy();
  return performance.now() - started;
}

// A fake GitHub REST API on 127.0.0.1 with the runner routes the EC2 runner uses
// (generate-jitconfig, list runners, delete runner). It records every request and lets a test
// decide when a runner comes online (standing in for the instance booting and running run.sh).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRunner {
  id: number;
  name: string;
  status: "online" | "offline";
  busy: boolean;
  labels: string[];
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

export interface FakeGitHub {
  /** What GITHUB_API_URL would be. */
  readonly url: string;
  readonly repository: string;
  readonly token: string;
  readonly calls: RecordedCall[];
  readonly runners: Map<number, FakeRunner>;
  /** encoded_jit_config handed out, by runner name. */
  readonly jitConfigs: Map<string, string>;
  /**
   * After how many list calls a newly generated runner reports "online"; "never" keeps it
   * offline (an instance that never boots). Default 1.
   */
  comeOnlineAfterLists: number | "never";
  /** Answer the next N requests with this HTTP status (e.g. 502) before serving normally. */
  failNext(status: number, count?: number): void;
  addRunner(runner: Omit<FakeRunner, "id">): FakeRunner;
  close(): Promise<void>;
}

export async function startFakeGitHub(
  options: { repository?: string; token?: string } = {},
): Promise<FakeGitHub> {
  const repository = options.repository ?? "acme/dog-breeds";
  const token = options.token ?? "ghs_fake_installation_token";
  const base = `/repos/${repository}/actions/runners`;
  const calls: RecordedCall[] = [];
  const runners = new Map<number, FakeRunner>();
  const jitConfigs = new Map<string, string>();
  const listsSeen = new Map<number, number>();
  const failures: number[] = [];
  let nextId = 100;

  const fake: FakeGitHub = {
    url: "",
    repository,
    token,
    calls,
    runners,
    jitConfigs,
    comeOnlineAfterLists: 1,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    addRunner(runner) {
      const added = { ...runner, id: nextId++ };
      runners.set(added.id, added);
      return added;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };

  const send = (res: ServerResponse, status: number, body?: unknown): void => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const body: unknown = raw === "" ? undefined : JSON.parse(raw);
    calls.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
    });
    const failure = failures.shift();
    if (failure !== undefined) {
      send(res, failure, { message: "injected failure" });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, { message: "Bad credentials" });
      return;
    }
    if (req.method === "POST" && url.pathname === `${base}/generate-jitconfig`) {
      const request = body as { name: string; runner_group_id: number; labels: string[] };
      if ([...runners.values()].some((r) => r.name === request.name)) {
        send(res, 409, { message: "Already exists - A runner with the same name" });
        return;
      }
      const runner = fake.addRunner({
        name: request.name,
        status: "offline",
        busy: false,
        labels: request.labels,
      });
      listsSeen.set(runner.id, 0);
      const encoded = Buffer.from(
        JSON.stringify({ ".runner": `fake-runner-${runner.id}`, ".credentials": "secret" }),
      ).toString("base64");
      jitConfigs.set(runner.name, encoded);
      send(res, 201, { runner: wire(runner), encoded_jit_config: encoded });
      return;
    }
    if (req.method === "GET" && url.pathname === base) {
      for (const [id, seen] of listsSeen) {
        const runner = runners.get(id);
        if (!runner) continue;
        listsSeen.set(id, seen + 1);
        if (fake.comeOnlineAfterLists !== "never" && seen + 1 >= fake.comeOnlineAfterLists) {
          runner.status = "online";
          listsSeen.delete(id);
        }
      }
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      const page = Number(url.searchParams.get("page") ?? "1");
      const all = [...runners.values()];
      const slice = all.slice((page - 1) * perPage, page * perPage);
      send(res, 200, { total_count: all.length, runners: slice.map(wire) });
      return;
    }
    const match = new RegExp(`^${base}/(\\d+)$`).exec(url.pathname);
    if (req.method === "DELETE" && match) {
      const id = Number(match[1]);
      if (!runners.delete(id)) {
        send(res, 404, { message: "Not Found" });
        return;
      }
      listsSeen.delete(id);
      send(res, 204);
      return;
    }
    send(res, 404, { message: `no fake route ${req.method ?? ""} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, { url: `http://127.0.0.1:${port}` });
}

function wire(runner: FakeRunner): unknown {
  return {
    id: runner.id,
    name: runner.name,
    os: "Linux",
    status: runner.status,
    busy: runner.busy,
    labels: runner.labels.map((name, i) => ({ id: i + 1, name, type: "custom" })),
  };
}

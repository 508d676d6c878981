// A local stand-in for the GitHub REST API (node:http on 127.0.0.1): the few routes the actions
// use, with GitHub's pagination (Link headers) and error shapes, recording every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: "Bot" | "User" };
}

export interface FakeGitHub {
  url: string;
  calls: RecordedCall[];
  comments: FakeComment[];
  /** commit sha -> pull request numbers (for GET /commits/{sha}/pulls). */
  pullsForCommit: Map<string, number[]>;
  /** Deployment environments: name -> branch policy (null: any branch) and custom branches. */
  environments: Map<string, FakeEnvironment>;
  /** Repository Actions variables. */
  variables: Map<string, string>;
  /** Answer 403 to every write, as GitHub does for a read-only token. */
  denyWrites: boolean;
  addComment(issue: number, body: string, user?: FakeComment["user"]): FakeComment;
  close(): Promise<void>;
}

export interface FakeEnvironment {
  policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  branches: string[];
}

const BOT = { login: "github-actions[bot]", type: "Bot" } as const;

export async function startFakeGitHub(owner: string, repo: string): Promise<FakeGitHub> {
  let nextId = 1000;
  const fake: FakeGitHub = {
    url: "",
    calls: [],
    comments: [],
    pullsForCommit: new Map(),
    environments: new Map(),
    variables: new Map(),
    denyWrites: false,
    addComment(issue, body, user = { login: "octocat", type: "User" }) {
      const comment = { id: nextId++, issue, body, user };
      fake.comments.push(comment);
      return comment;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
  const prefix = `/repos/${owner}/${repo}`;
  const view = (c: FakeComment): Record<string, unknown> => ({
    id: c.id,
    body: c.body,
    user: c.user,
    html_url: `https://github.com/${owner}/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", fake.url);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    const method = req.method ?? "GET";
    fake.calls.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
    });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(data));
    };
    if (req.headers.authorization === undefined) {
      send(401, { message: "Requires authentication" });
      return;
    }
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((method === "POST" || method === "PATCH") && fake.denyWrites) {
      send(403, {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest",
        status: "403",
      });
      return;
    }
    if ((m = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(path))) {
      const issue = Number(m[1]);
      if (method === "GET") {
        const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? "30"));
        const page = Number(url.searchParams.get("page") ?? "1");
        const all = fake.comments.filter((c) => c.issue === issue);
        const pages = Math.max(1, Math.ceil(all.length / perPage));
        const link = (p: number): string => {
          const u = new URL(url);
          u.searchParams.set("page", String(p));
          u.searchParams.set("per_page", String(perPage));
          return u.toString();
        };
        const links = [];
        if (page < pages)
          links.push(`<${link(page + 1)}>; rel="next"`, `<${link(pages)}>; rel="last"`);
        send(200, all.slice((page - 1) * perPage, page * perPage).map(view), {
          ...(links.length > 0 && { link: links.join(", ") }),
        });
        return;
      }
      if (method === "POST") {
        const c = fake.addComment(issue, (body as { body: string }).body, BOT);
        send(201, view(c));
        return;
      }
    }
    if ((m = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(path)) && method === "PATCH") {
      const c = fake.comments.find((x) => x.id === Number(m?.[1]));
      if (!c) {
        send(404, { message: "Not Found" });
        return;
      }
      if (c.user.type !== "Bot") {
        send(403, { message: "Must have admin rights to Repository." });
        return;
      }
      c.body = (body as { body: string }).body;
      send(200, view(c));
      return;
    }
    if ((m = new RegExp(`^${prefix}/environments/([^/]+)$`).exec(path))) {
      const name = decodeURIComponent(m[1] ?? "");
      if (method === "PUT") {
        const policy =
          (body as { deployment_branch_policy?: FakeEnvironment["policy"] } | undefined)
            ?.deployment_branch_policy ?? null;
        const env = fake.environments.get(name) ?? { policy: null, branches: [] };
        env.policy = policy;
        fake.environments.set(name, env);
        send(200, { name, deployment_branch_policy: policy });
        return;
      }
      const env = fake.environments.get(name);
      if (method === "GET" && env) {
        send(200, { name, deployment_branch_policy: env.policy });
        return;
      }
    }
    if (
      (m = new RegExp(`^${prefix}/environments/([^/]+)/deployment-branch-policies$`).exec(path))
    ) {
      const env = fake.environments.get(decodeURIComponent(m[1] ?? ""));
      if (env && method === "GET") {
        const policies = env.branches.map((b, i) => ({ id: i + 1, name: b, type: "branch" }));
        send(200, { total_count: policies.length, branch_policies: policies });
        return;
      }
      if (env && method === "POST") {
        const name = (body as { name: string }).name;
        env.branches.push(name);
        send(200, { id: env.branches.length, name, type: "branch" });
        return;
      }
    }
    if (path === `${prefix}/actions/variables` && method === "POST") {
      const v = body as { name: string; value: string };
      fake.variables.set(v.name, v.value);
      send(201, {});
      return;
    }
    if ((m = new RegExp(`^${prefix}/actions/variables/([^/]+)$`).exec(path))) {
      const name = m[1] ?? "";
      const value = fake.variables.get(name);
      if (value !== undefined && method === "GET") {
        send(200, { name, value });
        return;
      }
      if (value !== undefined && method === "PATCH") {
        fake.variables.set(name, (body as { value: string }).value);
        send(204, {});
        return;
      }
      if (value !== undefined && method === "DELETE") {
        fake.variables.delete(name);
        send(204, {});
        return;
      }
    }
    if ((m = new RegExp(`^${prefix}/commits/([0-9a-f]+)/pulls$`).exec(path)) && method === "GET") {
      const numbers = fake.pullsForCommit.get(m[1] ?? "") ?? [];
      send(
        200,
        numbers.map((n) => ({
          number: n,
          state: "closed",
          merged_at: "2025-01-01T00:00:00Z",
          base: { ref: "main" },
        })),
      );
      return;
    }
    send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

// The SSRF table: the handler with the production address policy must refuse every internal
// target, before any request reaches it. Host names resolve through an injected table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "./helpers.js";
import {
  context,
  expectError,
  harness,
  JPEG,
  loopbackServerPolicy,
  parsedLogs,
  redirect,
  serve,
  startServer,
  tableResolver,
} from "./helpers.js";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
  server.route("/dog.jpg", serve(JPEG, "image/jpeg"));
});

afterAll(async () => {
  await server.close();
});

const resolve = tableResolver({
  "private.test": ["10.1.2.3"],
  "metadata.test": ["169.254.169.254"],
  "v6-private.test": ["fd12:3456::1"],
  "mixed.test": ["93.184.216.34", "192.168.1.10"],
  "mapped.test": ["::ffff:10.0.0.1"],
  "loopback.test": ["127.0.0.1"],
});

describe("SSRF: blocked targets (production policy, https only)", () => {
  const cases: readonly (readonly [string, string, RegExp])[] = [
    ["private 10/8", "https://10.0.0.1/dog.jpg", /private \(10\.0\.0\.0\/8\)/],
    ["private 172.16/12", "https://172.20.1.1/dog.jpg", /private \(172\.16/],
    ["private 192.168/16", "https://192.168.0.10/dog.jpg", /private \(192\.168/],
    ["loopback 127/8", "https://127.0.0.1/dog.jpg", /loopback/],
    ["loopback 127.1.2.3", "https://127.1.2.3/dog.jpg", /loopback/],
    ["loopback in decimal form", "https://2130706433/dog.jpg", /loopback/],
    ["loopback in hex form", "https://0x7f.0.0.1/dog.jpg", /loopback/],
    ["instance metadata", "https://169.254.169.254/latest/meta-data/iam/", /metadata/],
    ["CGNAT 100.64/10", "https://100.64.0.1/dog.jpg", /carrier-grade NAT/],
    ["0.0.0.0", "https://0.0.0.0/dog.jpg", /this network/],
    ["multicast", "https://224.0.0.1/dog.jpg", /multicast/],
    ["broadcast", "https://255.255.255.255/dog.jpg", /reserved/],
    ["IPv6 loopback ::1", "https://[::1]/dog.jpg", /loopback \(::1\)/],
    ["IPv6 unspecified ::", "https://[::]/dog.jpg", /unspecified/],
    ["IPv6 unique local fd00::", "https://[fd00::1]/dog.jpg", /unique local/],
    ["IPv6 link-local fe80::", "https://[fe80::1]/dog.jpg", /link-local/],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/dog.jpg", /IPv4-mapped form of loopback/],
    ["IPv4-mapped metadata", "https://[::ffff:169.254.169.254]/", /IPv4-mapped form of link-local/],
    ["NAT64 of private", "https://[64:ff9b::10.0.0.1]/dog.jpg", /NAT64 form of private/],
    ["6to4 of loopback", "https://[2002:7f00:1::]/dog.jpg", /6to4 form of loopback/],
    ["DNS name -> private", "https://private.test/dog.jpg", /private \(10\.0\.0\.0\/8\)/],
    ["DNS name -> metadata", "https://metadata.test/latest/", /metadata/],
    ["DNS name -> IPv6 ULA", "https://v6-private.test/dog.jpg", /unique local/],
    ["DNS name -> public + private", "https://mixed.test/dog.jpg", /private \(192\.168/],
    ["DNS name -> mapped private", "https://mapped.test/dog.jpg", /IPv4-mapped form of private/],
    ["localhost (system resolver)", "https://localhost/dog.jpg", /loopback/],
  ];

  it.each(cases)("%s: %s -> 400 blocked_address", async (_name, url, reason) => {
    const resolver = url.includes("localhost") ? {} : { resolve };
    const { handler, runtime } = harness({ network: resolver });
    const message = expectError(await handler({ url }, context), 400, "blocked_address");
    expect(message).toMatch(reason);
    expect(runtime.calls).toHaveLength(0);
  });
});

describe("SSRF: a reachable local server is never contacted under the production policy", () => {
  const network = { resolve, allowedProtocols: ["http:", "https:"] as const };

  it("by IP literal", async () => {
    const before = server.requests.length;
    const { handler } = harness({ network });
    expectError(
      await handler({ url: `${server.origin}/dog.jpg` }, context),
      400,
      "blocked_address",
    );
    expect(server.requests.length).toBe(before);
  });

  it("by a DNS name that resolves to it (checked in the connect-time lookup)", async () => {
    const before = server.requests.length;
    const { handler } = harness({ network });
    const url = `http://loopback.test:${server.port}/dog.jpg`;
    expectError(await handler({ url }, context), 400, "blocked_address");
    expect(server.requests.length).toBe(before);
  });

  it("the connected socket's address is checked again (second line behind the lookup)", async () => {
    const checked: string[] = [];
    // Allows the lookup's answer, then refuses the same address when the socket connects.
    const flipping = (address: string) => {
      checked.push(address);
      return checked.length === 1
        ? ({ allowed: true } as const)
        : ({ allowed: false, reason: "changed its mind" } as const);
    };
    const { handler } = harness({ network: { ...network, addressPolicy: flipping } });
    const url = `http://loopback.test:${server.port}/dog.jpg`;
    const message = expectError(await handler({ url }, context), 400, "blocked_address");
    expect(message).toMatch(/changed its mind/);
    expect(checked).toEqual(["127.0.0.1", "127.0.0.1"]);
  });

  it("but the same request succeeds when the policy allows it (the test is not vacuous)", async () => {
    const { handler } = harness({ network: { ...network, addressPolicy: loopbackServerPolicy } });
    const response = await handler({ url: `http://loopback.test:${server.port}/dog.jpg` }, context);
    expect(response.statusCode).toBe(200);
  });
});

describe("SSRF: redirects are re-checked at every hop", () => {
  const network = {
    resolve: tableResolver({ "img.test": ["127.0.0.1"], "internal.test": ["10.0.0.7"] }),
    addressPolicy: loopbackServerPolicy,
    allowedProtocols: ["http:", "https:"] as const,
  };

  it.each([
    ["/to-private", "http://10.0.0.5/x.jpg", /private/],
    ["/to-metadata", "http://169.254.169.254/latest/meta-data/", /metadata/],
    ["/to-v6-loopback", "http://[::1]:8080/x.jpg", /loopback/],
    ["/to-internal-name", "http://internal.test/x.jpg", /private/],
  ])("%s (%s) -> 400 blocked_address", async (path, location, reason) => {
    server.route(path, redirect(location));
    const { handler } = harness({ network });
    const message = expectError(
      await handler({ url: `http://img.test:${server.port}${path}` }, context),
      400,
      "blocked_address",
    );
    expect(message).toMatch(reason);
  });

  it("a redirect to another scheme is refused", async () => {
    server.route("/to-file", redirect("file:///etc/passwd"));
    const { handler } = harness({ network: { ...network, allowedProtocols: ["http:"] } });
    const url = `http://img.test:${server.port}/to-file`;
    expectError(await handler({ url }, context), 400, "unsupported_scheme");
  });

  it("the host is resolved again for each hop (a rebinding name cannot slip through)", async () => {
    const answers = [["127.0.0.1"], ["10.9.9.9"]];
    let call = 0;
    const rebinding = (hostname: string) => {
      const addresses = answers[Math.min(call++, answers.length - 1)] ?? [];
      return tableResolver({ [hostname]: addresses })(hostname);
    };
    server.route("/hop", redirect("/dog.jpg"));
    const { handler } = harness({ network: { ...network, resolve: rebinding } });
    const url = `http://rebind.test:${server.port}/hop`;
    expectError(await handler({ url }, context), 400, "blocked_address");
    expect(call).toBe(2);
  });

  it("a redirect to an allowed target is followed", async () => {
    server.route("/moved", redirect("/dog.jpg", 301));
    const { handler, logs } = harness({ network });
    const response = await handler({ url: `http://img.test:${server.port}/moved` }, context);
    expect(response.statusCode).toBe(200);
    expect(parsedLogs(logs).at(-1)).toMatchObject({ status: 200, redirects: 1 });
  });

  it("more than MLOPS_MAX_REDIRECTS hops -> 400 too_many_redirects", async () => {
    server.route("/loop", redirect("/loop"));
    const { handler } = harness({ network, env: { MLOPS_MAX_REDIRECTS: "2" } });
    const before = server.requests.length;
    const url = `http://img.test:${server.port}/loop`;
    expectError(await handler({ url }, context), 400, "too_many_redirects");
    expect(server.requests.length - before).toBe(3);
  });
});

describe("scheme and URL checks (production protocols)", () => {
  it("echoes at most a few dozen characters of a caller's scheme, in the body and the log", async () => {
    const scheme = `x${"a".repeat(1024 * 1024)}`;
    const { handler, logs } = harness({
      network: { resolve, addressPolicy: loopbackServerPolicy },
    });
    const response = await handler({ url: `${scheme}://example.com/dog.jpg` }, context);
    const message = expectError(response, 400, "unsupported_scheme");
    expect(message).toMatch(/not xa{39}\.\.\. \(1048577 characters\)$/);
    expect(response.body.length).toBeLessThan(400);
    expect(logs.join("\n").length).toBeLessThan(2000);
    expect(parsedLogs(logs).at(-1)).toMatchObject({ msg: message });
  });

  it("http:// is rejected before any connection", async () => {
    const before = server.requests.length;
    const { handler } = harness({ network: { resolve, addressPolicy: loopbackServerPolicy } });
    const message = expectError(
      await handler({ url: `http://loopback.test:${server.port}/dog.jpg` }, context),
      400,
      "unsupported_scheme",
    );
    expect(message).toMatch(/must use https/);
    expect(server.requests.length).toBe(before);
  });

  it.each([
    ["ftp://example.com/dog.jpg", "unsupported_scheme"],
    ["file:///etc/passwd", "unsupported_scheme"],
    ["not a url", "invalid_url"],
    ["https://user:pass@example.com/dog.jpg", "invalid_url"],
  ])("%s -> 400 %s", async (url, code) => {
    const { handler } = harness();
    expectError(await handler({ url }, context), 400, code);
  });
});

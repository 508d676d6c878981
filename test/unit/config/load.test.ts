// A valid config loads into the typed Config: defaults filled, durations in seconds, paths
// absolute, the data source classified. And the shape of `mlops validate` output.
import { mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../actions/src/config/load.js";
import { dataSource } from "../../../actions/src/config/normalize.js";
import {
  BASE_CONFIG,
  REPO,
  issuesOf,
  makeWorkspace,
  runCli,
  sub,
  type Workspace,
} from "./helpers.js";

let ws: Workspace;
beforeAll(() => {
  ws = makeWorkspace();
});
afterAll(() => {
  ws.remove();
});

describe("loadConfig", () => {
  it("fills defaults, converts durations to seconds and resolves paths", () => {
    const file = ws.write("base.yaml", BASE_CONFIG);
    const c = loadConfig(file);

    expect(c.file).toBe(file);
    expect(c.version).toBe(1);
    expect(c.project).toBe("pets");
    expect(c.tags).toEqual({ team: "ml" });
    expect(c.state).toEqual({
      bucket: "pets-${account}-${region}", // defaults to the data bucket
      prefix: ".mlops/",
      lockTimeoutSeconds: 300,
      lockTtlSeconds: 3 * 3600,
    });
    expect(c.data).toEqual({
      source: { kind: "local", path: join(ws.dir, "data") },
      bucket: "pets-${account}-${region}",
      prefix: "dogImages/",
      delete: false,
      exclude: ["**/.DS_Store", "**/Thumbs.db", "**/.git/**"],
      concurrency: 128,
    });

    const t = c.training;
    expect(t.sourceDir).toBe(join(ws.dir, "training"));
    expect(t.entryPoint).toBe("train.py");
    expect(t.framework).toEqual({ name: "pytorch", version: "2.3", python: "py311" });
    expect(t.instance).toEqual({ type: "ml.m5.xlarge", count: 1, volumeSizeGB: 30 });
    expect(t.spot).toEqual({ enabled: false });
    expect(t.maxRuntimeSeconds).toBe(7200);
    expect(t.hyperparameters).toEqual({});
    expect(t.metrics.map((m) => m.name)).toEqual(["test:loss", "test:accuracy"]);
    expect(t.ec2).toEqual({
      instanceTypes: ["g5.xlarge"],
      market: "spot-with-fallback",
      amiType: "oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04",
      subnets: [],
      securityGroups: [],
      volumeSizeGB: 100,
      maxLifetimeSeconds: 3 * 3600,
      idleTimeoutSeconds: 15 * 60,
      registrationTimeoutSeconds: 10 * 60,
    });
    expect(t.local).toEqual({ python: "python3" });
    expect(t).not.toHaveProperty("image");
    expect(t).not.toHaveProperty("vpc");

    expect(c.model).toEqual({ qualityGate: { metric: "test:accuracy", min: 0.7 }, keep: 3 });

    expect(c.endpoint).toEqual({
      name: "pets",
      variantName: "AllTraffic",
      instanceType: "ml.m5.large",
      initialInstanceCount: 1,
      deployment: {
        strategy: "blue-green",
        traffic: "canary",
        canarySize: 10,
        linearStepSize: 20,
        waitIntervalSeconds: 0,
        terminationWaitSeconds: 0,
        maxExecutionTimeoutSeconds: 3600,
        maxBatchSize: 50,
        rollbackAlarms: [],
      },
      autoscaling: {
        minCapacity: 1,
        maxCapacity: 3,
        targetInvocationsPerInstance: 20,
        scaleInCooldownSeconds: 300,
        scaleOutCooldownSeconds: 300,
        disableScaleIn: false,
      },
    });

    expect(c.lambda).toEqual({
      name: "pets-inference",
      code: join(ws.dir, "lambda/dist"),
      handler: "index.handler",
      runtime: "nodejs22.x",
      architecture: "arm64",
      memory: 512,
      timeoutSeconds: 30,
      alias: "live",
      provisionedConcurrency: 1,
      reservedConcurrency: 5,
      topK: 3,
      corsOrigin: "",
      logRetentionDays: 30,
      environment: { LOG_LEVEL: "info" },
    });
    expect(c.iam).toEqual({ path: "/mlops/", roleNames: {}, extraPolicies: {} });
  });

  it("resolves paths against the config file, not the working folder", () => {
    const file = ws.write("relative.yaml", BASE_CONFIG);
    const c = loadConfig(relative(process.cwd(), file));
    expect(c.file).toBe(file);
    expect(c.training.sourceDir).toBe(join(ws.dir, "training"));
    expect(c.data.source).toEqual({ kind: "local", path: join(ws.dir, "data") });
  });

  it("classifies an https:// archive and an s3:// prefix", () => {
    const archive = loadConfig(
      ws.write(
        "archive.yaml",
        sub("source: data", "source: https://example.com/d.zip")(BASE_CONFIG),
      ),
    );
    expect(archive.data.source).toEqual({ kind: "archive", url: "https://example.com/d.zip" });

    const s3 = loadConfig(
      ws.write("s3.yaml", sub("source: data", "source: s3://pets-data/images")(BASE_CONFIG)),
    );
    expect(s3.data.source).toEqual({ kind: "s3", bucket: "pets-data", prefix: "images/" });
  });

  it("classifies data sources", () => {
    expect(dataSource("s3://b", "/x")).toEqual({ kind: "s3", bucket: "b", prefix: "" });
    expect(dataSource("s3://b/", "/x")).toEqual({ kind: "s3", bucket: "b", prefix: "" });
    expect(dataSource("s3://b/a/c/", "/x")).toEqual({ kind: "s3", bucket: "b", prefix: "a/c/" });
    expect(dataSource("HTTPS://h/a.zip", "/x")).toEqual({
      kind: "archive",
      url: "HTTPS://h/a.zip",
    });
    expect(dataSource("../data", "/x/config")).toEqual({ kind: "local", path: "/x/data" });
    expect(dataSource("/abs/data", "/x")).toEqual({ kind: "local", path: "/abs/data" });
  });

  it("keeps a state bucket of its own, and spot maxWait in seconds", () => {
    const text = [
      sub("data:\n", "state:\n  bucket: shared-state-${account}\n  lockTimeout: 1m30s\ndata:\n"),
      sub("enabled: false\n", "enabled: true\n    maxWait: 1d2h\n"),
    ].reduce((t, edit) => edit(t), BASE_CONFIG);
    const c = loadConfig(ws.write("state.yaml", text));
    expect(c.state.bucket).toBe("shared-state-${account}");
    expect(c.state.lockTimeoutSeconds).toBe(90);
    expect(c.training.spot).toEqual({ enabled: true, maxWaitSeconds: 26 * 3600 });
  });

  it("leaves optional blocks out when they are not written", () => {
    const text = [
      sub(BASE_CONFIG.slice(BASE_CONFIG.indexOf("lambda:\n"), BASE_CONFIG.indexOf("iam:\n")), ""),
      sub(
        BASE_CONFIG.slice(
          BASE_CONFIG.indexOf("  autoscaling:\n"),
          BASE_CONFIG.indexOf("lambda:\n"),
        ),
        "",
      ),
      sub("model:\n  qualityGate: { metric: test:accuracy, min: 0.7 }\n", ""),
    ].reduce((t, edit) => edit(t), BASE_CONFIG);
    const c = loadConfig(ws.write("optional.yaml", text));
    expect(c.lambda).toBeUndefined();
    expect(c.endpoint.autoscaling).toBeUndefined();
    expect(c.model).toEqual({ keep: 3 });
  });

  it("loads every shipped config (in a workspace that has training/ and lambda/dist/)", () => {
    mkdirSync(join(ws.dir, "config"), { recursive: true });
    for (const name of ["mlops.yaml", "minimal.example.yaml", "full.example.yaml"]) {
      const text = readFileSync(join(REPO, "config", name), "utf8");
      const file = ws.write(`config/${name}`, text);
      expect(issuesOf(file), name).toEqual([]);
    }
    const dog = loadConfig(join(ws.dir, "config/mlops.yaml"));
    expect(dog.data.source.kind).toBe("archive");
    expect(dog.lambda?.code).toBe(join(ws.dir, "lambda/dist"));
    expect(dog.training.sourceDir).toBe(join(ws.dir, "training"));
  });
});

describe("mlops validate", () => {
  it("exits 0 with a one-line summary for a valid config", async () => {
    const file = ws.write("cli-valid.yaml", BASE_CONFIG);
    const result = await runCli(["validate", "--config", file]);
    expect(result).toEqual({
      code: 0,
      stdout: `${file} is valid (project pets, region eu-west-1, training on sagemaker)`,
      stderr: "",
    });
  });

  it("--format json prints {file, valid, issues} for a valid config", async () => {
    const file = ws.write("cli-valid.yaml", BASE_CONFIG);
    const result = await runCli(["validate", "--config", file, "--format", "json"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ file, valid: true, issues: [], warnings: [] });
  });

  it("--format json lists every located issue for an invalid config", async () => {
    const text = [sub("canarySize: 10", "canarySize: 60"), sub("version: 1", "version: 2")].reduce(
      (t, edit) => edit(t),
      BASE_CONFIG,
    );
    const file = ws.write("cli-invalid.yaml", text);
    const result = await runCli(["validate", "--config", file, "--format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      file,
      valid: false,
      issues: [
        { file, line: 2, column: 10, path: "version", message: "is 2; must be 1" },
        {
          file,
          line: 38,
          column: 17,
          path: "endpoint.deployment.canarySize",
          message: "is 60; must be at most 50",
        },
      ],
    });
  });

  it("prints PATH:LINE:COL lines and a count on stderr for an invalid config", async () => {
    const file = ws.write(
      "cli-invalid-text.yaml",
      sub("timeout: 30s", "timeout: 16m")(BASE_CONFIG),
    );
    const result = await runCli(["validate", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")).toEqual([
      `${file}:47:12 lambda.timeout: is 16m; Lambda allows 1s to 15m`,
      `1 problem in ${file}`,
    ]);
  });

  it("exits 2 on a usage mistake", async () => {
    expect((await runCli(["validate", "--format", "xml"])).code).toBe(2);
    expect((await runCli(["validate", "--nope"])).code).toBe(2);
    expect((await runCli(["frobnicate"])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(["validate", "--help"])).code).toBe(0);
  });
});

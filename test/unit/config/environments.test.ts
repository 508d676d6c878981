// `environments:` in the config: what validate refuses (with the field and why), and what one
// environment's derived config is (its names, overrides and state location).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../actions/src/config/load.js";
import type { Config } from "../../../actions/src/config/types.js";
import { environmentConfig, requireEnvironment } from "../../../actions/src/environments/stages.js";
import {
  configPolicy,
  stageGraphs,
  stagePolicy,
} from "../../../actions/src/graph/stage-policies.js";
import { stageLine } from "../../../actions/src/plan/stage-line.js";
import { BASE_CONFIG, issuesOf, makeWorkspace, REPO, type Workspace } from "./helpers.js";

let ws: Workspace;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(() => {
  ws.remove();
});

const withEnvironments = (block: string): string =>
  ws.write("mlops.yaml", `${BASE_CONFIG}\nenvironments:\n${block}`);
const messages = (file: string): string[] => issuesOf(file).map((i) => `${i.path}: ${i.message}`);

describe("environments in validate", () => {
  it("refuses keys that belong to the build stage, saying why", () => {
    const file = withEnvironments("  production:\n    training: { backend: local }\n");
    expect(messages(file)).toEqual([
      expect.stringMatching(
        /^environments\.production\.training: key "training" is not allowed: Data, training, the model registry/,
      ),
    ]);
  });

  it("refuses the build stage's name and names AWS would refuse", () => {
    const file = withEnvironments("  build: {}\n  Prod: {}\n");
    expect(messages(file)).toHaveLength(2);
  });

  it("refuses an instance type that needs another inference image", () => {
    const file = withEnvironments("  production:\n    endpoint: { instanceType: ml.g5.xlarge }\n");
    expect(messages(file).join("\n")).toMatch(
      /environments\.production\.endpoint\.instanceType: ml\.g5\.xlarge needs the GPU inference image/,
    );
  });

  it("refuses reserved tag prefixes and provisioned above reserved concurrency", () => {
    const file = withEnvironments(
      '  staging:\n    tags: { "mlops:stage": x }\n    lambda: { provisionedConcurrency: 9, reservedConcurrency: 3 }\n',
    );
    const found = messages(file).join("\n");
    expect(found).toContain('tag key "mlops:stage" uses a reserved prefix');
    expect(found).toContain("provisioned concurrency 9 is above the reserved concurrency 3");
  });
});

describe("an environment's config", () => {
  it("carries the environment in every name and applies its overrides", () => {
    const config = loadConfig(
      withEnvironments(
        "  staging: {}\n  production:\n    approval: true\n    endpoint: { initialInstanceCount: 3 }\n",
      ),
    );
    const production = environmentConfig(config, "production");
    expect(production.project).toBe("pets-production");
    expect(production.endpoint.name).toBe(`${config.endpoint.name}-production`);
    expect(production.endpoint.initialInstanceCount).toBe(3);
    expect(production.state.prefix).toBe(`${config.state.prefix}environments/production/`);
    expect(environmentConfig(config, "staging").endpoint.initialInstanceCount).toBe(
      config.endpoint.initialInstanceCount,
    );
    expect(() => {
      requireEnvironment(config, "qa");
    }).toThrow(/declares no environment "qa"; it declares build, staging, production/);
  });
});

describe("a stage's line in the plan", () => {
  it("says what moves and what waits for approval", () => {
    expect(stageLine({ name: "staging", served: 1, deploys: { version: 2, arn: "a" } })).toBe(
      "staging: model v1 -> v2",
    );
    expect(
      stageLine({
        name: "production",
        approval: true,
        served: 7,
        deploys: { version: 7, arn: "a" },
        waiting: 8,
      }),
    ).toBe("production: model v7 -> v8, waiting for approval");
    expect(stageLine({ name: "production", approval: true, waiting: 1 })).toBe(
      "production: model none -> v1, waiting for approval",
    );
    expect(stageLine({ name: "staging", served: 2, deploys: { version: 2, arn: "a" } })).toBe(
      "staging: model v2, unchanged",
    );
  });
});

describe("an environment's CI role and roles", () => {
  const allowed = (document: { Statement: { Action: string[] }[] }): string[] =>
    document.Statement.flatMap((s) => s.Action);

  it("carries the build project's boundary, the one bootstrap and setup.md create", () => {
    const config = loadConfig(
      withEnvironments("  staging: {}\n  production: { approval: true }\n"),
    );
    const graph = stageGraphs(config, "123456789012").find((s) => s.name === "production");
    const role = graph?.graph.nodes.find((n) => n.kind === "iam.role");
    expect((role?.spec as { permissionsBoundary?: string }).permissionsBoundary).toBe(
      `arn:aws:iam::123456789012:policy${config.iam.path}${config.project}-boundary`,
    );
  });

  it("never trains: no training job and no search", () => {
    const config = loadConfig(withEnvironments("  staging: {}\n"));
    const staging = allowed(stagePolicy(config, "123456789012", "deploy", "staging"));
    expect(staging.filter((a) => /TrainingJob|TuningJob/.test(a))).toEqual([]);
    const build = allowed(stagePolicy(config, "123456789012", "deploy", "build"));
    expect(build).toContain("sagemaker:CreateTrainingJob");
  });

  it("the build role names its own models and endpoint configs, not production's", () => {
    const config = loadConfig(withEnvironments("  production: { approval: true }\n"));
    const resources = stagePolicy(config, "123456789012", "deploy", "build").Statement.flatMap(
      (s) => (s as { Resource?: string[] }).Resource ?? [],
    );
    const patterns = resources
      .filter((r) => /:(model|endpoint-config)\//.test(r))
      .map((r) => new RegExp(`^${r.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`));
    const production = `arn:aws:sagemaker:${config.region}:123456789012:model/${config.project}-production-model-0123abcd`;
    const own = `arn:aws:sagemaker:${config.region}:123456789012:model/${config.project}-model-0123abcd`;
    expect(patterns.some((p) => p.test(own))).toBe(true);
    expect(patterns.some((p) => p.test(production))).toBe(false);
  });

  it("fits IAM: unique Sids, the boundary under 6,144 characters, each role's policy under 10,240", () => {
    const config = loadConfig(
      withEnvironments("  staging: {}\n  production: { approval: true }\n"),
    );
    const size = (d: object): number => JSON.stringify(d).length;
    const boundary = stagePolicy(config, "123456789012", "boundary", undefined);
    const plan = stagePolicy(config, "123456789012", "plan", undefined);
    for (const d of [boundary, plan]) {
      const sids = d.Statement.map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
    expect(size(boundary)).toBeLessThanOrEqual(6144);
    expect(size(plan)).toBeLessThanOrEqual(10240);
    for (const stage of ["build", "staging", "production"])
      expect(size(stagePolicy(config, "123456789012", "deploy", stage))).toBeLessThanOrEqual(10240);
  });
  it("fits IAM for the shipped configs, every role of every stage, with and without environments", () => {
    const size = (d: object): number => JSON.stringify(d).length;
    const full = loadConfig(`${REPO}config/full.example.yaml`);
    const { environments: _environments, ...single } = full;
    const configs: Config[] = [loadConfig(`${REPO}config/mlops.yaml`), full, single];
    for (const config of configs) {
      const stages = config.environments
        ? ["build", ...Object.keys(config.environments)]
        : [undefined];
      expect(size(configPolicy(config, "123456789012", "boundary", undefined))).toBeLessThanOrEqual(
        6144,
      );
      expect(size(configPolicy(config, "123456789012", "plan", undefined))).toBeLessThanOrEqual(
        10240,
      );
      for (const stage of stages)
        expect(size(configPolicy(config, "123456789012", "deploy", stage))).toBeLessThanOrEqual(
          10240,
        );
    }
  });
});

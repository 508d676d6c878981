// actionlint-style checks of .github/workflows (no offline actionlint ships in node_modules):
// every file parses, every `uses:` is pinned to a full commit SHA with a version comment, the
// top level grants nothing and every job declares its own permissions, no pull_request_target,
// and no `${{ }}` expression of untrusted input is interpolated into a `run:` script. Local
// actions referenced by workflows exist and get only inputs their action.yml declares.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, parseDocument } from "yaml";
import { actionYaml, REPO } from "./run-action.js";

const DIR = join(REPO, ".github/workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  steps?: Step[];
  environment?: unknown;
  concurrency?: unknown;
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  jobs: Record<string, Job>;
  concurrency?: unknown;
}

const load = (file: string): Workflow => {
  const doc = parseDocument(readFileSync(join(DIR, file), "utf8"));
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  return doc.toJS() as Workflow;
};
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

// Contexts an outsider controls (the list actionlint's untrusted-input check uses, in short).
const UNTRUSTED =
  /\$\{\{[^}]*\b(github\.event\.|github\.head_ref|inputs\.|github\.event_path|steps\.[^}]*outputs)/;

describe("workflows", () => {
  it("are the six the product ships", () => {
    expect(files.sort()).toEqual([
      "ci.yml",
      "deploy.yml",
      "drift.yml",
      "plan.yml",
      "release.yml",
      "retrain.yml",
    ]);
  });

  describe.each(files)("%s", (file) => {
    const text = readFileSync(join(DIR, file), "utf8");
    const workflow = load(file);

    it("pins every remote action to a 40-hex commit SHA with a # vX.Y.Z comment", () => {
      const lines = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const target = /uses:\s*(\S+)/.exec(line)?.[1] ?? "";
        if (target.startsWith("./")) continue;
        expect(line).toMatch(/uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/);
      }
    });

    it("grants nothing at the top level and declares least permissions per job", () => {
      expect(workflow.permissions).toEqual({});
      for (const [name, job] of Object.entries(workflow.jobs)) {
        expect(job.permissions, `job ${name}`).toBeTypeOf("object");
        for (const value of Object.values(job.permissions as Record<string, string>))
          expect(["read", "write", "none"]).toContain(value);
        // Only the release job writes contents (it creates the tags and the release).
        if (!(file === "release.yml" && name === "release"))
          expect(job.permissions, `job ${name}`).not.toHaveProperty("contents", "write");
      }
    });

    it("never uses pull_request_target", () => {
      expect(JSON.stringify(workflow.on)).not.toContain("pull_request_target");
      expect(text).not.toContain("pull_request_target");
    });

    it("passes untrusted input to run: scripts through env, never interpolated", () => {
      for (const step of steps(workflow)) {
        if (step.run !== undefined) expect(step.run).not.toMatch(UNTRUSTED);
        if (step.run !== undefined) expect(step.run).not.toMatch(/secrets\./);
      }
    });

    it("uses local actions that exist, with declared inputs only", () => {
      for (const step of steps(workflow)) {
        if (!step.uses?.startsWith("./actions/")) continue;
        const meta = actionYaml(step.uses.slice("./actions/".length));
        expect(meta.runs.using).toBe("node24");
        for (const key of Object.keys(step.with ?? {}))
          expect(Object.keys(meta.inputs ?? {}), `${step.uses} input ${key}`).toContain(key);
      }
    });
  });

  it("plan runs on pull requests touching the service, with a read-only token where it can", () => {
    const w = load("plan.yml");
    expect(w.on).toEqual({ pull_request: { paths: ["config/**", "training/**", "lambda/**"] } });
    expect(w.jobs["plan"]?.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
  });

  it("deploy serialises per project and never cancels a deploy in flight", () => {
    const w = load("deploy.yml");
    expect(w.concurrency).toEqual({
      group: "mlops-deploy-dog-breeds",
      "cancel-in-progress": false,
    });
    // A config with environments names the build stage's environment (no reviewers) instead.
    expect(w.jobs["deploy"]?.environment).toBe(
      "${{ vars.MLOPS_BUILD_ENVIRONMENT || 'production' }}",
    );
    // Production waits for its reviewers in the production environment, after staging.
    expect(w.jobs["production"]?.environment).toBe("production");
    expect((w.jobs["production"] as { needs?: string }).needs).toBe("staging");
    expect((w.jobs["staging"] as { needs?: string }).needs).toBe("deploy");
    const project = (
      parseYaml(readFileSync(join(REPO, "config/mlops.yaml"), "utf8")) as {
        project: string;
      }
    ).project;
    expect(w.concurrency).toMatchObject({ group: `mlops-deploy-${project}` });
  });

  it("each job assumes a role in the GitHub environment that role trusts (mlops bootstrap)", () => {
    // bootstrap trusts the build role (MLOPS_DEPLOY_ROLE_ARN) only in MLOPS_BUILD_ENVIRONMENT's
    // environment (production without environments:) and MLOPS_<ENV>_ROLE_ARN only in <env>.
    const build = "${{ vars.MLOPS_BUILD_ENVIRONMENT || 'production' }}";
    const assumed = ["deploy.yml", "retrain.yml"].flatMap((file) =>
      Object.entries(load(file).jobs).flatMap(([name, job]) =>
        (job.steps ?? []).flatMap((step) => {
          const role = /vars\.MLOPS_(\w+)_ROLE_ARN/.exec(String(step.with?.["role-to-assume"]));
          return role
            ? [{ job: `${file} ${name}`, role: role[1], environment: job.environment }]
            : [];
        }),
      ),
    );
    expect(assumed.length).toBeGreaterThan(0);
    for (const { job, role, environment } of assumed)
      expect(environment, job).toBe(role === "DEPLOY" ? build : role?.toLowerCase());
  });

  it("retrain hands the hyperparameters input to the train action as data, never to a script", () => {
    const w = load("retrain.yml");
    const mentions = Object.values(w.jobs)
      .flatMap((j) => j.steps ?? [])
      .filter((step) => JSON.stringify(step).includes("inputs.hyperparameters"));
    expect(mentions.length).toBeGreaterThan(0);
    for (const step of mentions) {
      expect(step.uses).toBe("./actions/train");
      expect(step.run).toBeUndefined();
      expect(JSON.stringify(step.env ?? {})).not.toContain("inputs.hyperparameters");
      expect(step.with?.["hyperparameters"]).toBe("${{ inputs.hyperparameters }}");
    }
  });

  it("applies only reviewed plans on push; unreviewed ones only on a manual dispatch", () => {
    // The stages after the build deploy registry versions, not a plan made on the pull request.
    const applies = steps(load("deploy.yml")).filter(
      (step) => step.uses === "./actions/apply" && step.with?.["environment"] === undefined,
    );
    expect(applies.length).toBeGreaterThan(0);
    for (const step of applies) {
      expect(step.with?.["require-plan-match"]).toBe("true");
      expect(step.with?.["allow-unreviewed-on"]).toBe("workflow_dispatch");
    }
  });

  it("deploys the run the GPU runner made, reused with the same inputs, as a retrain", () => {
    const w = load("retrain.yml");
    const onRunner = (w.jobs["train-on-runner"]?.steps ?? []).find(
      (step) => step.uses === "./actions/train",
    );
    const deploy = (w.jobs["deploy-after-runner"]?.steps ?? []).find(
      (step) => step.uses === "./actions/train",
    );
    expect(onRunner?.with?.["deploy"]).toBe("false");
    // Same backend and hyperparameters: the same fingerprint, so the completed run is reused.
    expect(deploy?.with?.["backend"]).toBe(onRunner?.with?.["backend"]);
    expect(deploy?.with?.["hyperparameters"]).toBe(onRunner?.with?.["hyperparameters"]);
    expect(deploy?.with?.["force"]).toBe("false");
    expect(deploy?.with?.["deploy"]).toBeUndefined(); // deploys (the default)
  });

  it("release tests first, from main only, and only its last job may write", () => {
    const w = load("release.yml");
    expect(w.on).toMatchObject({ workflow_dispatch: { inputs: { version: { required: true } } } });
    expect(w.jobs["test"]?.permissions).toEqual({ contents: "read" });
    expect((w.jobs["test"] as { if?: string }).if).toBe("github.ref == 'refs/heads/main'");
    expect((w.jobs["release"] as { needs?: string }).needs).toBe("test");
    expect(w.jobs["release"]?.permissions).toEqual({ contents: "write" });
    const runs = steps(w).map((step) => step.run ?? "");
    expect(runs.some((run) => run.includes("npm test"))).toBe(true);
    expect(
      runs.some((run) => run.includes('gh release create "v$VERSION" --target "$GITHUB_SHA"')),
    ).toBe(true);
  });

  it("drift may write issues and nothing else", () => {
    const w = load("drift.yml");
    expect(w.jobs["drift"]?.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      issues: "write",
    });
  });
});

describe("action metadata", () => {
  // The Marketplace's branding: a Feather icon name and one of its colours.
  const COLORS = [
    "white",
    "black",
    "yellow",
    "blue",
    "green",
    "orange",
    "red",
    "purple",
    "gray-dark",
  ];
  it.each(readdirSync(join(REPO, "actions")).filter((d) => d !== "dist" && d !== "src"))(
    "%s has branding",
    (name) => {
      const meta = actionYaml(name) as { branding?: { icon?: unknown; color?: unknown } };
      expect(meta.branding?.icon).toMatch(/^[a-z0-9-]+$/);
      expect(COLORS).toContain(meta.branding?.color);
    },
  );

  it.each(["validate", "plan", "apply", "train"])("%s runs the bundled entry on node24", (name) => {
    const meta = actionYaml(name);
    expect(meta.runs).toEqual({ using: "node24", main: `../dist/${name}.js` });
    expect(meta.inputs?.["config"]?.default).toBe("config/mlops.yaml");
    expect(meta.inputs?.["github-token"]?.default).toBe("${{ github.token }}");
    for (const [key, input] of Object.entries(meta.inputs ?? {}))
      expect((input as { description?: string }).description, key).toBeTruthy();
  });
});

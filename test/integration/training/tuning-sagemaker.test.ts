// A declared search on SageMaker, end to end against the emulator (whose tuning jobs run trials
// with the objective values each test sets): the trial with the best objective (Maximize and
// Minimize) becomes the run the model serves through the quality gate; an identical re-plan is
// empty; a failed trial does not fail the search, all failing does; a stopped or failed search
// is reported with its reason and retried only with --force.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListHyperParameterTuningJobsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateRecord } from "../../../actions/src/apply/state-store.js";
import type { TrialOutcome } from "../../../actions/src/emulator/control.js";
import type { Plan } from "../../../actions/src/plan/types.js";
import { makeCheckout } from "../../support/checkout.js";
import { cli, type CliRun } from "../../support/cli.js";
import { useEmulator } from "../../support/emulator.js";

const aws = useEmulator();
const sagemaker = new SageMakerClient(aws.clientConfig);
let dir: string;
let project: string;
const savedEnv = { ...process.env };

interface Search {
  goal: "maximize" | "minimize";
  metric: string;
  maxJobs: number;
  /** Changes the training inputs (another search) without touching the search itself. */
  epochs?: number;
  lr?: { min: number; max: number };
}

function writeConfig(s: Search): string {
  const file = join(dir, "mlops.yaml");
  writeFileSync(
    file,
    `version: 1
project: ${project}
region: us-east-1
data: { source: ./data, bucket: "${project}-\${account}", prefix: images/ }
training:
  backend: sagemaker
  sourceDir: ./training
  instance: { type: ml.m5.xlarge, count: 1 }
  hyperparameters: { epochs: ${String(s.epochs ?? 3)} }
  tuning:
    objective: { metric: ${s.metric}, goal: ${s.goal} }
    strategy: bayesian
    maxJobs: ${String(s.maxJobs)}
    maxParallelJobs: 2
    parameters:
      learning-rate: { type: continuous, min: ${String(s.lr?.min ?? 0.001)}, max: ${String(s.lr?.max ?? 0.1)}, scaling: log }
      batch-size: { type: categorical, values: [32, 64, 128] }
model:
  qualityGate: { metric: test:accuracy, min: 0.7 }
endpoint: { name: ${project}, instanceType: ml.m5.large }
`,
  );
  return file;
}

const mlops = (...args: string[]): Promise<CliRun> => cli(args);
/** The log (stderr) and the report (stdout) of a run. */
const all = (run: CliRun): string => run.stdout + run.stderr;

async function state(): Promise<StateRecord> {
  const out = await new S3Client(aws.s3ClientConfig).send(
    new GetObjectCommand({ Bucket: `${project}-123456789012`, Key: ".mlops/state.json" }),
  );
  return JSON.parse((await out.Body?.transformToString()) ?? "{}") as StateRecord;
}

/** The artifact of the model the endpoint serves now. */
async function servedArtifact(): Promise<string | undefined> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: project }));
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const model = await sagemaker.send(
    new DescribeModelCommand({ ModelName: config.ProductionVariants?.[0]?.ModelName }),
  );
  return model.PrimaryContainer?.ModelDataUrl;
}

async function plan(config: string): Promise<Plan> {
  const file = join(dir, "plan.json");
  const run = await mlops("plan", "--config", config, "--out", file);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(file, "utf8")) as Plan;
}

const trial = (accuracy: number, loss: number): TrialOutcome => ({
  Objective: accuracy,
  Metrics: { "test:accuracy": accuracy, "test:loss": loss },
});

beforeAll(() => {
  project = `tn${Date.now().toString(36)}`;
  dir = makeCheckout("tuning-sagemaker-", "print('test_accuracy=0.9')\n");
  Object.assign(process.env, aws.env, { MLOPS_POLL_MS: "200" });
});

afterAll(() => {
  process.env = savedEnv;
});

describe("a search on SageMaker", () => {
  it("deploys the trial with the highest objective to maximize, and re-plans nothing", async () => {
    const config = writeConfig({ goal: "maximize", metric: "test:accuracy", maxJobs: 4 });
    const planned = await mlops("plan", "--config", config);
    expect(planned.stdout).toContain(
      "tune: 4 trials, 2 at a time, objective test:accuracy (maximize), bayesian on SageMaker",
    );
    await aws.control.setTuningOutcome(project, {
      trials: [
        trial(0.81, 0.5),
        { Status: "Failed", FailureReason: "AlgorithmError: CUDA out of memory" },
        trial(0.93, 0.3),
        trial(0.88, 0.2),
      ],
    });
    const apply = await mlops("apply", "--config", config, "--auto-approve");
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    // Every trial, best first, the failed one last with its reason, the best marked.
    expect(all(apply)).toMatch(/4 trials \(1 not completed\), objective test:accuracy/);
    expect(all(apply)).toMatch(/\* \S+-003-\w{8} +Completed +0\.93/);
    expect(all(apply)).toContain("(AlgorithmError: CUDA out of memory)");
    expect(all(apply)).toContain("quality gate passed: test:accuracy = 0.93");

    const run = Object.values((await state()).training)[0];
    expect(run?.job).toMatch(/-003-\w{8}$/);
    expect(run?.tuning?.trials).toHaveLength(4);
    const best = await sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: run?.job }),
    );
    expect(await servedArtifact()).toBe(best.ModelArtifacts?.S3ModelArtifacts);
    // The trial ran the single job's definition: its static values and metric definitions.
    expect(best.HyperParameters?.["epochs"]).toBe("3");
    expect(best.HyperParameters?.["sagemaker_program"]).toBe('"train.py"');
    expect(best.AlgorithmSpecification?.MetricDefinitions?.map((m) => m.Name)).toEqual([
      "test:loss",
      "test:accuracy",
    ]);

    const again = await mlops("plan", "--config", config, "--detailed-exitcode");
    expect(again.code, again.stdout).toBe(0);
    const reused = (await plan(config)).changes.find((c) => c.address === "training.run.main");
    expect(reused?.reason).toMatch(/reusing search \S+ \(best trial \S+-003-\w{8}\)/);
  });

  it("re-plans a search when its budget changes, not when an unrelated key does", async () => {
    const base = { goal: "maximize" as const, metric: "test:accuracy", maxJobs: 4 };
    writeConfig(base);
    const before = (await plan(join(dir, "mlops.yaml"))).nodes["training.run.main"]?.name;
    const config = join(dir, "mlops.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("min: 0.7", "min: 0.6"));
    const unrelated = await plan(config);
    expect(unrelated.nodes["training.run.main"]?.name).toBe(before);
    expect(unrelated.changes.find((c) => c.address === "training.run.main")?.action).toBe("noop");
    writeConfig({ ...base, maxJobs: 5 });
    const budget = await plan(config);
    expect(budget.nodes["training.run.main"]?.name).not.toBe(before);
    expect(budget.changes.find((c) => c.address === "training.run.main")?.action).toBe("train");
  });

  it("deploys the trial with the lowest objective to minimize, warm-started from the last search", async () => {
    // Only the budget and a range changed from the first search: it is the parent.
    const config = writeConfig({
      goal: "maximize",
      metric: "test:accuracy",
      maxJobs: 3,
      lr: { min: 0.002, max: 0.05 },
    });
    await aws.control.setTuningOutcome(project, {
      trials: [trial(0.8, 0.4), trial(0.9, 0.3), trial(0.85, 0.2)],
    });
    const warm = await mlops("apply", "--config", config, "--auto-approve");
    expect(warm.code, warm.stdout + warm.stderr).toBe(0);
    expect(all(warm)).toMatch(/warm-started from \S+-1/);
    const runs = Object.values((await state()).training);
    const search = runs.find((r) => r.tuning?.warmStartFrom !== undefined)?.tuning?.job ?? "";
    const described = await sagemaker.send(
      new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: search }),
    );
    expect(described.WarmStartConfig?.WarmStartType).toBe("IdenticalDataAndAlgorithm");

    const minimize = writeConfig({ goal: "minimize", metric: "test:loss", maxJobs: 3 });
    await aws.control.setTuningOutcome(project, {
      trials: [
        { Objective: 0.4, Metrics: { "test:accuracy": 0.95 } },
        { Objective: 0.1, Metrics: { "test:accuracy": 0.8 } },
        { Objective: 0.3, Metrics: { "test:accuracy": 0.9 } },
      ],
    });
    const apply = await mlops("apply", "--config", minimize, "--auto-approve");
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(all(apply)).toMatch(/\* \S+-002-\w{8} +Completed +0\.1/);
    expect(all(apply)).toContain("quality gate passed: test:accuracy = 0.8");
    const best = (await plan(minimize)).nodes["training.run.main"]?.spec as { fingerprint: string };
    const record = (await state()).training[best.fingerprint];
    expect(record?.job).toMatch(/-002-\w{8}$/);
    expect(record?.metrics?.["test:loss"]).toBe(0.1);
    expect(await servedArtifact()).toBe(record?.artifact);
  });

  it("reports a search whose trials all failed, and retries it only with --force", async () => {
    const config = writeConfig({
      goal: "maximize",
      metric: "test:accuracy",
      maxJobs: 2,
      epochs: 7,
    });
    const served = await servedArtifact();
    await aws.control.setTuningOutcome(project, {
      trials: [
        { Status: "Failed", FailureReason: "AlgorithmError: bad data" },
        { Status: "Failed", FailureReason: "AlgorithmError: bad data" },
      ],
    });
    const failed = await mlops("apply", "--config", config, "--auto-approve");
    expect(failed.code).toBe(1);
    expect(failed.stdout + failed.stderr).toContain("All training jobs failed");
    // Every trial is still reported, with why it failed.
    expect(all(failed)).toMatch(/\S+-002-\w{8} +Failed +- .*\(AlgorithmError: bad data\)/);
    expect(await servedArtifact()).toBe(served); // the endpoint keeps its model

    const replanned = await mlops("plan", "--config", config);
    expect(replanned.stdout).toMatch(
      /search \S+-1 Failed: All training jobs failed.*retry with "mlops train --force"/,
    );
    const again = await mlops("apply", "--config", config, "--auto-approve");
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toContain('run "mlops train --force" to retry');

    await aws.control.setTuningOutcome(project, { trials: [trial(0.91, 0.2), trial(0.9, 0.3)] });
    const forced = await mlops("train", "--config", config, "--force", "--auto-approve");
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(all(forced)).toMatch(/search \S+-2: 2 trials/);
    expect(await servedArtifact()).not.toBe(served);
  });

  it("joins a running search instead of starting another", async () => {
    const config = writeConfig({
      goal: "maximize",
      metric: "test:accuracy",
      maxJobs: 2,
      epochs: 9,
    });
    await aws.control.setTuningOutcome(project, {
      trials: [trial(0.9, 0.2), trial(0.8, 0.3)],
      durationMs: 3000,
    });
    const applying = mlops("apply", "--config", config, "--auto-approve");
    let running: Plan["changes"][number] | undefined;
    for (let i = 0; i < 100 && running?.actionReason !== "in-progress"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = (await plan(config)).changes.find((c) => c.address === "training.run.main");
    }
    expect(running?.reason).toMatch(
      /search \S+-1 with the same inputs is InProgress \(0 of 2 trials done\): wait for it/,
    );
    const applied = await applying;
    expect(applied.code, all(applied)).toBe(0);
    const jobs = await sagemaker.send(
      new ListHyperParameterTuningJobsCommand({ NameContains: project, MaxResults: 100 }),
    );
    // One search for these inputs: attempt 1, joined, no attempt 2.
    const search = /search (\S+) with/.exec(running?.reason ?? "")?.[1] ?? "?";
    const names = (jobs.HyperParameterTuningJobSummaries ?? []).map(
      (j) => j.HyperParameterTuningJobName,
    );
    expect(names.filter((n) => n?.startsWith(search.replace(/-1$/, "-")))).toEqual([search]);
  });

  it("reports a stopped search with its reason, and trains it again only with --force", async () => {
    const config = writeConfig({
      goal: "maximize",
      metric: "test:accuracy",
      maxJobs: 2,
      epochs: 8,
    });
    await aws.control.setTuningOutcome(project, {
      trials: [trial(0.9, 0.2), trial(0.8, 0.3)],
      status: "Stopped",
      failureReason: "Stopped by the user from the console",
    });
    const stopped = await mlops("apply", "--config", config, "--auto-approve");
    expect(stopped.code).toBe(1);
    const replanned = await mlops("plan", "--config", config);
    expect(replanned.stdout).toMatch(
      /search \S+-1 Stopped: Stopped by the user from the console; retry with "mlops train --force"/,
    );
    await aws.control.setTuningOutcome(project, { trials: [trial(0.9, 0.2), trial(0.8, 0.3)] });
    const forced = await mlops(
      "train",
      "--config",
      config,
      "--force",
      "--auto-approve",
      "--format",
      "json",
    );
    expect(forced.code, forced.stderr).toBe(0);
    const report = JSON.parse(forced.stdout) as {
      ok: boolean;
      training: { job: string };
      tuning: { best: string; trials: { job: string; best: boolean; objective?: number }[] };
    };
    expect(report.ok).toBe(true);
    expect(report.tuning.best).toBe(report.training.job);
    expect(report.tuning.trials.map((t) => t.objective)).toEqual([0.9, 0.8]);
    expect(report.tuning.trials[0]?.best).toBe(true);
  });
});

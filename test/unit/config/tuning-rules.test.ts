// mlops validate and training.tuning: a valid search loads; each mistake (a range that makes no
// sense, an objective the training does not report, a budget AWS refuses, a name too long with
// the suffix the tool adds, a value both static and searched) is refused at its line, by path.
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../actions/src/config/load.js";
import { withTrainingOverrides } from "../../../actions/src/graph/train-run.js";
import { BASE_CONFIG, issuesOf, makeWorkspace, sub } from "./helpers.js";

const w = makeWorkspace();
afterAll(() => {
  w.remove();
});

const SEARCH = `  tuning:
    objective: { metric: test:accuracy, goal: maximize }
    strategy: random
    maxJobs: 12
    maxParallelJobs: 3
    parameters:
      learning-rate: { type: continuous, min: 0.001, max: 0.1, scaling: log }
      batch-size: { type: integer, min: 32, max: 512 }
      optimizer: { type: categorical, values: [sgd, adam] }
`;
const withSearch = sub("  ec2:\n", `${SEARCH}  ec2:\n`);

function write(edit: (text: string) => string = (t) => t): string {
  return w.write("mlops.yaml", edit(withSearch(BASE_CONFIG)));
}

describe("training.tuning", () => {
  it("loads a valid search with the defaults filled", () => {
    const tuning = loadConfig(write()).training.tuning;
    expect(tuning).toMatchObject({
      enabled: true,
      strategy: "random",
      maxJobs: 12,
      maxParallelJobs: 3,
      earlyStopping: false,
      warmStart: true,
      seed: 0,
      objective: { metric: "test:accuracy", goal: "maximize" },
    });
    expect(tuning?.parameters["batch-size"]).toEqual({
      type: "integer",
      min: 32,
      max: 512,
      scaling: "auto",
    });
    expect(tuning?.parameters["optimizer"]).toEqual({
      type: "categorical",
      values: ["sgd", "adam"],
    });
  });

  const cases: { what: string; edit: (t: string) => string; path: string; message: RegExp }[] = [
    {
      what: "min not below max",
      edit: sub("min: 0.001, max: 0.1", "min: 0.1, max: 0.1"),
      path: "training.tuning.parameters.learning-rate.min",
      message: /must be below max/,
    },
    {
      what: "log scaling from 0",
      edit: sub("min: 0.001, max: 0.1", "min: 0, max: 0.1"),
      path: "training.tuning.parameters.learning-rate.min",
      message: /above 0 for log scaling/,
    },
    {
      what: "an integer range with a fraction",
      edit: sub("min: 32, max: 512", "min: 32.5, max: 512"),
      path: "training.tuning.parameters.batch-size.min",
      message: /whole number/,
    },
    {
      what: "a categorical range without values",
      edit: sub("values: [sgd, adam]", "values: []"),
      path: "training.tuning.parameters.optimizer",
      message: /at least one value/,
    },
    {
      what: "an objective that is not a declared metric",
      edit: sub("metric: test:accuracy, goal", "metric: test:f1, goal"),
      path: "training.tuning.objective.metric",
      message: /not defined in training\.metrics.*regex/,
    },
    {
      what: "more at once than in all",
      edit: sub("maxParallelJobs: 3", "maxParallelJobs: 13"),
      path: "training.tuning.maxParallelJobs",
      message: /cannot exceed the number of trials \(12\)/,
    },
    {
      what: "more trials than SageMaker runs per tuning job",
      edit: sub("maxJobs: 12", "maxJobs: 751"),
      path: "training.tuning.maxJobs",
      message: /at most 750/,
    },
    {
      what: "more at once than SageMaker runs per tuning job",
      edit: (t) =>
        sub("maxJobs: 12", "maxJobs: 200")(sub("maxParallelJobs: 3", "maxParallelJobs: 101")(t)),
      path: "training.tuning.maxParallelJobs",
      message: /at most 100 at once/,
    },
    {
      what: "a hyperparameter both static and searched",
      edit: sub("  maxRuntime: 2h\n", "  maxRuntime: 2h\n  hyperparameters: { optimizer: adam }\n"),
      path: "training.hyperparameters.optimizer",
      message: /also tuned/,
    },
    {
      what: "a grid over a continuous range",
      edit: sub("strategy: random", "strategy: grid"),
      path: "training.tuning.strategy",
      message: /categorical parameters only/,
    },
    {
      what: "early stopping with hyperband",
      edit: sub("strategy: random", "strategy: hyperband\n    earlyStopping: true"),
      path: "training.tuning.earlyStopping",
      message: /hyperband/,
    },
    {
      what: "a project name too long for a tuning job (32 characters with -<fingerprint>-<attempt>)",
      edit: (t) =>
        sub(
          "name: pets\n",
          "name: pets-endpoint\n",
        )(sub("project: pets\n", `project: ${"p".repeat(20)}\n`)(t)),
      path: "project",
      message: /tuning job name "p{20}-00000000-999".*at most 32/,
    },
    {
      what: "a search without a budget",
      edit: sub("    maxJobs: 12\n", ""),
      path: "training.tuning",
      message: /needs maxJobs/,
    },
  ];

  it.each(cases)("refuses $what at its line", ({ edit, path, message }) => {
    const file = write(edit);
    const issues = issuesOf(file);
    const found = issues.find((i) => i.path === path);
    expect(found, JSON.stringify(issues)).toBeDefined();
    expect(found?.message).toMatch(message);
    expect(found?.line).toBeGreaterThan(0);
  });

  it("accepts a project name of 19 characters, the longest a tuning job name allows", () => {
    const file = write(sub("project: pets\n", `project: ${"p".repeat(19)}\n`));
    expect(issuesOf(file).filter((i) => i.path === "project")).toEqual([]);
  });

  it("accepts a grid of categorical values without maxJobs", () => {
    const grid = `  tuning:
    objective: { metric: test:loss, goal: minimize }
    strategy: grid
    maxParallelJobs: 2
    parameters:
      batch-size: { type: categorical, values: [32, 64, 128] }
      optimizer: { type: categorical, values: [sgd, adam] }
  ec2:\n`;
    const file = w.write("grid.yaml", sub("  ec2:\n", grid)(BASE_CONFIG));
    expect(issuesOf(file)).toEqual([]);
  });
});

describe("a run's overrides and the search", () => {
  it("--tune needs a declared search; --set sets static values only", () => {
    expect(() =>
      withTrainingOverrides(loadConfig(w.write("plain.yaml", BASE_CONFIG)), { tune: true }),
    ).toThrow(/declares no training.tuning/);
    const config = loadConfig(write());
    expect(() =>
      withTrainingOverrides(config, { hyperparameters: { "learning-rate": 0.5 } }),
    ).toThrow(/learning-rate is searched by training.tuning/);
    expect(
      withTrainingOverrides(config, { hyperparameters: { epochs: 2 } }).training.hyperparameters,
    ).toMatchObject({ epochs: 2 });
  });

  it("records --tune, and runs the trials one after another on the EC2 runner", () => {
    const off = loadConfig(
      write(sub("    strategy: random\n", "    enabled: false\n    strategy: random\n")),
    );
    expect(withTrainingOverrides(off, { tune: true }).training.retrain).toMatchObject({
      tune: true,
    });
    const ec2 = loadConfig(write(sub("  backend: sagemaker\n", "  backend: ec2\n")));
    expect(ec2.training.tuning?.maxParallelJobs).toBe(3);
    expect(withTrainingOverrides(ec2, { backend: "local" }).training.tuning?.maxParallelJobs).toBe(
      1,
    );
  });
});

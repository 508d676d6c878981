// mlops validate and model.serve: a served artifact with its image, environment and adopted
// model and endpoint config loads; each mistake (serve with environments, an endpoint config
// adopted without its model, a prefix or a non-.tar.gz for an artifact, a value past what CreateModel accepts)
// is refused at its own line, and a quality gate that no longer gates the served model is a
// warning there.
import { afterAll, describe, expect, it } from "vitest";
import { awsLimitProblems } from "../../../actions/src/config/aws-limits.js";
import { AWS_LIMITS } from "../../../actions/src/config/aws-limits.generated.js";
import { ConfigError } from "../../../actions/src/config/issues.js";
import { loadConfig, loadConfigWithWarnings } from "../../../actions/src/config/load.js";
import { BASE_CONFIG, issuesOf, makeWorkspace, runCli, sub } from "./helpers.js";

const w = makeWorkspace();
afterAll(() => {
  w.remove();
});

const ARTIFACT = "s3://sagemaker-eu-west-1-123456789012/pets-2024-01-01/output/model.tar.gz";
const IMAGE = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3-cpu-py311";
const SERVE = `  serve:
    artifact: ${ARTIFACT}
    image: ${IMAGE}
    environment:
      SAGEMAKER_PROGRAM: inference.py
      SAGEMAKER_SUBMIT_DIRECTORY: /opt/ml/model/code
    adopt:
      model: pets-model-2024
      endpointConfig: pets-config-2024
`;
const GATE = "  qualityGate: { metric: test:accuracy, min: 0.7 }\n";
/** The base config serving an existing artifact, with no quality gate (so no warning). */
const SERVED = sub(GATE, SERVE)(BASE_CONFIG);

const write = (edit: (text: string) => string = (t) => t): string =>
  w.write("mlops.yaml", edit(SERVED));

/** The 1-based line of the only line of `text` that starts with `start` (after indentation). */
function lineOf(text: string, start: string): number {
  const lines = text
    .split("\n")
    .flatMap((l, i) => (l.trimStart().startsWith(start) ? [i + 1] : []));
  expect(lines, start).toHaveLength(1);
  return lines[0] ?? 0;
}

/** An environment block of `n` variables E00.. of `valueLength` characters each. */
function environment(n: number, valueLength: number, last = valueLength): string {
  const entries = Array.from(
    { length: n },
    (_, i) =>
      `      E${String(i).padStart(2, "0")}: "${"v".repeat(i === n - 1 ? last : valueLength)}"`,
  );
  return `    environment:\n${entries.join("\n")}\n`;
}
const withEnvironment = (block: string) =>
  sub(
    "    environment:\n      SAGEMAKER_PROGRAM: inference.py\n      SAGEMAKER_SUBMIT_DIRECTORY: /opt/ml/model/code\n",
    block,
  );

describe("model.serve in mlops validate", () => {
  it("loads a served artifact with its image, environment and adoptions", () => {
    const file = write();
    expect(issuesOf(file)).toEqual([]);
    const { config, warnings } = loadConfigWithWarnings(file);
    expect(config.model.serve).toEqual({
      artifact: ARTIFACT,
      image: IMAGE,
      environment: {
        SAGEMAKER_PROGRAM: "inference.py",
        SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
      },
      adopt: { model: "pets-model-2024", endpointConfig: "pets-config-2024" },
    });
    expect(warnings).toEqual([]);
  });

  it("loads one without environment or adoptions (the tool's own variables, its own model)", () => {
    const file = w.write(
      "bare.yaml",
      sub(GATE, `  serve:\n    artifact: ${ARTIFACT}\n    image: ${IMAGE}\n`)(BASE_CONFIG),
    );
    expect(issuesOf(file)).toEqual([]);
    expect(loadConfig(file).model.serve).toEqual({ artifact: ARTIFACT, image: IMAGE, adopt: {} });
  });

  const rules: { what: string; edit: (t: string) => string; path: string; message: RegExp }[] = [
    {
      what: "serve with environments",
      edit: (t) => `${t}environments:\n  staging: {}\n`,
      path: "model.serve",
      message:
        /cannot be used with environments: .*registry versions.*Remove model\.serve.*or remove environments:/,
    },
    {
      what: "an endpoint config adopted without its model",
      edit: sub("      model: pets-model-2024\n", ""),
      path: "model.serve.adopt.endpointConfig",
      message: /needs adopt\.model too: an endpoint config names the model/,
    },
    {
      what: "an artifact that is a prefix",
      edit: sub(ARTIFACT, "s3://models/pets/output/"),
      path: "model.serve.artifact",
      message:
        /"s3:\/\/models\/pets\/output\/" is a prefix.*s3:\/\/models\/pets\/output\/model\.tar\.gz/,
    },
    {
      what: "an artifact that is not a .tar.gz",
      edit: sub(ARTIFACT, "s3://models/pets/output/model.zip"),
      path: "model.serve.artifact",
      message: /does not end in \.tar\.gz; SageMaker serves a model from one gzip-compressed tar/,
    },
  ];

  it.each(rules)("refuses $what at its line", ({ edit, path, message }) => {
    const text = edit(SERVED);
    const file = w.write("rule.yaml", text);
    const issues = issuesOf(file);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(message);
    const key = path.split(".").at(-1) ?? "";
    expect(issues[0]?.line).toBe(lineOf(text, `${key}:`));
  });

  it("names the file, line and field when loading fails", () => {
    const text = sub(ARTIFACT, `s3://models/${"k".repeat(1012)}.tar.gz`)(SERVED);
    const file = w.write("located.yaml", text);
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}:${String(lineOf(text, "artifact:"))}:`);
    expect(() => loadConfig(file)).toThrow(
      "model.serve.artifact: is 1031 characters as sent; AWS allows at most 1024 (AWS sagemaker Url)",
    );
  });

  it("mlops validate warns that the quality gate does not gate the served artifact", async () => {
    const text = sub(GATE, `${GATE}${SERVE}`)(BASE_CONFIG);
    const file = w.write("gated.yaml", text);
    const result = await runCli(["validate", "--config", file, "--format", "json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { warnings: unknown[] };
    expect(report.warnings).toEqual([
      {
        file,
        line: lineOf(text, "qualityGate:"),
        column: 3,
        path: "model.qualityGate",
        message: expect.stringMatching(
          /^applies only to models mlops trains \(mlops train\): the artifact in model\.serve is deployed as it is/,
        ) as unknown,
      },
    ]);
    // Without serve the gate gates: no warning.
    expect(loadConfigWithWarnings(w.write("trained.yaml", BASE_CONFIG)).warnings).toEqual([]);
  });
});

describe("model.serve and AWS's limits (CreateModel, CreateEndpointConfig)", () => {
  const VALUE_MAX = AWS_LIMITS.containerEnvironmentValue.max; // 1024
  const ENTRIES_MAX = AWS_LIMITS.containerEnvironment.max; // 100
  const cases: { what: string; under: string; over: string; path: string; message: RegExp }[] = [
    {
      what: "artifact length (ModelDataUrl, 1024)",
      under: sub(ARTIFACT, `s3://models/${"k".repeat(1005)}.tar.gz`)(SERVED),
      over: sub(ARTIFACT, `s3://models/${"k".repeat(1006)}.tar.gz`)(SERVED),
      path: "model.serve.artifact",
      message: /is 1025 characters as sent; AWS allows at most 1024 \(AWS sagemaker Url\)/,
    },
    {
      what: "image length (255)",
      under: sub(IMAGE, `${IMAGE.slice(0, -1)}${"1".repeat(256 - IMAGE.length)}`)(SERVED),
      over: sub(IMAGE, `${IMAGE.slice(0, -1)}${"1".repeat(257 - IMAGE.length)}`)(SERVED),
      path: "model.serve.image",
      message: /AWS allows at most 255 \(AWS sagemaker ContainerImage\)/,
    },
    {
      what: "image pattern (no spaces)",
      under: SERVED,
      over: sub(`image: ${IMAGE}`, `image: "${IMAGE} latest"`)(SERVED),
      path: "model.serve.image",
      message: /does not match AWS's pattern/,
    },
    {
      what: "environment variable name pattern",
      under: withEnvironment("    environment:\n      _MODEL_1: x\n")(SERVED),
      over: withEnvironment("    environment:\n      MODEL-1: x\n")(SERVED),
      path: "model.serve.environment.MODEL-1",
      message: /^variable name: "MODEL-1" does not match AWS's pattern/,
    },
    {
      what: "environment value length (1024)",
      under: withEnvironment(environment(1, VALUE_MAX))(SERVED),
      over: withEnvironment(environment(1, VALUE_MAX + 1))(SERVED),
      path: "model.serve.environment.E00",
      message: /^value: is 1025 characters as sent; AWS allows at most 1024/,
    },
    {
      what: "environment value size in UTF-8 (1024 bytes)",
      under: withEnvironment(`    environment:\n      NAME: "${"é".repeat(512)}"\n`)(SERVED),
      over: withEnvironment(`    environment:\n      NAME: "${"é".repeat(513)}"\n`)(SERVED),
      path: "model.serve.environment.NAME",
      message: /^value: is 1026 bytes in UTF-8; AWS allows at most 1024/,
    },
    {
      what: "environment entries (100)",
      under: withEnvironment(environment(ENTRIES_MAX, 1))(SERVED),
      over: withEnvironment(environment(ENTRIES_MAX + 1, 1))(SERVED),
      path: "model.serve.environment",
      message: /has 101 entries; AWS allows at most 100 \(AWS sagemaker EnvironmentMap\)/,
    },
    {
      // 32 names of 3 bytes and values of 1021: exactly 32 KB.
      what: "environment size in all (32 KB)",
      under: withEnvironment(environment(32, 1021))(SERVED),
      over: withEnvironment(environment(32, 1021, 1022))(SERVED),
      path: "model.serve.environment",
      message: /is 32769 bytes \(names and values\); SageMaker allows 32768 in all/,
    },
    {
      what: "adopted model name (63 characters)",
      under: sub("model: pets-model-2024", `model: ${"m".repeat(63)}`)(SERVED),
      over: sub("model: pets-model-2024", `model: ${"m".repeat(64)}`)(SERVED),
      path: "model.serve.adopt.model",
      message: /64/,
    },
    {
      what: "adopted endpoint config name (no trailing hyphen)",
      under: sub("endpointConfig: pets-config-2024", "endpointConfig: pets--config-2024")(SERVED),
      over: sub("endpointConfig: pets-config-2024", "endpointConfig: pets-config-")(SERVED),
      path: "model.serve.adopt.endpointConfig",
      message: /wrong format/,
    },
  ];

  it.each(cases)("$what: at the limit valid, one past refused at its line", (c) => {
    expect(issuesOf(w.write("under.yaml", c.under))).toEqual([]);
    const file = w.write("over.yaml", c.over);
    const issues = issuesOf(file);
    expect(issues.map((i) => i.path)).toEqual([c.path]);
    expect(issues[0]?.message).toMatch(c.message);
    expect(issues[0]?.line).toBeGreaterThan(0);
    expect(issues[0]?.column).toBeGreaterThan(0);
  });

  it("checks the adopted names against SageMaker's own ModelName and EndpointConfigName", () => {
    // The schema refuses these first; the table is what keeps both in step with AWS's model.
    const config = loadConfig(write());
    const serve = config.model.serve;
    if (!serve) throw new Error("test setup: serve expected");
    serve.adopt = { model: "m".repeat(64), endpointConfig: "config_1" };
    expect(awsLimitProblems(config)).toEqual([
      {
        path: ["model", "serve", "adopt", "model"],
        message: "is 64 characters as sent; AWS allows at most 63 (AWS sagemaker ModelName)",
      },
      {
        path: ["model", "serve", "adopt", "endpointConfig"],
        message: expect.stringMatching(
          /^"config_1" does not match AWS's pattern .*\(AWS sagemaker EndpointConfigName\)$/,
        ) as unknown,
      },
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeClock } from "../../../actions/src/clock.js";
import {
  dlamiParameterName,
  GitHubRunnerApi,
  resolveAmi,
  type ParameterReader,
} from "../../../actions/src/ec2-runner/index.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";

describe("GitHub runner API (against a fake on 127.0.0.1)", () => {
  let gh: FakeGitHub;
  let api: GitHubRunnerApi;
  beforeAll(async () => {
    gh = await startFakeGitHub();
    api = new GitHubRunnerApi({
      token: gh.token,
      repository: gh.repository,
      apiUrl: gh.url,
      clock: fakeClock(),
    });
  });
  afterAll(() => gh.close());

  it("generates a JIT config with name, group and labels", async () => {
    const jit = await api.generateJitConfig({
      name: "dogs-mlops-1-1-a",
      runnerGroupId: 3,
      labels: ["mlops-1-1-a"],
    });
    expect(jit.encodedJitConfig).toBe(gh.jitConfigs.get("dogs-mlops-1-1-a"));
    expect(jit.runner).toMatchObject({
      name: "dogs-mlops-1-1-a",
      status: "offline",
      labels: ["mlops-1-1-a"],
    });
    const call = gh.calls.at(-1);
    expect(call).toMatchObject({
      method: "POST",
      path: `/repos/${gh.repository}/actions/runners/generate-jitconfig`,
      body: {
        name: "dogs-mlops-1-1-a",
        runner_group_id: 3,
        labels: ["mlops-1-1-a"],
        work_folder: "_work",
      },
      authorization: `Bearer ${gh.token}`,
    });
  });

  it("lists every page of runners", async () => {
    for (let i = 0; i < 150; i++)
      gh.addRunner({ name: `other-${i}`, status: "online", busy: false, labels: [] });
    const runners = await api.listRunners();
    expect(runners.length).toBe(151);
    expect(
      gh.calls
        .filter((c) => c.method === "GET")
        .slice(-2)
        .map((c) => c.query["page"]),
    ).toEqual(["1", "2"]);
  });

  it("retries a 502 and says what a 403 means", async () => {
    gh.failNext(502, 2);
    expect((await api.listRunners()).length).toBe(151);
    gh.failNext(403);
    await expect(api.listRunners()).rejects.toThrow(
      /HTTP 403 injected failure \(the token must be allowed to administer/,
    );
    const bad = new GitHubRunnerApi({ token: "wrong", repository: gh.repository, apiUrl: gh.url });
    await expect(bad.listRunners()).rejects.toThrow(
      /HTTP 401 Bad credentials \(the GitHub token is invalid or expired\)/,
    );
  });

  it("deletes a runner; an already removed one is not-found", async () => {
    const runner = gh.addRunner({ name: "gone-soon", status: "offline", busy: false, labels: [] });
    expect(await api.deleteRunner(runner.id)).toBe("deleted");
    expect(await api.deleteRunner(runner.id)).toBe("not-found");
  });

  it("refuses a repository that is not owner/name", () => {
    expect(() => new GitHubRunnerApi({ token: "t", repository: "nope" })).toThrow(/owner\/name/);
  });
});

describe("AMI resolution", () => {
  const reader = (values: Record<string, string>): ParameterReader & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      getParameter: (name) => {
        asked.push(name);
        return Promise.resolve(values[name]);
      },
    };
  };
  const amiType = "oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04";

  it("reads the DLAMI SSM parameter of the configured type", async () => {
    const params = reader({ [dlamiParameterName(amiType)]: "ami-0dl" });
    expect(await resolveAmi({ amiType, region: "us-east-1", parameters: params })).toEqual({
      imageId: "ami-0dl",
      source: `SSM /aws/service/deeplearning/ami/x86_64/${amiType}/latest/ami-id`,
    });
  });

  it("an explicit AMI wins and SSM is not asked", async () => {
    const params = reader({});
    expect(
      (
        await resolveAmi({
          explicit: "ami-0mine",
          amiType,
          region: "us-east-1",
          parameters: params,
        })
      ).imageId,
    ).toBe("ami-0mine");
    expect(params.asked).toEqual([]);
  });

  it("a missing parameter says how to list the types", async () => {
    await expect(
      resolveAmi({ amiType: "nope", region: "eu-west-3", parameters: reader({}) }),
    ).rejects.toThrow(
      /\/aws\/service\/deeplearning\/ami\/x86_64\/nope\/latest\/ami-id does not exist in eu-west-3.*set training.ec2.ami/,
    );
  });
});

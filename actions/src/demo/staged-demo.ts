// The demo's last act: the same service with `environments:` (staging, then production behind
// an approval). The build stage reuses the completed training run and registers it as model
// v1, staging serves v1 at once, production waits until `mlops promote` approves v1, then
// serves the very same artifact and image. The single endpoint keeps serving until then, and
// the next build apply retires it.
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";

interface Captured {
  code: number;
  out: string;
}

export interface StagedDemo {
  mlops: (...args: string[]) => Promise<Captured>;
  say: (line: string) => void;
  check: (name: string, ok: boolean, detail?: string) => void;
  sagemaker: SageMakerClient;
  /** Writes the demo config with `environments:`. */
  writeStagedConfig: () => void;
  /** The demo endpoint's name; each environment's is `<name>-<environment>`. */
  endpoint: string;
}

export const STAGED_STEPS = [
  "environments: the build stage registers model v1",
  "staging serves v1, production waits for approval",
  "promote: production serves v1, the same artifact and image as staging",
  "the endpoint before environments served until now, then retires",
  "every stage converged",
];

export async function runStagedDemo(d: StagedDemo): Promise<void> {
  const indent = (text: string): string => text.replace(/^/gm, "    ");
  d.writeStagedConfig();
  d.say("\nThe same service in stages: staging, then production behind an approval.");
  const build = await d.mlops("apply", "--auto-approve");
  d.say(indent(build.out));
  const models = await d.mlops("models");
  d.say(indent(models.out));
  d.check(
    STAGED_STEPS[0] ?? "",
    build.code === 0 && /^v1 .*PendingManualApproval/m.test(models.out),
    "v1 PendingManualApproval",
  );

  const staging = await d.mlops("apply", "--env", "staging", "--auto-approve");
  const waiting = await d.mlops("plan", "--env", "production");
  d.say(indent(waiting.out.split("\n").slice(0, 3).join("\n")));
  const staged = await served(d, "staging");
  const production = await served(d, "production").catch(() => undefined);
  d.check(
    STAGED_STEPS[1] ?? "",
    staging.code === 0 &&
      staged.status === "InService" &&
      production === undefined &&
      waiting.out.includes("waiting for approval"),
    `${d.endpoint}-staging serves ${staged.artifact}`,
  );

  const promoted = await d.mlops("promote", "--to", "production", "--auto-approve");
  d.say(indent(promoted.out));
  const live = await served(d, "production");
  d.check(
    STAGED_STEPS[2] ?? "",
    promoted.code === 0 &&
      live.status === "InService" &&
      live.artifact === staged.artifact &&
      live.image === staged.image,
    `${d.endpoint}-production serves ${live.artifact}`,
  );
  const singleExists = (): Promise<boolean> =>
    d.sagemaker.send(new DescribeEndpointCommand({ EndpointName: d.endpoint })).then(
      () => true,
      () => false,
    );
  const servedUntilNow = await singleExists();
  const retired = await d.mlops("apply", "--auto-approve");
  d.say(indent(retired.out));
  const gone = !(await singleExists());
  d.check(
    STAGED_STEPS[3] ?? "",
    servedUntilNow && retired.code === 0 && gone,
    `${d.endpoint} ${gone ? "deleted" : "still there"}`,
  );
  const final = await d.mlops("plan", "--detailed-exitcode");
  d.check(STAGED_STEPS[4] ?? "", final.code === 0, "build, staging and production: no changes");
}

async function served(d: StagedDemo, environment: string) {
  const endpoint = await d.sagemaker.send(
    new DescribeEndpointCommand({ EndpointName: `${d.endpoint}-${environment}` }),
  );
  const config = await d.sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const model = await d.sagemaker.send(
    new DescribeModelCommand({ ModelName: config.ProductionVariants?.[0]?.ModelName }),
  );
  return {
    status: endpoint.EndpointStatus,
    artifact: model.PrimaryContainer?.ModelDataUrl,
    image: model.PrimaryContainer?.Image,
  };
}

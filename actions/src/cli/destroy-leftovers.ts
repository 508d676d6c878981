// What destroy removes besides the graph's nodes: the SageMaker models and endpoint configs
// that earlier deployments superseded, and the project's finished training jobs. The graph
// describes only the live model and config, and the deployment clean-up keeps `model.keep`
// superseded ones for rollback, so without this destroy leaves those behind. They are found
// through the state record (deployment history, training runs) and through the project's tags
// (its derived names, confirmed by the `mlops:project` tag, so a lost state record or another
// project with a similar name changes nothing). A training job still running is left, and said.
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { StateRecord } from "../apply/state-store.js";
import { isNotFound, withContext } from "../aws/errors.js";
import { derivedNames } from "../aws/naming.js";
import type { Logger } from "../logger.js";
import type { MoveLeftover } from "../plan/types.js";
import type { Session } from "../session.js";

export type Leftover = MoveLeftover;
export type LeftoverKind = Leftover["kind"];

/** Where to look: one project's names in one region, and the state record that knew them. */
export interface LeftoverScope {
  sagemaker: SageMakerClient;
  project: string;
  state: StateRecord;
  logger: Logger;
}

const PROJECT_TAG = "mlops:project";

interface Listed {
  name: string;
  arn: string;
  /** Training jobs: AWS deletes only a Completed, Failed or Stopped one. */
  finished?: boolean;
}

/**
 * The project's models and endpoint configs, live ones included (the graph cannot name the
 * live model before it is observed); destroy leaves out those its plan deletes.
 */
export async function findLeftovers(session: Session): Promise<Leftover[]> {
  return findLeftoversIn({
    sagemaker: session.clients.sagemaker,
    project: session.config.project,
    state: await session.state.read({ fresh: true }),
    logger: session.ctx.logger,
  });
}

/** The leftovers of `scope.project` that `scope.sagemaker`'s region holds. */
export async function findLeftoversIn(scope: LeftoverScope): Promise<Leftover[]> {
  const { project, state } = scope;
  const found = new Map<string, Leftover>();
  const add = (kind: LeftoverKind, name: string): void => {
    if (name !== "") found.set(`${kind}:${name}`, { kind, name });
  };

  const listed = {
    model: await listDerived(scope, "model", project),
    "endpoint config": await listDerived(scope, "endpoint config", project),
    "training job": (await listTrainingJobs(scope, project)).filter((job) => {
      if (!job.finished) scope.logger.warn(`training job ${job.name} is still running: left`);
      return job.finished;
    }),
  };
  for (const d of state.deployments) {
    // Only those that still exist: the history outlives what the clean-up deleted.
    if (listed.model.some((m) => m.name === d.model)) add("model", d.model);
    if (listed["endpoint config"].some((c) => c.name === d.endpointConfig))
      add("endpoint config", d.endpointConfig);
  }
  for (const run of Object.values(state.training)) {
    if (listed["training job"].some((j) => j.name === run.job)) add("training job", run.job);
  }
  for (const kind of ["model", "endpoint config", "training job"] as const) {
    for (const item of listed[kind]) {
      if (found.has(`${kind}:${item.name}`)) continue;
      if (await taggedFor(scope, item.arn, project)) add(kind, item.name);
    }
  }
  return [...found.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
  );
}

/** Deletes each leftover (one already gone is fine); returns the lines saying what went. */
export async function removeLeftovers(
  sagemaker: SageMakerClient,
  leftovers: readonly Leftover[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const item of leftovers) {
    const deleted = await withContext(`deleting SageMaker ${item.kind} ${item.name}`, async () => {
      try {
        await (item.kind === "model"
          ? sagemaker.send(new DeleteModelCommand({ ModelName: item.name }))
          : item.kind === "training job"
            ? sagemaker.send(new DeleteTrainingJobCommand({ TrainingJobName: item.name }))
            : sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: item.name })));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false; // gone meanwhile
        throw error;
      }
    });
    const what = item.kind === "training job" ? "finished" : "superseded";
    if (deleted) removed.push(`  delete  ${what} SageMaker ${item.kind} ${item.name}`);
  }
  return removed;
}

async function taggedFor(scope: LeftoverScope, arn: string, project: string): Promise<boolean> {
  let next: string | undefined;
  do {
    const token = next;
    const out = await withContext(`reading the tags of ${arn}`, () =>
      scope.sagemaker.send(
        new ListTagsCommand({
          ResourceArn: arn,
          MaxResults: 100,
          ...(token !== undefined && { NextToken: token }),
        }),
      ),
    );
    if ((out.Tags ?? []).some((t) => t.Key === PROJECT_TAG && t.Value === project)) return true;
    next = out.NextToken === "" ? undefined : out.NextToken;
  } while (next !== undefined);
  return false;
}

/** Models or endpoint configs named as the tool derives them for this project. */
async function listDerived(
  scope: LeftoverScope,
  kind: LeftoverKind,
  project: string,
): Promise<Listed[]> {
  const prefix =
    kind === "model" ? derivedNames.model(project, "") : derivedNames.endpointConfig(project, "");
  // NameContains is a substring match: "ab-epc-" also finds "xab-epc-...". Keep exact ones.
  const own = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[0-9a-f]{8}$`);
  const { sagemaker } = scope;
  const found: Listed[] = [];
  let next: string | undefined;
  do {
    const paging = {
      NameContains: prefix,
      MaxResults: 100,
      ...(next !== undefined && { NextToken: next }),
    };
    let page: Listed[];
    if (kind === "model") {
      const out = await sagemaker.send(new ListModelsCommand(paging));
      page = (out.Models ?? []).map((m) => ({ name: m.ModelName ?? "", arn: m.ModelArn ?? "" }));
      next = out.NextToken;
    } else {
      const out = await sagemaker.send(new ListEndpointConfigsCommand(paging));
      page = (out.EndpointConfigs ?? []).map((c) => ({
        name: c.EndpointConfigName ?? "",
        arn: c.EndpointConfigArn ?? "",
      }));
      next = out.NextToken;
    }
    found.push(...page.filter((item) => own.test(item.name)));
    if (next === "") next = undefined;
  } while (next !== undefined);
  return found;
}

/** Training jobs named as the tool names them for this project: `<project>-<8 hex>-<attempt>`. */
async function listTrainingJobs(scope: LeftoverScope, project: string): Promise<Listed[]> {
  const escaped = project.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const own = new RegExp(`^${escaped}-[0-9a-f]{8}-\\d+$`);
  const found: Listed[] = [];
  let next: string | undefined;
  do {
    const token = next;
    const out = await withContext(`listing the training jobs of ${project}`, () =>
      scope.sagemaker.send(
        new ListTrainingJobsCommand({
          NameContains: `${project}-`,
          MaxResults: 100,
          ...(token !== undefined && { NextToken: token }),
        }),
      ),
    );
    for (const job of out.TrainingJobSummaries ?? []) {
      const name = job.TrainingJobName ?? "";
      if (!own.test(name)) continue;
      const status = job.TrainingJobStatus ?? "";
      found.push({
        name,
        arn: job.TrainingJobArn ?? "",
        finished: ["Completed", "Failed", "Stopped"].includes(status),
      });
    }
    next = out.NextToken === "" ? undefined : out.NextToken;
  } while (next !== undefined);
  return found;
}

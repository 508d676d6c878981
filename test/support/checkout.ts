// What CLI tests run against: a project folder with a small data set and training code, and the
// project's SageMaker resources as listed by name.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListTrainingJobsCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";

/** A temporary folder with data/{train,valid,test}/001.A/x.jpg and training/train.py. */
export function makeCheckout(prefix: string, trainPy: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "training"));
  writeFileSync(join(dir, "training", "train.py"), trainPy);
  for (const split of ["train", "valid", "test"]) {
    mkdirSync(join(dir, "data", split, "001.A"), { recursive: true });
    writeFileSync(join(dir, "data", split, "001.A", "x.jpg"), `${split} image`);
  }
  return dir;
}

/** The names of the project's models, endpoint configs, endpoints and training jobs, sorted. */
export async function projectSageMakerNames(
  sagemaker: SageMakerClient,
  project: string,
): Promise<string[]> {
  const [models, configs, endpoints, jobs] = await Promise.all([
    sagemaker.send(new ListModelsCommand({ NameContains: project })),
    sagemaker.send(new ListEndpointConfigsCommand({ NameContains: project })),
    sagemaker.send(new ListEndpointsCommand({ NameContains: project })),
    sagemaker.send(new ListTrainingJobsCommand({ NameContains: project })),
  ]);
  return [
    ...(models.Models ?? []).map((m) => m.ModelName ?? ""),
    ...(configs.EndpointConfigs ?? []).map((c) => c.EndpointConfigName ?? ""),
    ...(endpoints.Endpoints ?? []).map((e) => e.EndpointName ?? ""),
    ...(jobs.TrainingJobSummaries ?? []).map((j) => j.TrainingJobName ?? ""),
  ].sort();
}

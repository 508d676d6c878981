// `mlops models`: the registry's versions, newest first: version, created, metrics, approval
// status and where each is deployed, as a table or JSON.
import { loadConfig } from "../config/load.js";
import { servedVersion } from "../environments/served.js";
import { BUILD_STAGE, environmentNames } from "../environments/stages.js";
import { modelPackageGroupName } from "../graph/registry-nodes.js";
import { describeVersion, listVersions, META, parseMetricsText } from "../registry/versions.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface ModelsCommandOptions extends EngineOptions {
  format: "table" | "json";
}

export interface ModelVersionRow {
  version: number;
  created: string;
  status: string;
  metrics: Record<string, number>;
  /** Environments serving it now. */
  deployedIn: string[];
  trainingJob?: string;
  description: string;
  approvalDescription?: string;
  metricsUri?: string;
}

export async function modelsCommand(options: ModelsCommandOptions, io: Output): Promise<number> {
  const config = loadConfig(options.config);
  if (!config.environments) {
    throw new UsageError(
      `${config.file} declares no environments: the model registry comes with an environments: map`,
    );
  }
  const rows = await withSession({ ...options, environment: BUILD_STAGE }, async (build) => {
    const { sagemaker, s3 } = build.clients;
    const account = build.graph.context.account;
    const served = new Map<number, string[]>();
    for (const env of environmentNames(config)) {
      const version = (await servedVersion(s3, config, env, account))?.version;
      if (version !== undefined) served.set(version, [...(served.get(version) ?? []), env]);
    }
    const out: ModelVersionRow[] = [];
    for (const summary of await listVersions(sagemaker, modelPackageGroupName(config.project))) {
      const d = await describeVersion(sagemaker, summary.arn);
      if (!d) continue;
      out.push({
        version: d.version,
        created: d.createdAt,
        status: d.status,
        metrics: parseMetricsText(d.metadata[META.metrics]),
        deployedIn: served.get(d.version) ?? [],
        ...(d.metadata[META.job] !== undefined && { trainingJob: d.metadata[META.job] }),
        description: d.description,
        ...(d.approvalDescription !== undefined && { approvalDescription: d.approvalDescription }),
        ...(d.metricsUri !== undefined && { metricsUri: d.metricsUri }),
      });
    }
    return out;
  });
  io.out(options.format === "json" ? JSON.stringify(rows, null, 2) : table(rows));
  return 0;
}

function table(rows: readonly ModelVersionRow[]): string {
  if (rows.length === 0) return "No model versions registered yet.";
  const cells = rows.map((r) => [
    `v${r.version}`,
    r.created.replace(/\.\d+Z$/, "Z"),
    Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${Number(v.toFixed(4))}`)
      .join(" "),
    r.status,
    r.deployedIn.join(", ") || "-",
  ]);
  const header = ["VERSION", "CREATED", "METRICS", "STATUS", "DEPLOYED IN"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

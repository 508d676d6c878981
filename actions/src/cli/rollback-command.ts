// `mlops rollback --env ENV [--to N]`: deploy an earlier approved version to an environment
// through the same plan and verified endpoint cutover as any deployment. Default: the version
// it served before the current one. The environment stays pinned to it until the next promote.
import { loadConfig } from "../config/load.js";
import { environmentStateStore, servedNow } from "../environments/served.js";
import { BUILD_STAGE } from "../environments/stages.js";
import { modelPackageGroupName } from "../graph/registry-nodes.js";
import { OperationalError } from "../operational-errors.js";
import { pin } from "../registry/approval.js";
import { listVersions } from "../registry/versions.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { applyEnvironment, approvalEnvironment } from "./promote-command.js";

export interface RollbackCommandOptions extends EngineOptions {
  env: string;
  to?: number;
  autoApprove: boolean;
}

export async function rollbackCommand(
  options: RollbackCommandOptions,
  io: Output,
): Promise<number> {
  const config = loadConfig(options.config);
  const environment = approvalEnvironment(config, options.env, "rollback --env");
  const target = await withSession({ ...options, environment: BUILD_STAGE }, async (build) => {
    const store = environmentStateStore(
      build.clients.s3,
      config,
      environment,
      build.graph.context.account,
    );
    const record = await store.read();
    const current = servedNow(record)?.version;
    const approved = new Set(
      (await listVersions(build.clients.sagemaker, modelPackageGroupName(config.project)))
        .filter((v) => v.status === "Approved")
        .map((v) => v.version),
    );
    const earlier = [...(record.environment?.served ?? [])]
      .reverse()
      .find((s) => s.version !== current && approved.has(s.version))?.version;
    const version = options.to ?? earlier;
    if (version === undefined) {
      throw new OperationalError(
        `${environment} served no earlier approved version to roll back to; name one with --to N`,
      );
    }
    if (!approved.has(version)) {
      throw new OperationalError(
        `model version ${version} is not Approved; ${environment} deploys only approved versions (mlops promote --to ${environment} --version ${version})`,
      );
    }
    await pin(store, version);
    return version;
  });
  io.out(`Rolling ${environment} back to model version ${String(target)}.`);
  return applyEnvironment(options, environment, "rollback", io);
}

// `mlops promote --to ENV [--version N]`: approve a registry version for an environment that
// deploys only approved versions, then apply that environment. The version defaults to the one
// the environment before it serves (what was tested there); promotion never retrains: the
// environment's model names the version's artifact and image.
import { runApply } from "../apply/run-apply.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import { BUILD_STAGE, requireEnvironment } from "../environments/stages.js";
import { promoteVersion } from "../registry/promote.js";
import { renderText } from "../plan/render-text.js";
import { report } from "./apply-command.js";
import { confirmer } from "./confirm.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface PromoteCommandOptions extends EngineOptions {
  to: string;
  version?: number;
  autoApprove: boolean;
}

export async function promoteCommand(options: PromoteCommandOptions, io: Output): Promise<number> {
  const config = loadConfig(options.config);
  const environment = approvalEnvironment(config, options.to, "promote --to");
  const { version, approvedNow } = await withSession(
    { ...options, environment: BUILD_STAGE },
    (build) =>
      promoteVersion(
        build.clients,
        build.graph.context.account,
        config,
        environment,
        options.version,
      ),
  );
  if (approvedNow) io.out(`Approved model version ${version.version} for ${environment}.`);
  io.out(`${environment} now deploys model version ${version.version} (${version.artifact}).`);
  return applyEnvironment(options, environment, "promote", io);
}

/** The environment named, which must deploy only approved versions. */
export function approvalEnvironment(config: Config, name: string, flag: string): string {
  if (name === BUILD_STAGE)
    throw new UsageError(`${flag} takes an environment, not the build stage`);
  requireEnvironment(config, name);
  if (config.environments?.[name]?.approval !== true) {
    throw new UsageError(
      `${name} deploys the newest version that passed the quality gate by itself; ${flag} is for environments with approval: true`,
    );
  }
  return name;
}

/** Applies the environment (its plan deploys the pinned version), asking unless --auto-approve. */
export async function applyEnvironment(
  options: EngineOptions & { autoApprove: boolean },
  environment: string,
  operation: string,
  io: Output,
): Promise<number> {
  return withSession({ ...options, environment }, async (session) => {
    const ask = confirmer(options.autoApprove, `apply ${environment}`);
    const result = await runApply(session, {
      operation,
      confirm: async (plan) => {
        io.out(renderText(plan, { colour: process.stdout.isTTY }));
        return ask();
      },
    });
    return report(result, io);
  });
}

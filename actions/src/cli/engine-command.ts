// Shared set-up of the commands that talk to AWS: load the config, open a session with the
// console logger and an interrupt signal, and always clean up.
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import type { Logger } from "../logger.js";
import { openSession, type Session } from "../session.js";
import { consoleLogger } from "./console-logger.js";
import { interruptSignal } from "./interrupt.js";

export interface EngineOptions {
  config: string;
  debug: boolean;
  /** A config with `environments:`: the stage to work on (default: the build stage). */
  environment?: string;
}

export async function withSession<T>(
  options: EngineOptions,
  run: (session: Session, logger: Logger) => Promise<T>,
  hooks: {
    logger?: Logger;
    prepare?: (config: Config) => Config;
    forceTraining?: boolean;
    followLogs?: boolean;
    verifyData?: boolean;
  } = {},
): Promise<T> {
  const loaded = loadConfig(options.config);
  const config = hooks.prepare ? hooks.prepare(loaded) : loaded;
  const logger = hooks.logger ?? consoleLogger({ debug: options.debug });
  const interrupt = interruptSignal(logger);
  try {
    const session = await openSession(config, {
      logger,
      signal: interrupt.signal,
      ...(hooks.forceTraining === true && { forceTraining: true }),
      ...(hooks.followLogs === true && { followLogs: true }),
      ...(hooks.verifyData === true && { verifyData: true }),
      ...(options.environment !== undefined && { environment: options.environment }),
    });
    return await run(session, logger);
  } finally {
    interrupt.dispose();
  }
}

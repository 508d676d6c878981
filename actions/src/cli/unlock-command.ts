// `mlops unlock ID`: removes a stale apply lock, only if it is the one named.
import { forceUnlock } from "../apply/lock.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export async function unlockCommand(
  options: EngineOptions & { id: string | undefined },
  io: Output,
): Promise<number> {
  const id = options.id;
  if (!id)
    throw new UsageError("unlock needs the lock ID (it is printed by the apply that waits for it)");
  return withSession(options, async (session) => {
    const removed = await forceUnlock(session.lock, id);
    io.out(`Removed lock ${removed.id} held by ${removed.owner} since ${removed.createdAt}.`);
    return 0;
  });
}

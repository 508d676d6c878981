// `mlops emulator`: runs the local AWS emulator in the foreground and prints how to point the
// CLI (or the AWS CLI) at it, so anyone can try everything without an AWS account.
import { startEmulator } from "../emulator/index.js";
import type { Output } from "./output.js";

export async function emulatorCommand(
  options: { port: number | undefined },
  io: Output,
): Promise<number> {
  const emulator = await startEmulator({
    ...(options.port !== undefined && { port: options.port }),
  });
  io.out(`Local AWS emulator on ${emulator.endpoint} (Ctrl-C to stop). In another shell:\n`);
  for (const [k, v] of Object.entries(emulator.env())) io.out(`  export ${k}=${v}`);
  io.out("\nthen: npx mlops plan");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await emulator.stop();
  return 0;
}

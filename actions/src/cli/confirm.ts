// Asking before apply: on a terminal the user types "yes"; without one, --auto-approve is the
// only way to go on (a CI job never hangs on a prompt).
import { createInterface } from "node:readline/promises";
import { UsageError } from "./usage-error.js";

export function confirmer(autoApprove: boolean, what: string): () => Promise<boolean> {
  return async () => {
    if (autoApprove) return true;
    if (!process.stdin.isTTY) {
      throw new UsageError(`not a terminal: pass --auto-approve to ${what} without asking`);
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`\nDo you want to ${what}? Only "yes" will be accepted: `);
      return answer.trim() === "yes";
    } finally {
      rl.close();
    }
  };
}

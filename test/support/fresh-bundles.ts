// vitest globalSetup: the action and CLI tests run the built bundles in actions/dist, so a run
// after editing actions/src without `npm run build` would test old code and could pass. Refuse
// to start instead. Builds in memory only: nothing on disk changes.
import { staleBundles } from "../../scripts/bundles.mjs";

export default async function setup(): Promise<void> {
  const stale = await staleBundles();
  if (stale.length > 0) {
    throw new Error(
      `the bundles are stale (${stale.slice(0, 5).join(", ")}${stale.length > 5 ? ", ..." : ""}): run npm run build, then the tests`,
    );
  }
}

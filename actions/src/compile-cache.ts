// V8's code cache on disk for the bundles (Node >= 22.1: module.enableCompileCache()): a later
// start in the same job (plan, then apply, then train) or on the same machine skips compiling the
// SDK again. The entries call it before they import the code they run, which is why they import
// it dynamically. Node 20 has no such function and simply compiles every time.
import * as nodeModule from "node:module";

export function enableCompileCache(): void {
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
}

// Types for bundles.mjs, which the test setup imports.
export declare const DIST_DIRS: readonly string[];
export declare function buildBundles(options: { write: boolean }): Promise<Map<string, Uint8Array>>;
export declare function staleBundles(): Promise<string[]>;

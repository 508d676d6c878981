// The one definition of what ships bundled: every action/CLI entry into actions/dist/ (ESM with
// shared chunks, so the AWS SDK is bundled once) and the Lambda handler into lambda/dist/.
// Output is deterministic, so a stale committed bundle can be told from a fresh build.
import { build } from "esbuild";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
export const DIST_DIRS = ["actions/dist", "lambda/dist"];

// Bundled CommonJS dependencies call require(); give the ESM output one.
const requireShim =
  "import { createRequire as __mlopsCreateRequire } from 'node:module';" +
  "const require = __mlopsCreateRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  legalComments: "none",
  logLevel: "warning",
  minifySyntax: true,
  minifyWhitespace: true,
  charset: "utf8",
  banner: { js: requireShim },
  // The ESM builds of packages that offer one, the AWS SDK's above all (dist-es: a module per
  // command, where dist-cjs is one file per service): commands never sent are left out and no
  // exports are copied at import. Start-up and size: bench/RESULTS.md, "Start-up".
  mainFields: ["module", "main"],
};

function entryPoints() {
  const entriesDir = join(root, "actions/src/entries");
  return readdirSync(entriesDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort()
    .map((f) => join(entriesDir, f));
}

/**
 * Builds every bundle. With write: false nothing touches the disk; the result maps each output
 * path (relative to the repository) to its bytes.
 */
export async function buildBundles({ write }) {
  if (write) for (const dir of DIST_DIRS) rmSync(join(root, dir), { recursive: true, force: true });
  const results = await Promise.all([
    build({
      ...common,
      write,
      entryPoints: entryPoints(),
      outdir: join(root, "actions/dist"),
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      outExtension: { ".js": ".js" },
    }),
    build({
      ...common,
      write,
      entryPoints: [join(root, "lambda/src/handler.ts")],
      outfile: join(root, "lambda/dist/index.mjs"),
      // The Node.js Lambda runtime ships AWS SDK v3; bundling it would only grow the zip.
      external: ["@aws-sdk/*"],
    }),
  ]);
  const outputs = new Map();
  for (const result of results) {
    for (const file of result.outputFiles ?? [])
      outputs.set(relative(root, file.path), file.contents);
  }
  return outputs;
}

/** The bundles on disk that differ from a fresh build, are missing, or are left over. */
export async function staleBundles() {
  const fresh = await buildBundles({ write: false });
  const stale = [];
  for (const [path, contents] of fresh) {
    const full = join(root, path);
    if (!existsSync(full) || !readFileSync(full).equals(contents)) stale.push(path);
  }
  for (const dir of DIST_DIRS) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = relative(root, join(entry.parentPath, entry.name));
      if (!fresh.has(path)) stale.push(path);
    }
  }
  return stale.sort();
}

// One build for everything that ships bundled: every action/CLI entry into actions/dist/
// (ESM with shared chunks, so the AWS SDK is bundled once) and the Lambda handler into
// lambda/dist/. Output is deterministic so CI can fail when the committed dist is stale.
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const entriesDir = join(root, "actions/src/entries");
const entryPoints = readdirSync(entriesDir)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .sort()
  .map((f) => join(entriesDir, f));

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
};

rmSync(join(root, "actions/dist"), { recursive: true, force: true });
await build({
  ...common,
  entryPoints,
  outdir: join(root, "actions/dist"),
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".js" },
  banner: { js: requireShim },
});

rmSync(join(root, "lambda/dist"), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(root, "lambda/src/handler.ts")],
  outfile: join(root, "lambda/dist/index.mjs"),
  // The Node.js Lambda runtime ships AWS SDK v3; bundling it would only grow the zip.
  external: ["@aws-sdk/*"],
  banner: { js: requireShim },
});

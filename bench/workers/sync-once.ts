// One run of our data sync as its own process (as `mlops sync` / the action runs it), so its
// timing includes process start like the AWS CLI's does:
//   node bench/out/bundle/sync-once.mjs DIR BUCKET PREFIX
// builds the manifest of DIR (content hashes), syncs it to s3://BUCKET/PREFIX and prints one JSON
// line: phase times, what was uploaded, and every HTTP request the SDK sent (counted by a
// middleware in the deserialize step, which runs once per attempt, retries included).
import { performance } from "node:perf_hooks";
import { createClients } from "../../actions/src/aws/clients.js";
import { buildLocalManifest, syncDataset } from "../../actions/src/data-sync/index.js";
import { silentLogger } from "../../actions/src/logger.js";

const started = performance.now();
const [dir, bucket, prefix] = process.argv.slice(2);
if (dir === undefined || bucket === undefined || prefix === undefined) {
  throw new Error("usage: sync-once DIR BUCKET PREFIX");
}
const { s3 } = createClients(process.env["AWS_REGION"] ?? "us-east-1");
const sent: Record<string, number> = {};
s3.middlewareStack.add(
  (next, context) => async (args) => {
    const name = context.commandName ?? "unknown";
    sent[name] = (sent[name] ?? 0) + 1;
    return next(args);
  },
  { step: "deserialize", name: "benchRequestCounter" },
);
const manifestStart = performance.now();
const manifest = await buildLocalManifest(dir, []);
const manifestMs = performance.now() - manifestStart;
const result = await syncDataset({
  s3,
  bucket,
  prefix,
  sourceDir: dir,
  manifest,
  delete: false,
  logger: silentLogger,
});
const total = performance.now() - started;
console.log(
  JSON.stringify({
    inProcessMs: Math.round(total),
    manifestMs: Math.round(manifestMs),
    files: manifest.files.length,
    uploaded: result.uploaded,
    unchanged: result.unchanged,
    requests: sent,
  }),
);

// One run of our data sync as its own process, so its timing includes process start like the
// AWS CLI's does:
//   node bench/out/bundle/sync-once.mjs MODE DIR BUCKET PREFIX CACHE_DIR
// MODE "reconcile" is what every `mlops plan` / `apply` (and so every merge) does with the data
// set: hash the folder (files whose size, times and inode are unchanged come from the stat cache
// in CACHE_DIR), read the manifest recorded by the last sync, and only when they differ list the
// prefix, upload what differs by content and record the new manifest. MODE "verify" is
// `mlops sync`: the same, but always checked against a listing of the prefix.
// Prints one JSON line: phase times, files hashed, what was uploaded, and every HTTP request the
// SDK sent (counted by a middleware in the deserialize step: once per attempt, retries included).
import { performance } from "node:perf_hooks";
import { silentLogger } from "../../actions/src/logger.js";
import { systemClock } from "../../actions/src/clock.js";
import type { DatasetSpec } from "../../actions/src/graph/data-nodes.js";
import { createClients } from "../../actions/src/aws/clients.js";
import type { HandlerContext } from "../../actions/src/resources/handler.js";
import {
  datasetHandlerWith,
  type PreparedDatasetSpec,
} from "../../actions/src/resources/s3/dataset.js";

const started = performance.now();
const [mode, dir, bucket, prefix, cacheDir] = process.argv.slice(2);
if (
  (mode !== "reconcile" && mode !== "verify") ||
  dir === undefined ||
  bucket === undefined ||
  prefix === undefined ||
  cacheDir === undefined
) {
  throw new Error("usage: sync-once reconcile|verify DIR BUCKET PREFIX CACHE_DIR");
}
// The clients every command makes (endpoint and credentials from the environment).
const clients = createClients(process.env["AWS_REGION"] ?? "us-east-1");
const s3 = clients.s3;
const sent: Record<string, number> = {};
const uploaded = new Set<string>();
s3.middlewareStack.add(
  (next, context) => async (args) => {
    const name = context.commandName ?? "unknown";
    sent[name] = (sent[name] ?? 0) + 1;
    const key = (args.input as { Key?: string }).Key;
    if (
      (name === "PutObjectCommand" || name === "CreateMultipartUploadCommand") &&
      key?.startsWith(prefix) === true
    )
      uploaded.add(key);
    return next(args);
  },
  { step: "deserialize", name: "benchRequestCounter" },
);
const ctx: HandlerContext = {
  clients,
  logger: silentLogger,
  clock: systemClock,
  graph: { project: "bench", region: "us-east-1", account: "123456789012", partition: "aws" },
  signal: new AbortController().signal,
  cacheDir,
};
const datasetHandler = datasetHandlerWith({ verifyData: mode === "verify" });
const spec: DatasetSpec = {
  bucket,
  prefix,
  source: { kind: "local", path: dir },
  delete: false,
  exclude: [],
  manifest: { bucket, key: `.mlops/${prefix.replace(/\/+$/, "")}-manifest.json` },
};

const prepareStart = performance.now();
const node = await datasetHandler.prepare?.(
  {
    address: "s3.dataset.data",
    kind: "s3.dataset",
    name: `s3://${bucket}/${prefix}`,
    tags: {},
    spec: spec as PreparedDatasetSpec,
    dependsOn: [],
  },
  ctx,
  new Map(),
);
if (node === undefined) throw new Error("s3.dataset has no prepare step");
const prepareMs = performance.now() - prepareStart;
const observed = await datasetHandler.read(node, ctx);
const change = observed === undefined ? undefined : datasetHandler.diff(node, observed);
let synced = false;
if (observed === undefined) {
  await datasetHandler.create(node, ctx);
  synced = true;
} else if (change !== undefined && (change.action !== "noop" || mode === "verify")) {
  await datasetHandler.update(node, observed, change, ctx);
  synced = true;
}
console.log(
  JSON.stringify({
    inProcessMs: Math.round(performance.now() - started),
    cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    prepareMs: Math.round(prepareMs),
    files: node.spec.fileCount,
    synced,
    uploaded: uploaded.size,
    requests: sent,
  }),
);

// `mlops invoke --image PATH | --url URL`: classifies one image through the deployed Function
// URL (lambda.url) the way a client would, SigV4-signed when the URL's auth is AWS_IAM, and
// prints the labels as a table or JSON.
import { readFileSync } from "node:fs";
import { callFunctionUrl } from "../invoke/function-url-client.js";
import { predictionsOf, predictionsTable } from "../invoke/predictions.js";
import { OperationalError } from "../operational-errors.js";
import { deployedFunctionUrl } from "../resources/lambda/function-url.js";
import { withSession, type EngineOptions } from "./engine-command.js";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

export interface InvokeOptions extends EngineOptions {
  image?: string | undefined;
  url?: string | undefined;
  topK?: string | undefined;
  format: "table" | "json";
}

function requestBody(o: InvokeOptions): string {
  if ((o.image === undefined) === (o.url === undefined))
    throw new UsageError("invoke needs exactly one of --image PATH or --url URL");
  if (o.url !== undefined) return JSON.stringify({ url: o.url });
  let bytes: Buffer;
  try {
    bytes = readFileSync(o.image ?? "");
  } catch (error) {
    throw new UsageError(`--image ${o.image ?? ""}: ${(error as Error).message}`);
  }
  return JSON.stringify({ image: bytes.toString("base64") });
}

function topK(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError("--top-k must be a positive integer");
  return n;
}

export async function invokeCommand(options: InvokeOptions, io: Output): Promise<number> {
  const body = requestBody(options);
  const k = topK(options.topK);
  return withSession(options, async (session) => {
    if (!session.config.lambda?.url)
      throw new OperationalError(
        "the config has no Function URL: add lambda.url (see config/full.example.yaml) and apply",
      );
    const deployed = await deployedFunctionUrl(session.graph, session.ctx);
    if (deployed === undefined)
      throw new OperationalError("the Function URL is not deployed yet: run mlops apply");
    const response = await callFunctionUrl({
      url: deployed.url,
      authType: deployed.authType,
      body,
      contentType: "application/json",
    });
    const predictions = predictionsOf(response.status, response.body).slice(0, k);
    io.out(
      options.format === "json"
        ? JSON.stringify({ url: deployed.url, predictions }, null, 2)
        : predictionsTable(predictions),
    );
    return 0;
  });
}

// One HTTPS request to a Lambda Function URL: signed with SigV4 (service `lambda`) when the URL's
// auth is AWS_IAM, with the caller's credentials from the SDK's default chain. Where the SDK is
// pointed elsewhere (AWS_ENDPOINT_URL_LAMBDA or AWS_ENDPOINT_URL: the local emulator) the request
// goes to that address with the URL's Host, which is what the signature covers.
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { OperationalError } from "../operational-errors.js";

export interface FunctionUrlRequest {
  /** The Function URL, https://<id>.lambda-url.<region>.on.aws/ */
  url: string;
  authType: "AWS_IAM" | "NONE";
  body: string;
  contentType: string;
  /** Default: the SDK's chain (environment, profile, SSO, instance role...). */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]["credentials"];
  /** Where to connect instead of the URL's host (default: the SDK's endpoint variables). */
  connectTo?: string;
}

export interface FunctionUrlResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/** The region a Function URL is in, from its host name. */
export function functionUrlRegion(url: URL): string {
  const region = URL_HOST.exec(url.hostname)?.[1];
  if (region === undefined)
    throw new OperationalError(
      `${url.href} is not a Lambda Function URL (https://<id>.lambda-url.<region>.on.aws/)`,
    );
  return region;
}

export async function callFunctionUrl(req: FunctionUrlRequest): Promise<FunctionUrlResponse> {
  const url = new URL(req.url);
  const headers: Record<string, string> = {
    host: url.host,
    "content-type": req.contentType,
  };
  const query = Object.fromEntries(url.searchParams);
  const unsigned = {
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query,
    headers,
    body: req.body,
  };
  const signed =
    req.authType === "AWS_IAM"
      ? await new SignatureV4({
          service: "lambda",
          region: functionUrlRegion(url),
          credentials: req.credentials ?? defaultProvider(),
          sha256: Hash.bind(null, "sha256"),
        }).sign(unsigned)
      : unsigned;
  const connectTo =
    req.connectTo ?? process.env["AWS_ENDPOINT_URL_LAMBDA"] ?? process.env["AWS_ENDPOINT_URL"];
  const target = connectTo === undefined ? url : new URL(connectTo);
  return send(target, `${url.pathname}${url.search}`, signed.headers, req.body);
}

function send(
  target: URL,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<FunctionUrlResponse> {
  const request = target.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port === "" ? undefined : Number(target.port),
        method: "POST",
        path,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => {
          chunks.push(c);
        });
        res.on("end", () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", (error) => {
      reject(new OperationalError(`calling ${target.origin}: ${error.message}`));
    });
    req.end(body);
  });
}

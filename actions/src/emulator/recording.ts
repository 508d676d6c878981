// Parses moto's request recording (one JSON object per line) into AWS operations, so tests can
// assert what a command did, e.g. that `plan` made no mutating call.

export interface RecordedRequest {
  /** Signing name from the SigV4 credential scope: s3, sagemaker, lambda, iam, ... */
  readonly service: string;
  /** AWS operation name (e.g. UpdateEndpoint); `${method} ${path}` when it cannot be told. */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly userAgent: string;
  /** True for Get/List/Describe/Head/... operations (and GET/HEAD when the operation is unknown). */
  readonly readOnly: boolean;
}

interface RawEntry {
  readonly headers?: Record<string, string>;
  readonly method?: string;
  readonly url?: string;
  readonly body?: string | null;
  readonly body_encoded?: boolean;
}

const READ_ONLY_PREFIXES = ["Get", "List", "Describe", "Head", "Search", "BatchGet", "Select"];
const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isReadOnlyOperation(operation: string, method: string): boolean {
  if (operation.includes(" ")) return READ_ONLY_METHODS.has(method.toUpperCase());
  return READ_ONLY_PREFIXES.some((prefix) => operation.startsWith(prefix));
}

export function parseRecording(text: string): RecordedRequest[] {
  const result: RecordedRequest[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let entry: RawEntry;
    try {
      entry = JSON.parse(line) as RawEntry;
    } catch {
      continue; // a line cut short by a concurrent write: skip it rather than fail the test
    }
    result.push(toRequest(entry));
  }
  return result;
}

function header(entry: RawEntry, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(entry.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function bodyText(entry: RawEntry): string {
  const body = entry.body ?? "";
  return entry.body_encoded === true ? Buffer.from(body, "base64").toString("utf8") : body;
}

function serviceOf(entry: RawEntry): string {
  const auth = header(entry, "Authorization") ?? "";
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  return scope?.[1] ?? "unknown";
}

function toRequest(entry: RawEntry): RecordedRequest {
  const method = (entry.method ?? "GET").toUpperCase();
  const url = new URL(entry.url ?? "http://localhost/");
  const path = decodeURIComponent(url.pathname);
  const service = serviceOf(entry);
  const operation = operationOf(entry, service, method, url) ?? `${method} ${path}`;
  return {
    service,
    operation,
    method,
    path,
    userAgent: header(entry, "User-Agent") ?? "",
    readOnly: isReadOnlyOperation(operation, method),
  };
}

function operationOf(
  entry: RawEntry,
  service: string,
  method: string,
  url: URL,
): string | undefined {
  const target = header(entry, "X-Amz-Target");
  if (target !== undefined) return target.split(".").pop();
  const queryAction = url.searchParams.get("Action");
  if (queryAction !== null) return queryAction;
  const contentType = header(entry, "Content-Type") ?? "";
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    const action = new URLSearchParams(bodyText(entry)).get("Action");
    if (action !== null) return action;
  }
  if (service === "lambda") return lambdaOperation(method, url);
  if (service === "s3") return s3Operation(entry, method, url);
  return undefined;
}

type Route = readonly [method: string, path: RegExp, operation: string];

const LAMBDA_ROUTES: readonly Route[] = [
  ["GET", /^\/[^/]+\/functions\/?$/, "ListFunctions"],
  ["POST", /^\/[^/]+\/functions\/?$/, "CreateFunction"],
  ["GET", /^\/[^/]+\/functions\/[^/]+\/?$/, "GetFunction"],
  ["DELETE", /^\/[^/]+\/functions\/[^/]+\/?$/, "DeleteFunction"],
  ["GET", /\/configuration\/?$/, "GetFunctionConfiguration"],
  ["PUT", /\/configuration\/?$/, "UpdateFunctionConfiguration"],
  ["PUT", /\/code\/?$/, "UpdateFunctionCode"],
  ["GET", /\/versions\/?$/, "ListVersionsByFunction"],
  ["POST", /\/versions\/?$/, "PublishVersion"],
  ["GET", /\/aliases\/?$/, "ListAliases"],
  ["POST", /\/aliases\/?$/, "CreateAlias"],
  ["GET", /\/aliases\/[^/]+$/, "GetAlias"],
  ["PUT", /\/aliases\/[^/]+$/, "UpdateAlias"],
  ["DELETE", /\/aliases\/[^/]+$/, "DeleteAlias"],
  ["GET", /\/concurrency\/?$/, "GetFunctionConcurrency"],
  ["PUT", /\/concurrency\/?$/, "PutFunctionConcurrency"],
  ["DELETE", /\/concurrency\/?$/, "DeleteFunctionConcurrency"],
  ["GET", /\/provisioned-concurrency\/?$/, "GetProvisionedConcurrencyConfig"],
  ["PUT", /\/provisioned-concurrency\/?$/, "PutProvisionedConcurrencyConfig"],
  ["DELETE", /\/provisioned-concurrency\/?$/, "DeleteProvisionedConcurrencyConfig"],
  ["GET", /\/account-settings\/?$/, "GetAccountSettings"],
  ["POST", /\/invocations\/?$/, "Invoke"],
  ["GET", /\/policy\/?$/, "GetPolicy"],
  ["POST", /\/policy\/?$/, "AddPermission"],
  ["DELETE", /\/policy\/[^/]+$/, "RemovePermission"],
  ["GET", /\/url\/?$/, "GetFunctionUrlConfig"],
  ["POST", /\/url\/?$/, "CreateFunctionUrlConfig"],
  ["PUT", /\/url\/?$/, "UpdateFunctionUrlConfig"],
  ["DELETE", /\/url\/?$/, "DeleteFunctionUrlConfig"],
  ["GET", /\/tags\/.+$/, "ListTags"],
  ["POST", /\/tags\/.+$/, "TagResource"],
  ["DELETE", /\/tags\/.+$/, "UntagResource"],
];

function lambdaOperation(method: string, url: URL): string | undefined {
  const path = url.pathname;
  if (
    method === "GET" &&
    /\/provisioned-concurrency\/?$/.test(path) &&
    url.searchParams.has("List")
  ) {
    return "ListProvisionedConcurrencyConfigs";
  }
  return LAMBDA_ROUTES.find(([m, re]) => m === method && re.test(path))?.[2];
}

const S3_VERBS: Readonly<Record<string, string>> = { GET: "Get", PUT: "Put", DELETE: "Delete" };
/** A bucket listing's query parameters: not a subresource (?tagging, ?publicAccessBlock, ...). */
const LISTING_PARAMETERS = new Set([
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "start-after",
  "continuation-token",
  "encoding-type",
  "fetch-owner",
  "marker",
]);

function pascal(word: string): string {
  return word
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

function s3Operation(entry: RawEntry, method: string, url: URL): string | undefined {
  const q = url.searchParams;
  const parts = url.pathname.split("/").filter((part) => part !== "");
  if (parts.length === 0) return method === "GET" ? "ListBuckets" : undefined;
  if (parts.length === 1) {
    if (method === "POST" && q.has("delete")) return "DeleteObjects";
    if (method === "GET" && q.has("uploads")) return "ListMultipartUploads";
    if (method === "GET" && q.has("versions")) return "ListObjectVersions";
    const sub = [...q.keys()].find((key) => !LISTING_PARAMETERS.has(key));
    const verb = S3_VERBS[method];
    if (sub !== undefined && verb !== undefined && /^[a-zA-Z-]+$/.test(sub)) {
      return `${verb}Bucket${pascal(sub)}`;
    }
    switch (method) {
      case "PUT":
        return "CreateBucket";
      case "DELETE":
        return "DeleteBucket";
      case "HEAD":
        return "HeadBucket";
      case "GET":
        return q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      default:
        return undefined;
    }
  }
  const multipart = q.has("uploadId");
  switch (method) {
    case "PUT":
      if (multipart) return "UploadPart";
      if (header(entry, "x-amz-copy-source") !== undefined) return "CopyObject";
      return q.has("tagging") ? "PutObjectTagging" : "PutObject";
    case "GET":
      if (multipart) return "ListParts";
      return q.has("tagging") ? "GetObjectTagging" : "GetObject";
    case "HEAD":
      return "HeadObject";
    case "DELETE":
      return multipart ? "AbortMultipartUpload" : "DeleteObject";
    case "POST":
      if (q.has("uploads")) return "CreateMultipartUpload";
      return multipart ? "CompleteMultipartUpload" : undefined;
    default:
      return undefined;
  }
}

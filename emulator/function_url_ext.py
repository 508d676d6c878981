"""Lambda Function URLs as AWS has them, which moto 5.2.1 lacks.

Management API (patched onto ``LambdaResponse``, so moto routes and records the calls):

- ``Create/Get/Update/DeleteFunctionUrlConfig`` per function *and qualifier* (moto keeps one URL
  per function and ignores ``Qualifier``): an alias or ``$LATEST``, never a version number;
  ``ResourceConflictException`` for a second create, ``ResourceNotFoundException`` for an unknown
  function, alias or URL. ``FunctionArn`` is the qualified ARN. Update replaces ``Cors`` as given
  (an empty ``Cors`` clears it); deleting the function deletes its URLs.
- ``AddPermission`` / ``GetPolicy`` / ``RemovePermission`` with a ``Qualifier``: a resource policy
  of the alias itself (moto puts it on the version the alias points at and removes from
  ``$LATEST``), with ``FunctionUrlAuthType`` and ``InvokedViaFunctionUrl`` written as AWS writes
  them, as conditions. Unqualified requests stay moto's.

Serving: a request whose ``Host`` is a URL's (``<id>.lambda-url.<region>.on.aws``; a client
reaches the emulator's port and keeps that Host) is answered here, before moto:

- CORS preflights are answered from the URL's ``Cors`` (the function is not invoked), and its
  CORS headers replace the function's on other answers, as AWS documents;
- ``AWS_IAM``: the SigV4 signature (service ``lambda``) is verified with the emulator's
  credentials (``testing``/``testing``, or the launcher's ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY``): missing -> 403 ``Forbidden``, wrong -> 403 signature mismatch,
  older than 5 minutes -> 403 expired. Identity policies are not evaluated;
- ``NONE``: the alias's resource policy must allow ``lambda:InvokeFunctionUrl`` to ``*`` with
  ``FunctionUrlAuthType`` NONE and ``lambda:InvokeFunction`` with ``InvokedViaFunctionUrl``
  (required since October 2025), else 403 ``Forbidden``;
- the function runs where a test or the demo registered it (``POST /_mlops/function-url-targets``
  ``{"FunctionName": "f", "Url": "http://127.0.0.1:PORT/"}``: the emulator POSTs the Function URL
  event, payload format 2.0, there and turns the answer back into HTTP), since moto cannot run
  Node functions. No target: 502.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from .state import MUTATION_LOCK

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

HOST = re.compile(r"^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.on\.aws(?::\d+)?$")
MAX_SKEW = timedelta(minutes=5)
NOT_FOUND = "The resource you requested does not exist."


class ResourceNotFound(LambdaClientError):
    code = 404

    def __init__(self, message: str = NOT_FOUND) -> None:
        super().__init__("ResourceNotFoundException", message)


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


@dataclass
class UrlConfig:
    url_id: str
    account: str
    region: str
    function_name: str
    function_arn: str
    auth_type: str
    cors: dict[str, Any] | None
    invoke_mode: str
    created: str
    modified: str

    @property
    def url(self) -> str:
        return f"https://{self.url_id}.lambda-url.{self.region}.on.aws/"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "FunctionUrl": self.url,
            "FunctionArn": self.function_arn,
            "AuthType": self.auth_type,
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
            "InvokeMode": self.invoke_mode,
        }
        if self.cors:
            body["Cors"] = self.cors
        return body


@dataclass
class AliasPolicy:
    statements: list[dict[str, Any]] = field(default_factory=list)
    revision: str = field(default_factory=lambda: str(uuid.uuid4()))


Key = tuple[str, str, str, str]  # account, region, function name, qualifier
URLS: dict[Key, UrlConfig] = {}
POLICIES: dict[Key, AliasPolicy] = {}
# function name -> where its code runs (registered by tests and the demo)
TARGETS: dict[str, str] = {}


def reset() -> None:
    with MUTATION_LOCK:
        URLS.clear()
        POLICIES.clear()
        TARGETS.clear()


def register_target(body: dict[str, Any]) -> dict[str, Any]:
    name, url = body.get("FunctionName"), body.get("Url")
    if not isinstance(name, str) or not isinstance(url, str):
        raise ValueError("FunctionName and Url are required strings")
    with MUTATION_LOCK:
        TARGETS[name] = url
    return {"targets": dict(TARGETS)}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _function_name(self: LambdaResponse) -> str:
    # /2021-10-31/functions/{FunctionName}/url, /2015-03-31/functions/{FunctionName}/policy[/sid]
    parts = self.path.rstrip("/").split("/")
    raw = unquote(parts[parts.index("functions") + 1])
    if raw.startswith("arn:"):
        _, name, _ = self.backend._lambdas.split_function_arn(raw)
        return str(name)
    return raw.split(":")[0]


def _qualifier(self: LambdaResponse) -> str | None:
    value = (self.querystring.get("Qualifier") or [None])[0]
    return str(value) if value else None


def _key(self: LambdaResponse, name: str, qualifier: str) -> Key:
    return (self.current_account, self.region, name, qualifier)


def _alias_or_404(self: LambdaResponse, name: str, alias: str) -> None:
    try:
        self.backend.get_alias(alias, name)
    except LambdaClientError as exc:
        raise ResourceNotFound(f"Function not found: {name}:{alias}") from exc


def _qualified_arn(self: LambdaResponse, name: str, qualifier: str) -> str:
    arn = str(self.backend.get_function(name).function_arn)
    return arn if qualifier == "$LATEST" else f"{arn}:{qualifier}"


def create_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    name = _function_name(self)
    qualifier = _url_qualifier(self, name)
    body = json.loads(self.body or "{}")
    with MUTATION_LOCK:
        key = _key(self, name, qualifier)
        if key in URLS:
            raise ResourceConflict(
                f"Failed to create function url config for [functionArn = "
                f"{_qualified_arn(self, name, qualifier)}]. Error message:  FunctionUrlConfig "
                "exists for this Lambda function"
            )
        now = _now()
        config = UrlConfig(
            url_id=uuid.uuid4().hex,
            account=self.current_account,
            region=self.region,
            function_name=name,
            function_arn=_qualified_arn(self, name, qualifier),
            auth_type=str(body["AuthType"]),
            cors=body.get("Cors") or None,
            invoke_mode=str(body.get("InvokeMode") or "BUFFERED"),
            created=now,
            modified=now,
        )
        URLS[key] = config
        return 201, {"status": 201}, json.dumps(config.to_json())


def _existing(self: LambdaResponse) -> tuple[Key, UrlConfig]:
    name = _function_name(self)
    qualifier = _url_qualifier(self, name)
    key = _key(self, name, qualifier)
    config = URLS.get(key)
    if config is None:
        raise ResourceNotFound()
    return key, config


def get_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    with MUTATION_LOCK:
        _, config = _existing(self)
        return 200, {}, json.dumps(config.to_json())


def update_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    body = json.loads(self.body or "{}")
    with MUTATION_LOCK:
        _, config = _existing(self)
        if "AuthType" in body:
            config.auth_type = str(body["AuthType"])
        if "Cors" in body:
            config.cors = body["Cors"] or None
        if "InvokeMode" in body:
            config.invoke_mode = str(body["InvokeMode"])
        config.modified = _now()
        return 200, {}, json.dumps(config.to_json())


def delete_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    with MUTATION_LOCK:
        key, _ = _existing(self)
        del URLS[key]
    return 204, {"status": 204}, ""


def _url_qualifier(self: LambdaResponse, name: str) -> str:
    self.backend.get_function(name)  # ResourceNotFoundException for an unknown function
    qualifier = _qualifier(self)
    if qualifier is None or qualifier == "$LATEST":
        return "$LATEST"
    _alias_or_404(self, name, qualifier)
    return qualifier


# ---- resource policies of an alias -------------------------------------------------------

_original_add_permission = LambdaResponse.add_permission
_original_get_policy = LambdaResponse.get_policy
_original_remove_permission = LambdaResponse.remove_permission


def _policy_statement(self: LambdaResponse, name: str, qualifier: str) -> dict[str, Any]:
    body = json.loads(self.body or "{}")
    principal = str(body["Principal"])
    if principal.endswith(".amazonaws.com"):
        principal_json: Any = {"Service": principal}
    elif principal == "*":
        principal_json = "*"
    else:
        principal_json = {"AWS": principal}
    statement: dict[str, Any] = {
        "Sid": body["StatementId"],
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": body["Action"],
        "Resource": _qualified_arn(self, name, qualifier),
    }
    condition: dict[str, dict[str, str]] = {}
    if body.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(
            body["FunctionUrlAuthType"]
        )
    if body.get("InvokedViaFunctionUrl") is not None:
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = str(
            bool(body["InvokedViaFunctionUrl"])
        ).lower()
    if body.get("SourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = str(body["SourceArn"])
    if body.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = str(body["SourceAccount"])
    if condition:
        statement["Condition"] = condition
    return statement


def add_permission(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_add_permission(self)
    name = _function_name(self)
    self.backend.get_function(name, qualifier)  # unknown function, version or alias -> 404
    statement = _policy_statement(self, name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.setdefault(_key(self, name, qualifier), AliasPolicy())
        if any(s["Sid"] == statement["Sid"] for s in policy.statements):
            raise ResourceConflict(
                f"The statement id ({statement['Sid']}) provided already exists. Please provide "
                "a new statement id, or remove the existing statement."
            )
        policy.statements.append(statement)
        policy.revision = str(uuid.uuid4())
    return 201, {"status": 201}, json.dumps({"Statement": json.dumps(statement)})


def get_policy(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_get_policy(self)
    name = _function_name(self)
    self.backend.get_function(name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.get(_key(self, name, qualifier))
        if policy is None or not policy.statements:
            raise ResourceNotFound()
        document = {"Version": "2012-10-17", "Id": "default", "Statement": policy.statements}
        return 200, {}, json.dumps({"Policy": json.dumps(document), "RevisionId": policy.revision})


def remove_permission(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_remove_permission(self)
    name = _function_name(self)
    sid = unquote(self.path.rstrip("/").split("/")[-1])
    self.backend.get_function(name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.get(_key(self, name, qualifier))
        if policy is None or not any(s["Sid"] == sid for s in policy.statements):
            raise ResourceNotFound(f"Statement {sid} is not found in resource policy.")
        policy.statements = [s for s in policy.statements if s["Sid"] != sid]
        policy.revision = str(uuid.uuid4())
    return 204, {"status": 204}, ""


_original_delete_function = LambdaBackend.delete_function


def delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> None:
    """Deleting a function deletes its URLs and alias policies, as on AWS."""
    _original_delete_function(self, function_name, qualifier)
    name = (
        function_name.rsplit(":", maxsplit=1)[-1]
        if function_name.startswith("arn:")
        else function_name
    )
    if qualifier is None:
        with MUTATION_LOCK:
            for store in (URLS, POLICIES):
                ours = (self.account_id, self.region_name, name)
                for key in [k for k in store if k[:3] == ours]:
                    del store[key]


# ---- serving the URLs ----------------------------------------------------------------------


def _credentials() -> dict[str, str]:
    known = {"testing": "testing"}
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        known[key] = secret
    return known


Answer = tuple[int, dict[str, str], bytes]


def _forbidden(message: str = "Forbidden", key: str = "Message") -> Answer:
    return 403, {"Content-Type": "application/json"}, json.dumps({key: message}).encode()


_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True)
class Incoming:
    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def _scope_problem(service: str, signed: list[str], amz_date: str) -> str | None:
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "Authorization header requires 'X-Amz-Date'"
    if abs(datetime.now(UTC) - when) > MAX_SKEW:
        return "Signature expired"
    if service != "lambda":
        return "Credential should be scoped to correct service: 'lambda'."
    if "host" not in signed:
        return "'Host' must be a 'SignedHeader' in the AWS Authorization."
    return None


def signature_problem(request: Incoming) -> Answer | None:
    """Why AWS would refuse this request's SigV4 signature (service lambda), or None."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return _forbidden()
    match = _AUTH.match(authorization.strip())
    if match is None:
        return _forbidden("Authorization header is malformed", "message")
    access_key, _date, region, service, signed, signature = match.groups()
    secret = _credentials().get(access_key)
    if secret is None:
        return _forbidden("The security token included in the request is invalid.", "message")
    names = signed.split(";")
    amz_date = request.headers.get("x-amz-date", "")
    scope = _scope_problem(service, names, amz_date)
    if scope is not None:
        return _forbidden(scope, "message")
    signed_headers = {n: request.headers.get(n, "") for n in names}
    signed_headers["host"] = request.host
    query = f"?{request.query}" if request.query else ""
    aws_request = AWSRequest(
        method=request.method,
        url=f"https://{request.host}{request.path}{query}",
        headers=signed_headers,
        data=request.body,
    )
    aws_request.context["timestamp"] = amz_date
    token = request.headers.get("x-amz-security-token")
    auth = SigV4Auth(Credentials(access_key, secret, token), "lambda", region)
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, signature):
        return _forbidden(MISMATCH, "message")
    return None


def _public_allowed(config: UrlConfig, qualifier: str) -> bool:
    policy = POLICIES.get((config.account, config.region, config.function_name, qualifier))
    statements = policy.statements if policy else []

    def allows(action: str, condition: tuple[str, str, str]) -> bool:
        kind, name, value = condition
        return any(
            s.get("Principal") == "*"
            and s.get("Action") in (action, "lambda:*")
            and s.get("Condition", {}).get(kind, {}).get(name) == value
            for s in statements
        )

    return allows(
        "lambda:InvokeFunctionUrl", ("StringEquals", "lambda:FunctionUrlAuthType", "NONE")
    ) and allows("lambda:InvokeFunction", ("Bool", "lambda:InvokedViaFunctionUrl", "true"))


def _origin_allowed(cors: dict[str, Any], origin: str) -> str | None:
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def _cors_headers(cors: dict[str, Any] | None, origin: str | None) -> dict[str, str]:
    if not cors or not origin:
        return {}
    allowed = _origin_allowed(cors, origin)
    if allowed is None:
        return {}
    out = {"Access-Control-Allow-Origin": allowed}
    if cors.get("ExposeHeaders"):
        out["Access-Control-Expose-Headers"] = ", ".join(cors["ExposeHeaders"])
    if cors.get("AllowCredentials"):
        out["Access-Control-Allow-Credentials"] = "true"
    return out


def _preflight(cors: dict[str, Any], origin: str) -> Answer:
    headers = _cors_headers(cors, origin)
    if headers:
        if cors.get("AllowMethods"):
            headers["Access-Control-Allow-Methods"] = ", ".join(cors["AllowMethods"])
        if cors.get("AllowHeaders"):
            headers["Access-Control-Allow-Headers"] = ", ".join(cors["AllowHeaders"])
        if cors.get("MaxAge"):
            headers["Access-Control-Max-Age"] = str(cors["MaxAge"])
    return 200, headers, b""


def _event(
    config: UrlConfig, environ: dict[str, Any], headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    now = datetime.now(UTC)
    path = str(environ.get("PATH_INFO") or "/")
    query = str(environ.get("QUERY_STRING") or "")
    text_body: str | None
    try:
        text_body, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text_body, encoded = base64.b64encode(body).decode(), True
    content_type = headers.get("content-type", "")
    if body and not content_type.startswith(("application/json", "text/")):
        text_body, encoded = base64.b64encode(body).decode(), True
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        **({"queryStringParameters": dict(parse_qsl(query))} if query else {}),
        "requestContext": {
            "accountId": "anonymous" if config.auth_type == "NONE" else config.account,
            "apiId": config.url_id,
            "domainName": f"{config.url_id}.lambda-url.{config.region}.on.aws",
            "domainPrefix": config.url_id,
            "http": {
                "method": str(environ.get("REQUEST_METHOD", "GET")),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": str(environ.get("REMOTE_ADDR", "127.0.0.1")),
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        **({"body": text_body} if body else {}),
        "isBase64Encoded": encoded,
    }


def _invoke(config: UrlConfig, event: dict[str, Any]) -> Answer:
    target = TARGETS.get(config.function_name)
    if target is None:
        return (
            502,
            {"Content-Type": "application/json"},
            json.dumps(
                {
                    "Message": f"no local runtime for {config.function_name}: register one with "
                    'POST /_mlops/function-url-targets {"FunctionName": ..., "Url": ...}'
                }
            ).encode(),
        )
    request = urllib.request.Request(
        target,
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.loads(response.read() or b"null")
    except (urllib.error.URLError, json.JSONDecodeError, TimeoutError):
        return 502, {"Content-Type": "application/json"}, b'{"Message":"Internal Server Error"}'
    if not isinstance(result, dict) or "statusCode" not in result:
        # Lambda's rule: an answer without statusCode is the body of a 200 JSON response.
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()
    raw = str(result.get("body") or "")
    payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    return int(result["statusCode"]), headers, payload


def serve(environ: dict[str, Any], url_id: str) -> Answer:
    with MUTATION_LOCK:
        found = [(k, c) for k, c in URLS.items() if c.url_id == url_id]
    if not found:
        return 404, {"Content-Type": "application/json"}, b'{"Message":null}'
    (_, _, _, qualifier), config = found[0]
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    method = str(environ.get("REQUEST_METHOD", "GET"))
    origin = headers.get("origin")
    if (
        config.cors
        and method == "OPTIONS"
        and origin
        and "access-control-request-method" in headers
    ):
        return _preflight(config.cors, origin)
    if config.auth_type == "AWS_IAM":
        refused = signature_problem(
            Incoming(
                method=method,
                host=headers.get("host", ""),
                path=str(environ.get("PATH_INFO") or "/"),
                query=str(environ.get("QUERY_STRING") or ""),
                headers=headers,
                body=body,
            )
        )
        if refused is not None:
            return refused
    elif not _public_allowed(config, qualifier):
        return _forbidden()
    status, out_headers, payload = _invoke(config, _event(config, environ, headers, body))
    if config.cors:
        out_headers = {
            k: v for k, v in out_headers.items() if not k.lower().startswith("access-control-")
        }
        out_headers.update(_cors_headers(config.cors, origin))
    return status, out_headers, payload


REASONS = {200: "OK", 204: "No Content", 403: "Forbidden", 404: "Not Found", 502: "Bad Gateway"}


def with_function_urls(app: WsgiApp) -> WsgiApp:
    """Answer requests for a Function URL's host here; everything else goes to ``app``."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = HOST.match(str(environ.get("HTTP_HOST", "")).lower())
        if match is None:
            return app(environ, start_response)
        status, headers, payload = serve(environ, match.group(1))
        reason = REASONS.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [*headers.items(), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    return wrapped


def install() -> None:
    methods = {
        "create_function_url_config": create_function_url_config,
        "get_function_url_config": get_function_url_config,
        "update_function_url_config": update_function_url_config,
        "delete_function_url_config": delete_function_url_config,
        "add_permission": add_permission,
        "get_policy": get_policy,
        "remove_permission": remove_permission,
    }
    for method_name, method in methods.items():
        setattr(LambdaResponse, method_name, method)
    LambdaBackend.delete_function = delete_function  # type: ignore[method-assign]

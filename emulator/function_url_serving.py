"""Serving emulated Lambda Function URLs, which moto 5.2.1 does not.

A request whose ``Host`` is a URL's (``<id>.lambda-url.<region>.on.aws``; a client reaches the
emulator's port and keeps that Host) is answered here, before the strict front and moto:

- CORS preflights are answered from the URL's ``Cors`` (the function is not invoked), and its
  CORS headers replace the function's on other answers, as AWS documents;
- who may call it is function_url_auth.py's;
- the function runs where a test or the demo registered it (``POST /_mlops/function-url-targets``
  ``{"FunctionName": "f", "Url": "http://127.0.0.1:PORT/"}``): the emulator POSTs the Function
  URL event (payload format 2.0) there and turns the answer back into HTTP, since moto cannot
  run Node functions. No target: 502.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from .function_url_auth import Answer, Incoming, forbidden, public_allowed, signature_problem
from .function_url_ext import URLS, UrlConfig
from .state import MUTATION_LOCK

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

HOST = re.compile(r"^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.on\.aws(?::\d+)?$")
# function name -> where its code runs (registered by tests and the demo)
TARGETS: dict[str, str] = {}


def reset() -> None:
    with MUTATION_LOCK:
        TARGETS.clear()


def register_target(body: dict[str, Any]) -> dict[str, Any]:
    name, url = body.get("FunctionName"), body.get("Url")
    if not isinstance(name, str) or not isinstance(url, str):
        raise ValueError("FunctionName and Url are required strings")
    with MUTATION_LOCK:
        TARGETS[name] = url
    return {"targets": dict(TARGETS)}


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
    elif not public_allowed(config, qualifier):
        return forbidden()
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

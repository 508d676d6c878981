"""The strict front: every request to a service the tool uses is checked as AWS checks it.

moto accepts many requests AWS refuses (a tag value with a comma, 101 hyperparameters, an
unknown instance type). This WSGI layer sits in front of moto and, for the services in
``SERVICES``, finds the operation, parses the wire request back into parameters with moto's own
protocol parsers (``moto.core.parse``: json body, query/ec2 form fields, rest URI labels,
querystring, headers and payload), checks them against botocore's model of the service
(``model_check``) and the documented limits the model does not carry (``documented_limits``),
and answers a violation the way the service does, before moto sees the request.

Cost: service models, URI route tables, compiled patterns and per-shape checks are built once;
a request pays for one parse of its (small) body and a walk over its parameters. Streaming
payloads (S3 object bodies and parts) are never read here.
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from botocore.model import OperationModel, ServiceModel
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.utils import get_service_model
from werkzeug.datastructures import EnvironHeaders, MultiDict

from . import documented_limits
from .control import StartResponse, WsgiApp
from .model_check import Violation, check_request, summary

# SigV4 signing name -> botocore service name, for every service actions/src/aws/clients.ts
# and the EC2 runner's SSM client create. ("sagemaker" signs both the control plane (json, with
# X-Amz-Target) and the runtime (rest-json, InvokeEndpoint).)
SERVICES = {
    "sagemaker": "sagemaker",
    "logs": "logs",
    "application-autoscaling": "application-autoscaling",
    "lambda": "lambda",
    "iam": "iam",
    "sts": "sts",
    "ec2": "ec2",
    "s3": "s3",
    "ssm": "ssm",
    "monitoring": "cloudwatch",
    "tagging": "resourcegroupstaggingapi",
}

# Services whose model lists several protocols: the one the tool's SDK clients speak
# (CloudWatch's model leads with smithy-rpc-v2-cbor; @aws-sdk/client-cloudwatch sends JSON 1.0
# with X-Amz-Target).
WIRE_PROTOCOLS = {"cloudwatch": "json"}

# The error code each service answers a model violation with (HTTP 400). EC2 and S3 are not
# model-validated front ends and word their errors per parameter (see _ec2_error, _s3_error).
VALIDATION_CODES = {
    "sagemaker": "ValidationException",
    "sagemaker-runtime": "ValidationError",
    # CloudWatch Logs reports model violations as InvalidParameterException.
    "logs": "InvalidParameterException",
    "application-autoscaling": "ValidationException",
    "lambda": "ValidationException",
    "iam": "ValidationError",
    "sts": "ValidationError",
    "ssm": "ValidationException",
    "cloudwatch": "ValidationError",
    "tagging": "InvalidParameterException",
}

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Rejection:
    """An answer in the service's own error shape."""

    code: str
    message: str
    status: int = 400


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    literal_query: tuple[tuple[str, str | None], ...]
    required_locations: tuple[tuple[str, str], ...]  # (location, wire name)
    literal_length: int


class _Service:
    """One service's model and, for REST protocols, its method + URI routing table."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.model: ServiceModel = get_service_model(name)
        self.protocol = WIRE_PROTOCOLS.get(name, str(self.model.protocol))
        self.routes: dict[str, list[_Route]] = {}
        if self.protocol.startswith("rest"):
            for operation in self.model.operation_names:
                route = _route(self.model.operation_model(operation))
                self.routes.setdefault(route.method, []).append(route)

    def operation(self, name: str) -> OperationModel | None:
        if name not in self.model.operation_names:
            return None
        return self.model.operation_model(name)


def _route(op: OperationModel) -> _Route:
    uri = str(op.http["requestUri"])
    path_part, _, query_part = uri.partition("?")
    pattern = ""
    literal = 0
    for piece in re.split(r"(\{[^}]+\})", path_part):
        if piece.startswith("{"):
            label = piece[1:-1]
            greedy = label.endswith("+")
            name = label.rstrip("+")
            group = re.sub(r"\W", "_", name)
            pattern += f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)"
        else:
            literal += len(piece)
            pattern += re.escape(piece)
    literal_query = tuple(
        (key, value if sep else None)
        for key, sep, value in (item.partition("=") for item in query_part.split("&") if item)
    )
    required: list[tuple[str, str]] = []
    shape = op.input_shape
    if shape is not None:
        for member in shape.required_members:
            serialization = shape.members[member].serialization
            location = serialization.get("location")
            if location in ("querystring", "header"):
                required.append((location, str(serialization.get("name", member))))
    return _Route(
        operation=op.name,
        method=str(op.http["method"]),
        path=re.compile(pattern.rstrip("/") + "/?$"),
        literal_query=literal_query,
        required_locations=tuple(required),
        literal_length=literal,
    )


_SERVICES: dict[str, _Service] = {}
_SERVICES_LOCK = threading.Lock()


def _service(name: str) -> _Service:
    service = _SERVICES.get(name)
    if service is None:
        with _SERVICES_LOCK:
            service = _SERVICES.get(name) or _Service(name)
            _SERVICES[name] = service
    return service


def warm() -> None:
    """Load every model and routing table before the first request."""
    for name in {*SERVICES.values(), "sagemaker-runtime"}:
        _service(name)


def _signing_name(environ: dict[str, Any], query: MultiDict[str, str]) -> str | None:
    auth = str(environ.get("HTTP_AUTHORIZATION", "")) or str(query.get("X-Amz-Credential", ""))
    if auth and "Credential=" not in auth:
        auth = f"Credential={auth}"
    match = _CREDENTIAL.search(auth)
    return match.group(1) if match else None


def _read_body(environ: dict[str, Any]) -> bytes:
    """Reads the body and puts an identical stream back for moto."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if environ.get("wsgi.input_terminated") or not length:
        body = stream.read() if environ.get("wsgi.input_terminated") else b""
    else:
        body = stream.read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _match_rest(
    service: _Service, environ: dict[str, Any], query: MultiDict[str, str]
) -> tuple[OperationModel, dict[str, str]] | None:
    method = str(environ.get("REQUEST_METHOD", "GET"))
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    path = raw.partition("?")[0] if raw else quote(str(environ.get("PATH_INFO", "/")))
    headers = EnvironHeaders(environ)
    # The JS SDK names the operation (x-id=PutObject) where a path alone is ambiguous.
    named = query.get("x-id")
    best: tuple[tuple[int, int, int], _Route, dict[str, str]] | None = None
    for route in service.routes.get(method, ()):
        if named is not None and route.operation != named:
            continue
        match = route.path.match(path)
        if match is None:
            continue
        if any(
            key not in query or (value is not None and query.get(key) != value)
            for key, value in route.literal_query
        ):
            continue
        if any(
            (name not in query) if location == "querystring" else (name not in headers)
            for location, name in route.required_locations
        ):
            continue
        score = (len(route.literal_query), len(route.required_locations), route.literal_length)
        if best is None or score > best[0]:
            best = (score, route, match.groupdict())
    if best is None:
        return None
    _, route, labels = best
    operation = service.operation(route.operation)
    return (operation, labels) if operation is not None else None


def _streams_payload(operation: OperationModel) -> bool:
    shape = operation.input_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    return payload is not None and shape.members[payload].type_name in ("blob", "string")


def _mark_streamed_payload(
    operation: OperationModel, environ: dict[str, Any], params: dict[str, Any]
) -> None:
    """A payload left unread (an S3 object body, a bucket policy) is there when the request has
    a body: its required check must not call it missing (PutBucketPolicy's Policy)."""
    if not _streams_payload(operation) or operation.input_shape is None:
        return
    has_body = (
        int(environ.get("CONTENT_LENGTH") or 0) > 0
        or int(environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH") or 0) > 0
        or "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    )
    payload = operation.input_shape.serialization["payload"]
    if has_body and payload not in params:
        member = operation.input_shape.members[payload]
        params[payload] = "(streamed)" if member.type_name == "string" else b"(streamed)"


def _parse(
    operation: OperationModel,
    protocol: str,
    *,
    environ: dict[str, Any],
    query: MultiDict[str, str],
    body: bytes,
    labels: dict[str, str],
) -> dict[str, Any]:
    values = query
    if protocol in ("query", "ec2"):
        values = MultiDict(query)
        values.update(MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
    uri_params = {}
    uri = str(operation.http.get("requestUri", ""))
    for label in re.findall(r"\{([^}]+)\}", uri):
        name = label.rstrip("+")
        uri_params[name] = labels.get(re.sub(r"\W", "_", name), "")
    parser = PROTOCOL_PARSERS[protocol](operation, map_type=dict)
    return parser.parse(
        {
            "method": str(environ.get("REQUEST_METHOD", "GET")),
            "values": values,
            "headers": EnvironHeaders(environ),
            "body": body,
            "url_path": str(environ.get("PATH_INFO", "/")),
            "url_params": uri_params,
        }
    )


def _identify(
    environ: dict[str, Any], query: MultiDict[str, str]
) -> tuple[_Service, OperationModel, bytes, dict[str, str]] | None:
    """The service, operation, body and URI labels of a request, or None to pass it on."""
    signing = _signing_name(environ, query)
    name = SERVICES.get(signing or "")
    if name is None:
        return None
    target = environ.get("HTTP_X_AMZ_TARGET")
    if name == "sagemaker" and not target:
        name = "sagemaker-runtime"
    service = _service(name)
    protocol = service.protocol
    if protocol == "json":
        operation = service.operation(str(target or "").rpartition(".")[2])
        return (service, operation, _read_body(environ), {}) if operation else None
    if protocol in ("query", "ec2"):
        body = _read_body(environ)
        action = query.get("Action")
        if action is None:
            action = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)).get("Action")
        operation = service.operation(action or "")
        return (service, operation, body, {}) if operation else None
    matched = _match_rest(service, environ, query)
    if matched is None:
        return None
    operation, labels = matched
    body = b"" if _streams_payload(operation) else _read_body(environ)
    return service, operation, body, labels


def check(environ: dict[str, Any]) -> tuple[str, Rejection] | None:
    """(service, rejection) for a request AWS would refuse, else None (moto answers it)."""
    query = MultiDict(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
    identified = _identify(environ, query)
    if identified is None:
        if _signing_name(environ, query) in SERVICES:
            # A service we check, but no operation of its model matches: say so (it would
            # otherwise pass unchecked).
            method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            print(
                f"mlops emulator: strict check found no operation for {method} {path}",
                file=sys.stderr,
            )
        return None
    service, operation, body, labels = identified
    try:
        params = _parse(
            operation, service.protocol, environ=environ, query=query, body=body, labels=labels
        )
    except Exception as exc:  # a body moto parses differently is moto's to refuse
        print(
            f"mlops emulator: strict check skipped {service.name}:{operation.name}: {exc!r}",
            file=sys.stderr,
        )
        return None
    _mark_streamed_payload(operation, environ, params)
    violations = check_request(operation.input_shape, params) if operation.input_shape else []
    violations += documented_limits.violations(service.name, operation.name, params)
    if violations:
        return service.name, _model_rejection(service.name, violations)
    rejection = documented_limits.rejection(service.name, operation.name, params)
    if rejection is not None:
        return service.name, Rejection(*rejection)
    return None


def _model_rejection(service: str, violations: list[Violation]) -> Rejection:
    if service == "ec2":
        return _ec2_error(violations[0])
    if service == "s3":
        first = violations[0]
        return Rejection("InvalidArgument", first.message())
    return Rejection(VALIDATION_CODES[service], summary([v.message() for v in violations]))


def _ec2_error(violation: Violation) -> Rejection:
    """EC2 names the first bad parameter (it has no Coral-style validation message)."""
    if violation.kind == "required":
        return Rejection(
            "MissingParameter", f"The request must contain the parameter {violation.member}"
        )
    if violation.kind == "enum":
        return Rejection(
            "InvalidParameterValue", f"Invalid value '{violation.value}' for {violation.member}."
        )
    return Rejection(
        "InvalidParameterValue",
        f"Value ({violation.value}) for parameter {violation.member} is invalid. "
        f"{violation.constraint}",
    )


def error_response(service: str, rejection: Rejection) -> tuple[str, list[tuple[str, str]], bytes]:
    """The rejection in the wire shape of the service's protocol."""
    request_id = str(uuid.uuid4())
    code, message = rejection.code, rejection.message
    protocol = _service(service).protocol
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-json":
        body = json.dumps({"Type": "User", "message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers += [("Content-Type", "text/xml;charset=UTF-8")]
    elif protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers += [("Content-Type", "application/xml")]
    else:  # query (IAM, STS)
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers += [("Content-Type", "text/xml")]
    headers.append(("Content-Length", str(len(body))))
    return f"{rejection.status} Bad Request", headers, body


def strict(app: WsgiApp) -> WsgiApp:
    """Wrap moto's WSGI app so that requests AWS would refuse are refused here."""
    warm()

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refused = check(environ)
        if refused is None:
            return app(environ, start_response)
        status, headers, body = error_response(*refused)
        start_response(status, headers)
        return [body]

    return wrapped

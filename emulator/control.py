"""The ``/_mlops/*`` control routes, served in front of moto on the same port.

Routes (JSON in, JSON out; not recorded by moto's recorder because they never reach moto):

- ``GET  /_mlops/health``          -> ``{"ok": true, "moto": "5.2.1"}``
- ``GET  /_mlops/faults``          -> pending one-shot faults
- ``POST /_mlops/faults``          ``{"sagemaker:UpdateEndpoint": "silent-rollback"}`` or
  ``{"sagemaker:UpdateEndpoint": {"fault": "failed", "resource": "my-endpoint"}}``
- ``POST /_mlops/reset``           clears pending faults; ``{"all": true}`` also cancels pending
  transitions and wipes every moto backend and the emulator's own state (all data is lost)
- ``POST /_mlops/tuning-outcome``  ``{"NamePrefix": "proj", "Trials": [{"Objective": 0.9}],
  "Status": "Stopped"}``: the trials and end of the next tuning job so named (tuning_ext.py)
- ``POST /_mlops/function-url-targets`` ``{"FunctionName": "f", "Url": "http://127.0.0.1:N/"}``:
  where the emulator sends the events of ``f``'s Function URLs (function_url_serving.py)
- ``POST /_mlops/endpoint-status`` ``{"EndpointName": "x", "EndpointStatus": "SystemUpdating",
  "DurationMs": 2000}`` (optional ``Region``, ``AccountId``; without DurationMs it stays)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import moto
from moto.core import DEFAULT_ACCOUNT_ID

from . import function_url_ext, function_url_serving, lambda_ext, sagemaker_ext, tuning_ext
from .state import FAULTS, SCHEDULER

PREFIX = "/_mlops/"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _read_json(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ControlError(400, f"invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "expected a JSON object")
    return body


def _post_faults(body: dict[str, Any]) -> dict[str, Any]:
    if not body:
        raise ControlError(400, 'expected {"<service>:<Operation>": "<fault>"}')
    for operation, spec in body.items():
        if isinstance(spec, str):
            fault, resource = spec, None
        elif isinstance(spec, dict) and isinstance(spec.get("fault"), str):
            fault, resource = spec["fault"], spec.get("resource")
            if resource is not None and not isinstance(resource, str):
                raise ControlError(400, "resource must be a string")
        else:
            raise ControlError(400, f"bad fault spec for {operation}")
        try:
            FAULTS.inject(operation, fault, resource)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from exc
    return {"faults": FAULTS.pending()}


def _tuning_outcome(body: dict[str, Any]) -> dict[str, Any]:
    try:
        tuning_ext.queue_outcome(body)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    return {"ok": True}


def _reset(body: dict[str, Any]) -> dict[str, Any]:
    FAULTS.clear()
    if body.get("all") is True:
        from moto.moto_api._internal.models import moto_api_backend  # noqa: PLC0415

        SCHEDULER.cancel_all()
        lambda_ext.reset()
        tuning_ext.reset()
        function_url_ext.reset()
        function_url_serving.reset()
        moto_api_backend.reset()
    return {"ok": True}


def _endpoint_status(body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("EndpointName")
    status = body.get("EndpointStatus")
    duration_ms = body.get("DurationMs")
    if not isinstance(name, str) or not isinstance(status, str):
        raise ControlError(400, "EndpointName and EndpointStatus are required strings")
    if duration_ms is not None and not isinstance(duration_ms, int | float):
        raise ControlError(400, "DurationMs must be a number")
    try:
        sagemaker_ext.set_endpoint_status(
            str(body.get("AccountId") or DEFAULT_ACCOUNT_ID),
            str(body.get("Region") or "us-east-1"),
            name,
            status,
            None if duration_ms is None else float(duration_ms) / 1000.0,
        )
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    except LookupError as exc:
        raise ControlError(404, str(exc)) from exc
    return {"ok": True}


def _function_url_target(body: dict[str, Any]) -> dict[str, Any]:
    try:
        return function_url_serving.register_target(body)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc


# The POST routes: each takes the JSON body.
_POST_ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "faults": _post_faults,
    "reset": _reset,
    "tuning-outcome": _tuning_outcome,
    "function-url-targets": _function_url_target,
    "endpoint-status": _endpoint_status,
}


def _route(method: str, path: str, environ: dict[str, Any]) -> dict[str, Any]:
    route = path[len(PREFIX) :].rstrip("/")
    if (method, route) == ("GET", "health"):
        return {"ok": True, "moto": moto.__version__}
    if (method, route) == ("GET", "faults"):
        return {"faults": FAULTS.pending()}
    handler = _POST_ROUTES.get(route) if method == "POST" else None
    if handler is None:
        raise ControlError(404, f"no control route {method} {path}")
    return handler(_read_json(environ))


def with_control_routes(app: WsgiApp) -> WsgiApp:
    """Wrap moto's WSGI app so that ``/_mlops/*`` is answered here."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(PREFIX):
            return app(environ, start_response)
        try:
            status, body = 200, _route(str(environ.get("REQUEST_METHOD", "GET")), path, environ)
        except ControlError as exc:
            status, body = exc.status, {"error": str(exc)}
        payload = json.dumps(body).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    return wrapped

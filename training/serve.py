"""A local stand-in for the SageMaker PyTorch inference container.

    python training/serve.py --model-dir model/          # or --model-dir model.tar.gz
    serving on http://127.0.0.1:8080

Implements the container contract: GET /ping (200 once the model is loaded, 503 before) and
POST /invocations (Content-Type / Accept). The handlers come from the model's own
code/inference.py when it has one, exactly as the container loads them, so this checks the
artifact that would be deployed. /invocations runs them the way the SageMaker inference
toolkit's Transformer does, so a test here sees what the endpoint answers:

- an Accept header that is missing or */* reaches output_fn as the default accept type
  (SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, else application/json);
- a body sent as exactly application/json or text/csv reaches input_fn as a str;
- an exception of the toolkit's BaseInferenceToolkitError type is answered with its status code,
  any other exception with 500; the body is the message, a newline and the traceback.

Errors of the server itself are JSON `{"error": "..."}`: 404 (path), 411 (no Content-Length),
413 (body over --max-body-bytes, the container's request size limit).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tarfile
import tempfile
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

MAX_BODY_BYTES = 6 * 1024 * 1024  # the Lambda payload limit, which fronts the endpoint
UTF8_TYPES = ("application/json", "text/csv")  # the toolkit decodes these bodies to str


def toolkit_error_type(handlers: ModuleType) -> type[BaseException] | None:
    """The exception type whose status code the toolkit answers with: its own where installed,
    else the stand-in the model's inference.py defines (an older one has none: all errors 500)."""
    try:
        from sagemaker_inference.errors import BaseInferenceToolkitError
    except ImportError:
        found = getattr(handlers, "BaseInferenceToolkitError", None)
        return found if isinstance(found, type) and issubclass(found, BaseException) else None
    error_type: type[BaseException] = BaseInferenceToolkitError
    return error_type


class ToolkitAnswer(Exception):
    """An error response as the toolkit's Transformer.handle_error builds it."""

    def __init__(self, status: int, message: str, trace: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = f"{message}\n{trace}"


def extract_model(archive: Path, into: Path) -> Path:
    """Unpack model.tar.gz, refusing members that would land outside `into` (or are links)."""
    root = into.resolve()
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = (root / member.name).resolve()
            if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
                raise ValueError(f"refusing archive member {member.name!r}")
        # Python >= 3.12 also has its own "data" filter; use it where it exists.
        kwargs: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(root, **kwargs)
    return root


def load_handlers(model_dir: Path) -> ModuleType:
    """The model's code/inference.py (what the container runs), else the one beside this file."""
    code = model_dir / "code"
    if not (code / "inference.py").is_file():
        code = Path(__file__).resolve().parent
    sys.path.insert(0, str(code))  # its `import model_def` must find the copy next to it
    spec = importlib.util.spec_from_file_location("inference", code / "inference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["inference"] = module
    spec.loader.exec_module(module)
    return module


class ModelHolder:
    """Loads in the background so /ping can answer 503 while a large model loads."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.handlers: ModuleType | None = None
        self.model: Any = None
        self.error: str | None = None
        self.ready = threading.Event()

    def load(self) -> None:
        try:
            handlers = load_handlers(self.model_dir)
            self.model = handlers.model_fn(str(self.model_dir))
            self.handlers = handlers
        except Exception as err:
            traceback.print_exc()
            self.error = f"{type(err).__name__}: {err}"
        self.ready.set()

    def invoke(self, body: bytes, content_type: str | None, accept: str | None) -> tuple[str, str]:
        """The toolkit's Transformer.transform for one request; raises ToolkitAnswer on errors."""
        h = self.handlers
        assert h is not None
        try:
            if not accept or accept == "*/*":
                accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json")
            data: bytes | str = body.decode("utf-8") if content_type in UTF8_TYPES else body
            result = h.output_fn(h.predict_fn(h.input_fn(data, content_type), self.model), accept)
        except Exception as err:
            trace = traceback.format_exc()
            sys.stderr.write(trace)
            known = toolkit_error_type(h)
            if known is not None and isinstance(err, known):
                raise ToolkitAnswer(err.status_code, err.message, trace) from err  # type: ignore[attr-defined]
            raise ToolkitAnswer(
                HTTPStatus.INTERNAL_SERVER_ERROR, str(err) or "Invalid Request", trace
            ) from err
        return result if isinstance(result, tuple) else (result, accept)


class Handler(BaseHTTPRequestHandler):
    server: InferenceServer
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}))

    def do_GET(self) -> None:
        holder = self.server.holder
        if self.path != "/ping":
            self._error(HTTPStatus.NOT_FOUND, f"no such path {self.path}")
        elif holder.error:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"model failed to load: {holder.error}")
        elif holder.handlers is None:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "model is loading")
        else:
            self._send(HTTPStatus.OK, json.dumps({"status": "ok"}))

    def do_POST(self) -> None:
        if self.path != "/invocations":
            self._error(HTTPStatus.NOT_FOUND, f"no such path {self.path}")
            self.close_connection = True
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True  # the unread body would corrupt the next request
            self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
            return
        if int(length) > self.server.max_body_bytes:
            # Drain a moderately oversized body so the client reads the 413 instead of a reset
            # connection mid-upload; give up (and just close) on absurd sizes.
            remaining = int(length) if int(length) <= 4 * self.server.max_body_bytes else 0
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 20, remaining))
                remaining = remaining - len(chunk) if chunk else 0
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {self.server.max_body_bytes} bytes")
            return
        body = self.rfile.read(int(length))
        holder = self.server.holder
        if holder.handlers is None:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, holder.error or "model is loading")
            return
        try:
            payload, content_type = holder.invoke(
                body, self.headers.get("Content-Type"), self.headers.get("Accept")
            )
        except ToolkitAnswer as answer:
            self._send(answer.status, answer.body, "text/plain; charset=utf-8")
        else:
            self._send(HTTPStatus.OK, payload, content_type)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class InferenceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], holder: ModelHolder, max_body_bytes: int) -> None:
        super().__init__(address, Handler)
        self.holder = holder
        self.max_body_bytes = max_body_bytes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, required=True, help="model dir or model.tar.gz")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES)
    args = parser.parse_args(argv)
    model_dir: Path = args.model_dir
    with tempfile.TemporaryDirectory(prefix="model-") as tmp:
        if model_dir.is_file():
            model_dir = extract_model(model_dir, Path(tmp))
        holder = ModelHolder(model_dir)
        server = InferenceServer((args.host, args.port), holder, args.max_body_bytes)
        host, port = str(server.server_address[0]), int(server.server_address[1])
        print(f"serving on http://{host}:{port}", flush=True)  # a parent process reads this line
        threading.Thread(target=holder.load, daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()

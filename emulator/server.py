"""Builds the patched moto WSGI app and runs it until a signal (or stdin EOF) stops it."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from . import (
    autoscaling_ext,
    cloudwatch_ext,
    function_url_ext,
    function_url_serving,
    lambda_ext,
    recorder_ext,
    region_ext,
    registry_ext,
    sagemaker_ext,
    speed_ext,
    tagging_ext,
    tuning_ext,
)
from .control import WsgiApp, with_control_routes
from .state import SCHEDULER, SETTINGS
from .strict_ext import strict

# Backends whose Flask apps are built before the ready line, so first calls are not slow.
WARM_BACKENDS = (
    "s3",
    "sagemaker",
    "lambda",
    "applicationautoscaling",
    "iam",
    "sts",
    "cloudwatch",
)


def install_patches() -> None:
    """Add the missing operations. Must run before the first request builds the Flask apps."""
    sagemaker_ext.install()
    tuning_ext.install()
    registry_ext.install()
    lambda_ext.install()
    function_url_ext.install()
    autoscaling_ext.install()
    cloudwatch_ext.install()
    speed_ext.install()
    recorder_ext.install()
    region_ext.install()
    tagging_ext.install()


def build_app(*, strict_requests: bool = True) -> WsgiApp:
    dispatcher = DomainDispatcherApplication(create_backend_app)
    with dispatcher.lock:
        for backend in WARM_BACKENDS:
            dispatcher.app_instances[backend] = create_backend_app(backend)  # type: ignore[arg-type]
    # Control routes first (they are not AWS requests), then Function URL hosts (served, not
    # API calls), then the strict check, then moto.
    checked = strict(dispatcher) if strict_requests else dispatcher
    return with_control_routes(function_url_serving.with_function_urls(checked))


def _watch_stdin(stop: threading.Event) -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def run(
    *,
    host: str,
    port: int,
    update_delay_s: float,
    exit_on_stdin_eof: bool,
    verbose: bool,
    ready_prefix: str,
    strict_requests: bool = True,
) -> int:
    SETTINGS.update_delay_s = update_delay_s
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    install_patches()
    app = build_app(strict_requests=strict_requests)

    server = make_server(host, port, app, threaded=True)
    bound_port = server.server_port
    # moto sends some requests to itself (e.g. Lambda invoke) and reads the port from here.
    os.environ["MOTO_PORT"] = str(bound_port)

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if exit_on_stdin_eof:
        threading.Thread(target=_watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()

    serve_thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-http"
    )
    serve_thread.start()
    print(f"{ready_prefix} http://{host}:{bound_port}", flush=True)

    try:
        while not stop.wait(timeout=0.1):
            if not serve_thread.is_alive():
                print("mlops emulator: server thread died", file=sys.stderr)
                return 1
    finally:
        t0 = time.monotonic()
        server.shutdown()
        serve_thread.join(timeout=10)
        server.server_close()
        SCHEDULER.stop()
        if verbose:
            print(f"mlops emulator: stopped in {time.monotonic() - t0:.3f}s", file=sys.stderr)
    return 0

"""Start the mlops local AWS emulator: moto's server plus the operations moto lacks.

Usage: python3 emulator/launcher.py [--port N] [--update-delay-ms MS] [--exit-on-stdin-eof]

Prints ``MLOPS_EMULATOR_READY http://127.0.0.1:PORT`` on stdout once it accepts requests, and
stops cleanly on SIGTERM/SIGINT (or when stdin closes, with --exit-on-stdin-eof).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

READY_PREFIX = "MLOPS_EMULATOR_READY"
MOTO_MISSING_EXIT = 3
MOTO_HINT = "install with: pip install 'moto[server]==5.2.1'"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("MLOPS_EMULATOR_PORT", "0")),
        help="port to bind; 0 picks a free one (default: $MLOPS_EMULATOR_PORT or 0)",
    )
    parser.add_argument(
        "--update-delay-ms",
        type=int,
        default=int(os.environ.get("MLOPS_EMULATOR_UPDATE_DELAY_MS", "1000")),
        help="how long slow operations (UpdateEndpoint, provisioned concurrency) stay in "
        "progress (default: $MLOPS_EMULATOR_UPDATE_DELAY_MS or 1000)",
    )
    parser.add_argument(
        "--recording-file",
        default=os.environ.get("MOTO_RECORDER_FILEPATH"),
        help="where moto's recorder writes (default: $MOTO_RECORDER_FILEPATH or a temp file)",
    )
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="stop when stdin closes (so a parent that dies cannot leave the emulator behind)",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        default=os.environ.get("MLOPS_EMULATOR_STRICT") == "0",
        help="pass requests AWS would refuse on to moto unchecked, to tell whether the strict "
        "check causes a failure or to measure its cost (default: $MLOPS_EMULATOR_STRICT=0)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    temp_recording: str | None = None
    if not args.recording_file:
        fd, temp_recording = tempfile.mkstemp(prefix="mlops-emulator-", suffix=".jsonl")
        os.close(fd)
    # moto reads these when its modules load, so set them before importing anything from it.
    os.environ["MOTO_RECORDER_FILEPATH"] = args.recording_file or temp_recording or ""
    os.environ.setdefault("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000")
    # Every AWS account has AWS's managed policies (AmazonSageMakerFullAccess, ...): a role made
    # in the console carries them, and mlops reads what they grant. moto loads them on request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    try:
        import moto.server  # noqa: F401, PLC0415
    except ImportError as exc:
        print(f"mlops emulator: cannot import moto ({exc}); {MOTO_HINT}", file=sys.stderr)
        return MOTO_MISSING_EXIT

    if __package__ in (None, ""):
        # Run as a script: make `emulator` importable from the directory above this file.
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from emulator.server import run  # noqa: PLC0415

    try:
        return run(
            host=args.host,
            port=args.port,
            update_delay_s=args.update_delay_ms / 1000.0,
            exit_on_stdin_eof=args.exit_on_stdin_eof,
            verbose=args.verbose,
            ready_prefix=READY_PREFIX,
            strict_requests=not args.lenient,
        )
    finally:
        if temp_recording is not None:
            Path(temp_recording).unlink(missing_ok=True)


def exit_now(code: int) -> None:
    """Exit without tearing down the interpreter: by now the server is closed, timers are
    cancelled and the temp file is gone, and garbage-collecting moto's large module graph would
    only add a second or more to every stop."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())

"""One request, one line in moto's recording, however many requests arrive at once.

moto 5.2.1's recorder appends each request as two writes (the JSON, then a newline) from the
server thread that handled it. Requests in parallel (apply runs several at a time) can then
interleave: two entries land on one line, neither parses, and a recorded run misses requests
it made. A lock around the whole record makes each entry one line again.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.moto_api._internal.recorder.models import Recorder

_WRITE_LOCK = threading.Lock()
_original_record_request = Recorder._record_request


def _record_request(self: Recorder, request: Any, body: bytes | None = None) -> None:
    with _WRITE_LOCK:
        _original_record_request(self, request, body)


def install() -> None:
    Recorder._record_request = _record_request  # type: ignore[method-assign]

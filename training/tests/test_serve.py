"""serve.py over real HTTP on 127.0.0.1, loading the packaged model.tar.gz like the container."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from test_inference import held_out_jpeg

from conftest import TRAINING, Run, clean_env


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, data=body, headers=headers or {}, method="POST" if body is not None else "GET"
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        assert err.headers["Content-Type"] == "application/json"
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def server(trained: Run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    archive = tmp_path_factory.mktemp("tar") / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:  # what SageMaker uploads from /opt/ml/model
        for path in sorted(trained.model_dir.rglob("*")):
            tar.add(path, arcname=path.relative_to(trained.model_dir).as_posix(), recursive=False)
    proc = subprocess.Popen(
        [sys.executable, str(TRAINING / "serve.py"), "--model-dir", str(archive), "--port", "0",
         "--max-body-bytes", str(1024 * 1024)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("serving on http://127.0.0.1:"), line
        url = line.split()[-1]
        deadline = time.monotonic() + 60
        while request(f"{url}/ping")[0] != 200:  # 503 while the model loads
            assert time.monotonic() < deadline and proc.poll() is None, "model never loaded"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ping_and_jpeg_invocation(server: str) -> None:
    assert request(f"{server}/ping") == (200, {"status": "ok"})
    status, body = request(f"{server}/invocations", held_out_jpeg(4), {"Content-Type": "image/jpeg"})
    assert status == 200
    assert body["predictions"][0][0]["label"] == "005.Ring_magenta"


def test_base64_json_invocation(server: str) -> None:
    payload = json.dumps({"image": base64.b64encode(held_out_jpeg(1)).decode(), "top_k": 1}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    status, body = request(f"{server}/invocations", payload, headers)
    assert status == 200 and body["predictions"] == [
        [{"label": "002.Square_blue", "index": 1, "probability": body["predictions"][0][0]["probability"]}]
    ]


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b"garbage", {"Content-Type": "image/jpeg"}, 400, "not a readable image"),
        (b'{"url": "https://x/y.jpg"}', {"Content-Type": "application/json"}, 400, "Lambda fetches URLs"),
        (b"a,b,c", {"Content-Type": "text/csv"}, 415, "unsupported content type"),
        (b"x" * (1024 * 1024 + 1), {"Content-Type": "image/jpeg"}, 413, "body over"),
    ],
    ids=["bad-jpeg", "url", "csv", "too-large"],
)
def test_bad_requests_get_json_errors_without_tracebacks(
    server: str, body: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    got_status, got = request(f"{server}/invocations", body, headers)
    assert got_status == status and message in got["error"]
    assert "Traceback" not in got["error"]


def test_accept_other_than_json_is_406(server: str) -> None:
    status, body = request(
        f"{server}/invocations", held_out_jpeg(0), {"Content-Type": "image/jpeg", "Accept": "text/csv"}
    )
    assert status == 406 and "accept" in body["error"]


def test_unknown_path_is_404(server: str) -> None:
    assert request(f"{server}/nope")[0] == 404

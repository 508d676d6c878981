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
from pathlib import Path

import pytest
from test_inference import held_out_jpeg

from conftest import TRAINING, Run, clean_env


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(
        url, data=body, headers=headers or {}, method="POST" if body is not None else "GET"
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


# The SageMaker inference toolkit's error types (sagemaker_inference/errors.py, Apache-2.0), as
# the inference container has them: with them importable, serve.py and code/inference.py both
# take the path they take in production.
TOOLKIT_ERRORS = """
class BaseInferenceToolkitError(Exception):
    def __init__(self, status_code, message, phrase):
        self.status_code = status_code
        self.message = message
        self.phrase = phrase
        super(BaseInferenceToolkitError, self).__init__(status_code, message, phrase)


class GenericInferenceToolkitError(BaseInferenceToolkitError):
    def __init__(self, status_code, message=None, phrase=None):
        message = message or "Invalid Request"
        phrase = phrase or message
        super(GenericInferenceToolkitError, self).__init__(status_code, message, phrase)
"""


def install_toolkit_errors(root: Path) -> Path:
    package = root / "sagemaker_inference"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text(TOOLKIT_ERRORS)
    return root


@pytest.fixture(scope="module")
def server(trained: Run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    archive = tmp_path_factory.mktemp("tar") / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:  # what SageMaker uploads from /opt/ml/model
        for path in sorted(trained.model_dir.rglob("*")):
            tar.add(path, arcname=path.relative_to(trained.model_dir).as_posix(), recursive=False)
    env = {**clean_env(), "PYTHONPATH": str(install_toolkit_errors(tmp_path_factory.mktemp("toolkit")))}
    proc = subprocess.Popen(
        [sys.executable, str(TRAINING / "serve.py"), "--model-dir", str(archive), "--port", "0",
         "--max-body-bytes", str(1024 * 1024)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
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
    status, body = request(f"{server}/ping")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body = request(f"{server}/invocations", held_out_jpeg(4), {"Content-Type": "image/jpeg"})
    assert status == 200
    assert json.loads(body)["predictions"][0][0]["label"] == "005.Ring_magenta"


def test_base64_json_invocation(server: str) -> None:
    payload = json.dumps({"image": base64.b64encode(held_out_jpeg(1)).decode(), "top_k": 1}).encode()
    # Exactly application/json: the toolkit hands input_fn a str, not bytes.
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    status, body = request(f"{server}/invocations", payload, headers)
    predictions = json.loads(body)["predictions"]
    assert status == 200 and predictions == [
        [{"label": "002.Square_blue", "index": 1, "probability": predictions[0][0]["probability"]}]
    ]


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b"garbage", {"Content-Type": "image/jpeg"}, 400, "body is not a readable image"),
        (b'{"url": "https://x/y.jpg"}', {"Content-Type": "application/json"}, 400, "this endpoint does not"),
        (b"a,b,c", {"Content-Type": "text/csv"}, 415, "unsupported content type"),
        (held_out_jpeg(0), {"Content-Type": "image/jpeg", "Accept": "text/csv"}, 406, "unsupported accept"),
        # Not UTF-8: the toolkit's own decoding fails, which is no toolkit error type: 500.
        (b"\xff\xfe{}", {"Content-Type": "application/json"}, 500, "'utf-8' codec can't decode"),
    ],
    ids=["bad-jpeg", "url", "csv", "accept", "not-utf-8"],
)  # fmt: skip
def test_handler_errors_get_the_toolkits_status_codes(
    server: str, body: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    got_status, got = request(f"{server}/invocations", body, headers)
    assert got_status == status, got
    # The toolkit's error body: the message, then the traceback.
    assert got.startswith(message) and "Traceback (most recent call last)" in got


def test_server_limits_get_json_errors(server: str) -> None:
    big = b"x" * (1024 * 1024 + 1)
    status, body = request(f"{server}/invocations", big, {"Content-Type": "image/jpeg"})
    assert status == 413 and "body over" in json.loads(body)["error"]
    assert request(f"{server}/nope")[0] == 404

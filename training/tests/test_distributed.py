"""Two-process DDP on CPU (gloo) through torchrun, as SageMaker's torch_distributed launcher runs it."""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

from conftest import FAST_ARGS, IMAGE_SIZE, run_train
from generate_data import generate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_torchrun_two_processes_share_the_data_and_only_rank_0_writes(tmp_path: Path) -> None:
    # Its own small data set: this checks the plumbing, test_train checks learning.
    data_dir = tmp_path / "data"
    generate(data_dir, classes=5, per_class={"train": 40, "valid": 10, "test": 21}, image_size=IMAGE_SIZE)
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
                "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
                # torch 1.13's launcher cannot parse its own "0" defaults on Python 3.11 (IntFlag
                # iteration changed); routing stderr through its log tee avoids that code path.
                "--redirects", "2", "--tee", "2"]  # fmt: skip
    model_dir, checkpoints = tmp_path / "model", tmp_path / "checkpoints"
    stdout = run_train(
        ["--data", str(data_dir), "--model-dir", str(model_dir), "--output-dir", str(tmp_path / "out"),
         "--checkpoint-dir", str(checkpoints), "--epochs", "1", "--workers", "0", "--no-pretrained",
         *FAST_ARGS],
        launcher=launcher,
    )  # fmt: skip

    # Each rank trained on its own half of the 200 training images.
    shards = dict(re.findall(r"^\[rank (\d)\] rank \d/2: (\d+) of 200 training images", stdout, re.M))
    assert shards == {"0": "100", "1": "100"}, stdout
    # Metrics are all-reduced, so one rank logs them; one rank writes the artifacts.
    assert len(re.findall(r"^\[rank 0\] epoch=1/1 ", stdout, re.M)) == 1
    assert "[rank 1] epoch=" not in stdout
    assert re.findall(r"^\[rank (\d)\] rank 0 writing model artifacts", stdout, re.M) == ["0"]
    assert len(re.findall(r"^test_loss=", stdout, re.M)) == 1

    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["world_size"] == 2
    assert metrics["test_images"] == 105, "uneven shards (53 + 52) still count every test image once"
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert sorted(p.name for p in checkpoints.iterdir()) == ["checkpoint-latest.pt"]

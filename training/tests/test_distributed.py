"""Several SageMaker hosts on one machine: torchrun per host, gloo on CPU.

Each simulated host has its own /opt/ml-like folder with the data as SageMaker hands it over for
the S3DataDistributionType the tool requests (FullyReplicated: a full copy on every host) and the
SM_* environment of that host, and runs `torchrun --nnodes 2 --node_rank N` the way SageMaker's
torch_distributed launcher does. The splits have odd sizes so the ranks' shares are uneven.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

import inference
from conftest import FAST_ARGS, IMAGE_SIZE, TRAINING, clean_env
from data import load_splits
from generate_data import generate

HOSTS = ["algo-1", "algo-2"]
# 65 training images: 32 per rank and epoch (the odd one waits for the next shuffle), 2 full
# batches of 16 each; 35 valid and 165 test images split 18/17 and 83/82 between the ranks.
PER_CLASS = {"train": 13, "valid": 7, "test": 33}
COUNTS = {split: 5 * n for split, n in PER_CLASS.items()}
EPOCHS = 3
# resnet18 (FAST_ARGS) learns enough in 3 epochs for BatchNorm statistics to matter in the
# metrics; mobilenet_v3_small has Dropout, which draws from each rank's random state every step
# (it learns too little here for the metrics check, but any difference shows in a resume).
DROPOUT_ARCH = "mobilenet_v3_small"
DEADLINE_S = 180  # a rank waiting for a collective its peer never joins would sit here forever


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Host:
    name: str
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "input" / "data" / "training"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"


def make_hosts(root: Path, source: Path) -> list[Host]:
    hosts = [Host(name, root / name) for name in HOSTS]
    for host in hosts:
        shutil.copytree(source, host.data)  # FullyReplicated: every host gets every object
    return hosts


def start(hosts: list[Host], port: int, *extra: str) -> list[subprocess.Popen[str]]:
    procs = []
    for node_rank, host in enumerate(hosts):
        env = clean_env()
        env.update(
            SM_HOSTS=json.dumps(HOSTS), SM_CURRENT_HOST=host.name, SM_NUM_GPUS="0",
            SM_CHANNEL_TRAINING=str(host.data), SM_MODEL_DIR=str(host.model_dir),
            SM_OUTPUT_DATA_DIR=str(host.root / "output"),
        )  # fmt: skip
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", str(len(hosts)),
               "--node_rank", str(node_rank), "--nproc_per_node", "1",
               "--master_addr", "127.0.0.1", "--master_port", str(port),
               # torch 1.13's launcher cannot parse its own "0" defaults on Python 3.11 (IntFlag
               # iteration changed); routing stderr through its log tee avoids that code path.
               "--redirects", "2", "--tee", "2",
               str(TRAINING / "train.py"), "--epochs", str(EPOCHS), "--workers", "0", "--no-pretrained",
               "--checkpoint-dir", str(host.checkpoints), *FAST_ARGS, *extra]  # fmt: skip
        procs.append(
            subprocess.Popen(
                cmd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # one process group per host, to kill it like a lost instance
            )
        )
    return procs


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    """Every host's exit code and log; a host still running at the deadline fails the test."""
    deadline = time.monotonic() + DEADLINE_S
    results = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((proc.returncode, out))
    except subprocess.TimeoutExpired:
        pytest.fail(f"the hosts did not finish within {DEADLINE_S} s (a rank is stuck in a collective)")
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return results


def train_on_hosts(hosts: list[Host], *extra: str) -> str:
    results = finish(start(hosts, free_port(), *extra))
    for (code, out), host in zip(results, hosts, strict=True):
        assert code == 0, f"{host.name} failed:\n{out}"
    return "\n".join(out for _, out in results)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("source")
    generate(out, classes=5, per_class=PER_CLASS, image_size=IMAGE_SIZE, seed=3)
    return out


@dataclass
class HostRun:
    hosts: list[Host]
    log: str

    @property
    def metrics(self) -> dict:
        return json.loads((self.hosts[0].model_dir / "metrics.json").read_text())

    @property
    def history(self) -> list[dict]:
        return json.loads((self.hosts[0].root / "output" / "history.json").read_text())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, source: Path) -> HostRun:
    hosts = make_hosts(tmp_path_factory.mktemp("uninterrupted"), source)
    return HostRun(hosts, train_on_hosts(hosts))


@torch.no_grad()
def fresh_evaluation(model_dir: Path, data: Path, split: str) -> tuple[float, float, int]:
    """Mean loss, accuracy and image count of the shipped model.pth, loaded as the endpoint does."""
    loaded = inference.model_fn(str(model_dir))
    folder = getattr(load_splits(data), split)
    images = torch.stack([loaded.transform(folder.loader(path)) for path, _ in folder.samples])
    targets = torch.tensor(folder.targets)
    logits = torch.cat([loaded.net(batch) for batch in images.split(64)])
    loss = float(nn.functional.cross_entropy(logits, targets))
    return loss, int((logits.argmax(dim=1) == targets).sum()) / len(targets), len(targets)


def test_two_hosts_share_every_image_once_and_report_the_shipped_weights(uninterrupted: HostRun) -> None:
    log, metrics = uninterrupted.log, uninterrupted.metrics
    # Every host read the whole data set and trained on its own equal share of it.
    shares = re.findall(
        r"^\[rank (\d)\] rank \d/2: (\d+) of (\d+) training images per epoch in (\d+) ", log, re.M
    )
    assert sorted(shares) == [("0", "32", "65", "2"), ("1", "32", "65", "2")], log
    # Each epoch trained on 2 ranks x 2 full batches of 16 distinct images (no padding repeats).
    assert [h["train_images"] for h in uninterrupted.history] == [64] * EPOCHS
    assert (metrics["train_images"], metrics["valid_images"], metrics["test_images"]) == (
        COUNTS["train"], COUNTS["valid"], COUNTS["test"],
    ), "every validation and test image is scored exactly once"  # fmt: skip
    assert metrics["world_size"] == 2 and metrics["epochs_run"] == EPOCHS

    # Only rank 0 (on the first host) logs the epochs and writes the model and checkpoints.
    assert len(re.findall(r"^\[rank 0\] epoch=\d/3 ", log, re.M)) == EPOCHS and "[rank 1] epoch=" not in log
    assert len(re.findall(r"^test_loss=", log, re.M)) == 1
    assert not uninterrupted.hosts[1].model_dir.exists() and not uninterrupted.hosts[1].checkpoints.exists()

    # The reported metrics are those of the model.pth that ships (BatchNorm statistics included).
    host0 = uninterrupted.hosts[0]
    test_loss, test_accuracy, test_count = fresh_evaluation(host0.model_dir, host0.data, "test")
    val_loss, val_accuracy, _ = fresh_evaluation(host0.model_dir, host0.data, "valid")
    assert test_count == metrics["test_images"]
    assert metrics["test_loss"] == pytest.approx(test_loss, rel=1e-5)
    assert metrics["test_accuracy"] == test_accuracy
    assert metrics["val_loss"] == pytest.approx(val_loss, rel=1e-5)
    assert metrics["val_accuracy"] == val_accuracy


def test_killed_mid_epoch_and_resumed_ends_as_the_uninterrupted_run(source: Path, tmp_path: Path) -> None:
    arch = ("--arch", DROPOUT_ARCH)
    uninterrupted = make_hosts(tmp_path / "uninterrupted", source)
    expected = HostRun(uninterrupted, train_on_hosts(uninterrupted, *arch))

    hosts = make_hosts(tmp_path / "interrupted", source)
    latest = hosts[0].checkpoints / "checkpoint-latest.pt"
    procs = start(hosts, free_port(), *arch)
    deadline = time.monotonic() + DEADLINE_S
    while not latest.exists():  # rank 0 has finished epoch 1 and written its checkpoint
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "no checkpoint"
        time.sleep(0.01)
    for proc in procs:  # a spot interruption: every instance gone at once
        os.killpg(proc.pid, signal.SIGKILL)
    for proc in procs:
        proc.communicate()
    assert not hosts[0].model_dir.exists(), "killed before the run could finish"
    # SageMaker restores the checkpoint prefix into /opt/ml/checkpoints on every host.
    shutil.copytree(hosts[0].checkpoints, hosts[1].checkpoints)

    resumed = HostRun(hosts, train_on_hosts(hosts, *arch))
    epoch = resumed.metrics["resumed_from_epoch"]
    assert 1 <= epoch < EPOCHS and f"resuming from checkpoint at epoch {epoch}" in resumed.log
    assert resumed.history == [
        {**h, "seconds": r["seconds"]} for h, r in zip(expected.history, resumed.history, strict=True)
    ], "every epoch's losses match the uninterrupted run's"
    for key in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "best_epoch", "best_val_loss"):
        assert resumed.metrics[key] == expected.metrics[key], key


def test_hosts_with_different_data_are_refused_at_once(source: Path, tmp_path: Path) -> None:
    # What ShardedByS3Key would hand over: each host a different part of the objects.
    hosts = make_hosts(tmp_path, source)
    for path in sorted((hosts[1].data / "train").rglob("*.jpg"))[::2]:
        path.unlink()
    results = finish(start(hosts, free_port()))
    for code, out in results:
        assert code != 0 and "every host needs the whole data set" in out, out

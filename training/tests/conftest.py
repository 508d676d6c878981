"""Shared fixtures: one generated data set and one real two-epoch training run per session.

Training runs as a subprocess through the real CLI (the way SageMaker and torchrun start it),
on CPU with a small backbone and 32 px images so the whole suite stays within a few minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generate_data import generate

TRAINING = Path(__file__).resolve().parents[1]
# 600 training images: two epochs from random init reach 99% test accuracy on several seeds
# (with 300, one seed in four ended below 90%).
PER_CLASS = {"train": 120, "valid": 20, "test": 40}
IMAGE_SIZE = 32
# Small and fast on two CPU cores; the defaults (resnet50, 224 px) are for real data.
# lr 5e-4: 1e-3 made validation swing between the two epochs.
FAST_ARGS = ["--arch", "resnet18", "--image-size", str(IMAGE_SIZE), "--batch-size", "16", "--seed", "0",
             "--learning-rate", "0.0005"]  # fmt: skip


@dataclass
class Run:
    stdout: str
    model_dir: Path
    output_dir: Path
    checkpoint_dir: Path


def clean_env() -> dict[str, str]:
    """No SM_* or torchrun variables leaking in from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_train(args: list[str], timeout: int = 240, launcher: list[str] | None = None) -> str:
    cmd = [*(launcher or [sys.executable]), str(TRAINING / "train.py"), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def train_into(root: Path, data: Path, epochs: int, *extra: str) -> Run:
    run = Run("", root / "model", root / "output", root / "checkpoints")
    run.stdout = run_train(
        ["--data", str(data), "--model-dir", str(run.model_dir), "--output-dir", str(run.output_dir),
         "--checkpoint-dir", str(run.checkpoint_dir), "--epochs", str(epochs), "--workers", "0",
         "--no-pretrained", *FAST_ARGS, *extra]
    )  # fmt: skip
    return run


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    generate(out, classes=5, per_class=PER_CLASS, image_size=IMAGE_SIZE, seed=0)
    return out


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Run:
    """Two uninterrupted epochs; several tests read its model dir and log."""
    return train_into(tmp_path_factory.mktemp("trained"), data_dir, 2)

"""End-to-end training on generated data through the real CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import IMAGE_SIZE, Run, train_into
from generate_data import generate

EPOCH_LINE = re.compile(r"^epoch=(\d+)/(\d+) train_loss=([0-9.]+) .*val_loss=([0-9.]+)", re.M)


def final_metrics(stdout: str) -> dict[str, float]:
    last = stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"test_loss=[0-9.]+ test_accuracy=[0-9.]+", last), last
    return {k: float(v) for k, v in (pair.split("=") for pair in last.split())}


def test_two_epochs_learn_the_generated_classes(trained: Run) -> None:
    epochs = [int(m.group(1)) for m in EPOCH_LINE.finditer(trained.stdout)]
    assert epochs == [1, 2]
    metrics = json.loads((trained.model_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.9
    assert metrics["epochs_run"] == 2 and metrics["resumed_from_epoch"] == 0


def test_metrics_are_fractions_and_match_the_final_log_line(trained: Run) -> None:
    metrics = json.loads((trained.model_dir / "metrics.json").read_text())
    # The original floor-divided by the batch count and reported integers.
    assert isinstance(metrics["test_loss"], float) and isinstance(metrics["test_accuracy"], float)
    assert 0.0 < metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0.0
    correct = metrics["test_accuracy"] * metrics["test_images"]
    assert abs(correct - round(correct)) < 1e-6, "accuracy is correct / images, a real fraction"
    logged = final_metrics(trained.stdout)
    assert logged["test_loss"] == round(metrics["test_loss"], 4)
    assert logged["test_accuracy"] == round(metrics["test_accuracy"], 4)
    # The original tuning job's objective regex still finds the same number.
    legacy = re.search(r"Testing Loss: ([0-9\.]+)", trained.stdout)
    assert legacy is not None and float(legacy.group(1)) == logged["test_loss"]
    assert json.loads((trained.output_dir / "metrics.json").read_text()) == metrics


def test_resume_continues_after_the_saved_epoch(tmp_path: Path) -> None:
    # Small data: this checks state restoration, test_two_epochs... checks learning.
    data_dir = tmp_path / "data"
    generate(data_dir, classes=4, per_class={"train": 24, "valid": 6, "test": 6}, image_size=IMAGE_SIZE)
    uninterrupted_run = train_into(tmp_path / "uninterrupted", data_dir, 2)
    first = train_into(tmp_path, data_dir, 1)
    assert [m.group(1) for m in EPOCH_LINE.finditer(first.stdout)] == ["1"]
    shutil.rmtree(first.model_dir)

    resumed = train_into(tmp_path, data_dir, 2)  # same checkpoint dir, as after a spot interruption
    assert "resuming from checkpoint at epoch 1" in resumed.stdout
    lines = {m.group(1): m for m in EPOCH_LINE.finditer(resumed.stdout)}
    assert list(lines) == ["2"], "epoch 1 must not run again"
    metrics = json.loads((resumed.model_dir / "metrics.json").read_text())
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs_run"] == 2
    # Model, optimizer and RNG state all came back: epoch 2 matches the uninterrupted run's.
    uninterrupted = {m.group(1): m for m in EPOCH_LINE.finditer(uninterrupted_run.stdout)}
    assert lines["2"].group(3, 4) == uninterrupted["2"].group(3, 4)


def test_a_finished_checkpoint_only_retests(tmp_path: Path, data_dir: Path, trained: Run) -> None:
    shutil.copytree(trained.checkpoint_dir, tmp_path / "checkpoints")
    again = train_into(tmp_path, data_dir, 2)
    assert not EPOCH_LINE.search(again.stdout)
    assert final_metrics(again.stdout) == final_metrics(trained.stdout)


def test_early_stopping_on_validation_loss(tmp_path: Path) -> None:
    # Frozen backbone (BatchNorm in eval mode) and learning rate 0: validation loss is exactly
    # flat after epoch 1, so patience 1 must stop after epoch 2 of 5.
    data = tmp_path / "data"
    generate(data, classes=3, per_class={"train": 8, "valid": 4, "test": 4}, image_size=IMAGE_SIZE)
    run = train_into(tmp_path, data, 5, "--patience", "1", "--learning-rate", "0", "--freeze-backbone")
    assert [m.group(1) for m in EPOCH_LINE.finditer(run.stdout)] == ["1", "2"]
    assert "early stop: no val_loss improvement for 1 epochs" in run.stdout
    metrics = json.loads((run.model_dir / "metrics.json").read_text())
    assert (metrics["stopped_early"], metrics["epochs_run"], metrics["best_epoch"]) == (True, 2, 1)

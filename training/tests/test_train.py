"""End-to-end training on generated data through the real CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

import train
from conftest import FAST_ARGS, IMAGE_SIZE, Run, train_into
from engine import pick_speed
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
    # Small data: this checks state restoration, test_two_epochs... checks learning. One loader
    # worker: its augmentation must come out the same after a restart too.
    data_dir = tmp_path / "data"
    generate(data_dir, classes=4, per_class={"train": 24, "valid": 6, "test": 6}, image_size=IMAGE_SIZE)
    uninterrupted_run = train_into(tmp_path / "uninterrupted", data_dir, 2, "--workers", "1")
    first = train_into(tmp_path, data_dir, 1, "--workers", "1")
    assert [m.group(1) for m in EPOCH_LINE.finditer(first.stdout)] == ["1"]
    shutil.rmtree(first.model_dir)

    # Same checkpoint dir, as after a spot interruption.
    resumed = train_into(tmp_path, data_dir, 2, "--workers", "1")
    assert "resuming from checkpoint at epoch 1" in resumed.stdout
    lines = {m.group(1): m for m in EPOCH_LINE.finditer(resumed.stdout)}
    assert list(lines) == ["2"], "epoch 1 must not run again"
    metrics = json.loads((resumed.model_dir / "metrics.json").read_text())
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs_run"] == 2
    # Model, optimizer and random state all came back: epoch 2 matches the uninterrupted run's.
    uninterrupted = {m.group(1): m for m in EPOCH_LINE.finditer(uninterrupted_run.stdout)}
    assert lines["2"].group(3, 4) == uninterrupted["2"].group(3, 4)
    assert final_metrics(resumed.stdout) == final_metrics(uninterrupted_run.stdout)


def train_args(data: Path, root: Path, *extra: str) -> list[str]:
    return ["--data", str(data), "--model-dir", str(root / "model"), "--output-dir", str(root / "output"),
            "--checkpoint-dir", str(root / "checkpoints"), "--workers", "0", "--no-pretrained",
            *FAST_ARGS, *extra]  # fmt: skip


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (["--learning-rate", "0.01", "--batch-size", "32", "--seed", "5"],
         "has learning_rate=0.0005, batch_size=16, seed=0 but this run has learning_rate=0.01, "
         "batch_size=32, seed=5"),
        (["--freeze-backbone"], "has freeze_backbone=False but this run has freeze_backbone=True"),
    ],
    ids=["hyperparameters", "freeze-backbone"],
)  # fmt: skip
def test_a_checkpoint_from_other_settings_is_refused(
    tmp_path: Path, data_dir: Path, trained: Run, changed: list[str], message: str
) -> None:
    # Re-testing the old model under new hyperparameters would record metrics for a run that
    # never happened; a toggled frozen backbone would not even fit the optimizer state.
    shutil.copytree(trained.checkpoint_dir, tmp_path / "checkpoints")
    with pytest.raises(ValueError, match=re.escape(message)):
        train.main(train_args(data_dir, tmp_path, "--epochs", "2", *changed))
    assert not (tmp_path / "model").exists()


def test_a_last_batch_of_one_is_dropped(tmp_path: Path) -> None:
    # 65 images in batches of 16 leave one: trainable BatchNorm cannot train on a batch of one.
    data = tmp_path / "data"
    generate(data, classes=5, per_class={"train": 13, "valid": 2, "test": 2}, image_size=IMAGE_SIZE)
    metrics = train.main(train_args(data, tmp_path, "--epochs", "1"))
    assert metrics is not None and metrics["epochs_run"] == 1
    history = json.loads((tmp_path / "output" / "history.json").read_text())
    assert history[0]["train_images"] == 64


def test_a_batch_larger_than_the_training_set_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, classes=2, per_class={"train": 5, "valid": 1, "test": 1}, image_size=IMAGE_SIZE)
    with pytest.raises(ValueError, match="--batch-size 16 is larger than the 10 training images"):
        train.main(train_args(data, tmp_path, "--epochs", "1"))


def test_fp16_on_cpu_is_refused_before_training(tmp_path: Path, data_dir: Path) -> None:
    # torch 1.13's CPU autocast supports bf16 only: fp16 would crash in the first step.
    with pytest.raises(ValueError, match="--amp fp16 needs a CUDA GPU"):
        train.main(train_args(data_dir, tmp_path, "--epochs", "1", "--device", "cpu", "--amp", "fp16"))


@pytest.mark.parametrize(
    ("capability", "dtype"),
    [((7, 5), torch.float16), ((7, 0), torch.float16), ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)],
    ids=["T4", "V100", "A100", "H100"],
)
def test_auto_amp_uses_bf16_only_where_the_gpu_has_it(
    monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int], dtype: torch.dtype
) -> None:
    # is_bf16_supported() says yes on a T4 too (emulated, slower than fp32): it must not decide.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a, **k: capability)
    speed = pick_speed(torch.device("cuda", 0), "auto")
    assert speed.amp_dtype == dtype and speed.channels_last


def test_tuning_metric_ends_on_the_validation_of_the_shipped_weights(tmp_path: Path) -> None:
    # Settings where epoch 3 is worse than epoch 2 on validation, so the best-validation weights
    # (epoch 2) ship. A tuning job reads the last valid:loss match: it must be theirs.
    data = tmp_path / "data"
    generate(data, classes=4, per_class={"train": 24, "valid": 6, "test": 6}, image_size=IMAGE_SIZE)
    run = train_into(tmp_path, data, 3, "--patience", "0", "--freeze-backbone", "--learning-rate", "0.05",
                     "--seed", "1")  # fmt: skip
    metrics = json.loads((run.model_dir / "metrics.json").read_text())
    assert metrics["best_epoch"] < metrics["epochs_run"] == 3, "precondition: the last epoch is not the best"
    valid_loss = re.findall(r"val_loss=([0-9.]+)", run.stdout)[-1]  # the valid:loss MetricDefinition
    assert float(valid_loss) == round(metrics["val_loss"], 4) == round(metrics["best_val_loss"], 4)
    test_line = run.stdout.strip().splitlines()[-1]
    assert "val_" not in test_line and test_line.startswith("test_loss=")


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

"""The model directory, laid out so model.tar.gz deploys as-is in the SageMaker PyTorch
inference container:

    model.pth            state_dict (loaded with weights_only=True)
    model_config.json    arch, image size, class count, normalisation
    labels.json          {"0": "001.Circle_red", ...}: output index -> class folder name
    metrics.json         test_loss, test_accuracy, epochs_run, best_epoch, ...
    code/inference.py    model_fn / input_fn / predict_fn / output_fn
    code/model_def.py    network + eval transform, shared with training
    code/requirements.txt
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from model_def import LABELS_FILE, WEIGHTS_FILE, ModelConfig

HERE = Path(__file__).resolve().parent
CODE_FILES = ("inference.py", "model_def.py", "requirements.txt")
METRICS_FILE = "metrics.json"


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def write_model_dir(
    model_dir: Path,
    state_dict: dict[str, torch.Tensor],
    config: ModelConfig,
    classes: list[str],
    metrics: dict[str, Any],
) -> list[Path]:
    model_dir.mkdir(parents=True, exist_ok=True)
    torch.save(state_dict, model_dir / WEIGHTS_FILE)
    config.save(model_dir)
    write_json(model_dir / LABELS_FILE, {str(i): name for i, name in enumerate(classes)})
    write_json(model_dir / METRICS_FILE, metrics)
    code = model_dir / "code"
    code.mkdir(exist_ok=True)
    for name in CODE_FILES:
        shutil.copyfile(HERE / name, code / name)
    return sorted(p for p in model_dir.rglob("*") if p.is_file())

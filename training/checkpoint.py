"""Per-epoch checkpoints for resuming after a spot interruption.

SageMaker syncs /opt/ml/checkpoints to S3 while the job runs and restores it into the next
attempt, so the newest file there is the resume point. Files are written to a temporary name
and renamed, so an interruption mid-write never leaves a truncated "latest" checkpoint.

No random state is stored: train.py reseeds every rank from (seed, rank, epoch) at the start of
each epoch, and each image's augmentation from (seed, epoch, image), so a resumed run draws what
the uninterrupted one would have on every rank and in every loader worker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

LATEST = "checkpoint-latest.pt"


_FLOAT = "__float__"


def _encode(obj: Any) -> Any:
    """torch 1.13's weights-only unpickler rejects Python floats (2.x accepts them), so floats
    (learning rate, best loss, history) are stored as tagged strings and restored on load."""
    if isinstance(obj, float):
        return (_FLOAT, repr(obj))
    if isinstance(obj, dict):
        return {k: _encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_encode(v) for v in obj)
    return obj


def _decode(obj: Any) -> Any:
    if isinstance(obj, tuple) and len(obj) == 2 and obj[0] == _FLOAT:
        return float(obj[1])
    if isinstance(obj, dict):
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_decode(v) for v in obj)
    return obj


def save(directory: Path, state: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LATEST
    tmp = directory / f".{LATEST}.tmp"
    torch.save(_encode(state), tmp)
    os.replace(tmp, path)
    return path


def load_latest(directory: Path | None) -> dict[str, Any] | None:
    if directory is None or not (directory / LATEST).is_file():
        return None
    # weights_only: a checkpoint restored from S3 is untrusted input to pickle.
    state: dict[str, Any] = _decode(torch.load(directory / LATEST, map_location="cpu", weights_only=True))
    return state

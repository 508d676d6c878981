"""ImageFolder splits and tuned DataLoaders (only the train loader shuffles)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler
from torchvision.datasets import ImageFolder

from distributed import Dist
from model_def import ModelConfig, eval_transform, train_transform

SPLITS = ("train", "valid", "test")


@dataclass
class Splits:
    train: ImageFolder
    valid: ImageFolder
    test: ImageFolder

    @property
    def classes(self) -> list[str]:
        return list(self.train.classes)

    def apply_transforms(self, config: ModelConfig) -> None:
        self.train.transform = train_transform(config)
        self.valid.transform = eval_transform(config)
        self.test.transform = eval_transform(config)


def load_splits(data_dir: Path) -> Splits:
    """All three splits; valid/test must have the same class folders as train (same indices)."""
    missing = [s for s in SPLITS if not (data_dir / s).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{data_dir} has no {', '.join(missing)} folder(s); expected train/ valid/ test/"
        )
    splits = Splits(*(ImageFolder(str(data_dir / s)) for s in SPLITS))
    for name in ("valid", "test"):
        if getattr(splits, name).classes != splits.classes:
            raise ValueError(f"{name}/ class folders differ from train/: indices would not line up")
    return splits


class ShardSampler(Sampler[int]):
    """Every `world_size`-th index: evaluation shards with no padding, so summed metrics are exact
    (DistributedSampler repeats samples to even out shards)."""

    def __init__(self, length: int, info: Dist) -> None:
        self.indices = list(range(info.rank, length, info.world_size))

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def default_workers(info: Dist) -> int:
    """Spare cores per process after the one that runs the training step."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cpus = os.cpu_count() or 1
    return max(0, min(8, cpus // max(1, info.local_world_size) - 1))


def make_loader(
    dataset: Dataset[tuple[torch.Tensor, int]],
    batch_size: int,
    workers: int,
    device: torch.device,
    info: Dist,
    train: bool,
    seed: int = 0,
    pin_memory: bool | None = None,
) -> DataLoader[tuple[torch.Tensor, int]]:
    sampler: Sampler[int] | None
    if train and info.enabled:
        # Shuffles with seed + epoch; the loop must call set_epoch() or every epoch repeats.
        sampler = DistributedSampler(dataset, info.world_size, info.rank, shuffle=True, seed=seed)
    elif not train and info.enabled:
        sampler = ShardSampler(len(dataset), info)  # type: ignore[arg-type]
    else:
        sampler = None
    generator = torch.Generator()
    generator.manual_seed(seed + info.rank)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train and sampler is None,
        sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda" if pin_memory is None else pin_memory,
        # Re-forking workers every epoch costs seconds per epoch with big data sets.
        persistent_workers=workers > 0,
        generator=generator,
    )

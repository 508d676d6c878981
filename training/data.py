"""ImageFolder splits and tuned DataLoaders.

Every process reads the whole data set (SageMaker copies all of it to every host: the training
channel is FullyReplicated) and takes its own share by rank:

- training: each epoch one permutation of all images, the same on every rank, dealt out in
  equal shares, so the ranks run the same number of steps (a rank with one batch more would
  wait forever in its extra all-reduce) and never train on the same image in one epoch;
- valid/test: every `world_size`-th image, no padding, so the summed metrics count every
  image exactly once.

Augmentation is seeded per image from (seed, epoch, image index): what a sample looks like
does not depend on which rank or loader worker draws it, so a resumed run reproduces an
uninterrupted one whatever the worker count.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, Sampler
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

    def fingerprint(self) -> int:
        """A 62-bit digest of the class list and every file's path: ranks compare it to make sure
        each one reads the same data set (not a per-host shard of it)."""
        h = hashlib.sha256()
        for name in SPLITS:
            folder: ImageFolder = getattr(self, name)
            h.update(f"{name}\0{len(folder.classes)}\0".encode())
            for path, target in folder.samples:
                h.update(f"{os.path.relpath(path, folder.root)}\0{target}\0".encode())
        return int.from_bytes(h.digest()[:8], "big") >> 2


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


def derive_seed(*parts: int) -> int:
    """A 63-bit seed from several integers (e.g. seed, epoch, image index); distinct tuples give
    unrelated seeds, and it fits every seeding API (torch refuses values of 2**64 and above)."""
    digest = hashlib.sha256(",".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class ShardSampler(Sampler[int]):
    """Every `world_size`-th index: evaluation shards with no padding, so summed metrics are exact."""

    def __init__(self, length: int, info: Dist) -> None:
        self.indices = list(range(info.rank, length, info.world_size))

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def shard_size(length: int, info: Dist) -> int:
    """Training images per rank and epoch: equal on every rank (at most world_size - 1 of the
    epoch's permutation are left for the next epoch's shuffle)."""
    return length // info.world_size


class EpochShardSampler(Sampler[tuple[int, int]]):
    """This rank's share of one seeded permutation per epoch, as (image index, epoch) pairs; the
    loop calls set_epoch() before each epoch. Unlike DistributedSampler it never repeats an image
    to even out the shares, and it hands the epoch to the dataset for per-image seeding."""

    def __init__(self, length: int, info: Dist, seed: int) -> None:
        self.length, self.info, self.seed, self.epoch = length, info, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[int, int]]:
        generator = torch.Generator()
        generator.manual_seed(derive_seed(self.seed, self.epoch))
        order = torch.randperm(self.length, generator=generator).tolist()
        mine = order[self.info.rank : len(self) * self.info.world_size : self.info.world_size]
        return iter([(index, self.epoch) for index in mine])

    def __len__(self) -> int:
        return shard_size(self.length, self.info)


class SeededAugmentation(Dataset[tuple[torch.Tensor, int]]):
    """Draws image `index` of epoch `epoch` with the random state seeded from both. The caller's
    random state is left untouched (with 0 workers the dataset runs in the training process)."""

    def __init__(self, dataset: Dataset[tuple[torch.Tensor, int]], seed: int) -> None:
        self.dataset, self.seed = dataset, seed

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, int]:
        index, epoch = key
        seed = derive_seed(self.seed, epoch, index)
        python_state = random.getstate()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            random.seed(seed)  # torchvision's RandomChoice and friends draw from `random`
            try:
                return self.dataset[index]
            finally:
                random.setstate(python_state)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]


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
    """Training: this rank's shuffled share in full batches only (a last batch of one image
    would crash trainable BatchNorm, and equal batch counts keep the ranks in step).
    Evaluation: this rank's strided share, in order, every image once."""
    length = len(dataset)  # type: ignore[arg-type]
    sampler: Sampler[int] | Sampler[tuple[int, int]]
    if train:
        sampler = EpochShardSampler(length, info, seed)
        dataset = SeededAugmentation(dataset, seed)  # type: ignore[assignment]
    else:
        sampler = ShardSampler(length, info)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,  # type: ignore[arg-type]
        drop_last=train,
        num_workers=workers,
        pin_memory=device.type == "cuda" if pin_memory is None else pin_memory,
        # Re-forking workers every epoch costs seconds per epoch with big data sets.
        persistent_workers=workers > 0,
    )

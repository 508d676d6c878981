"""How the training images are shared out between ranks and augmented (no training here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from conftest import IMAGE_SIZE
from data import EpochShardSampler, SeededAugmentation, load_splits
from distributed import Dist
from generate_data import generate
from model_def import ModelConfig


@pytest.mark.parametrize(("length", "world_size"), [(65, 2), (64, 2), (100, 3), (7, 1)])
def test_each_epoch_deals_every_image_to_at_most_one_rank_in_equal_shares(
    length: int, world_size: int
) -> None:
    for epoch in (1, 2):
        shares = []
        for rank in range(world_size):
            sampler = EpochShardSampler(length, Dist(rank=rank, world_size=world_size), seed=0)
            sampler.set_epoch(epoch)
            shares.append([index for index, tagged_epoch in sampler if tagged_epoch == epoch])
        # Equal shares keep the ranks' step counts equal (a longer share would hang its rank).
        assert {len(share) for share in shares} == {length // world_size}
        dealt = [index for share in shares for index in share]
        assert len(set(dealt)) == len(dealt) == world_size * (length // world_size)
        assert set(dealt) <= set(range(length))
    one = EpochShardSampler(length, Dist(rank=0, world_size=world_size), seed=0)
    orders = []
    for epoch in (1, 2, 1):
        one.set_epoch(epoch)
        orders.append(list(one))
    assert orders[0] == orders[2] != orders[1], "the order depends on the epoch alone: a resumed run sees it"


def test_augmentation_depends_on_the_image_and_epoch_only(tmp_path: Path) -> None:
    # So it comes out the same in any loader worker, and after a restart.
    generate(tmp_path, classes=2, per_class={"train": 2, "valid": 1, "test": 1}, image_size=IMAGE_SIZE)
    splits = load_splits(tmp_path)
    splits.apply_transforms(ModelConfig(arch="resnet18", num_classes=2, image_size=IMAGE_SIZE))
    augmented = SeededAugmentation(splits.train, seed=0)
    first, _ = augmented[(1, 3)]
    torch.manual_seed(123)  # whatever the caller's random state
    state = torch.get_rng_state()
    again, _ = augmented[(1, 3)]
    assert torch.equal(first, again)
    assert torch.equal(torch.get_rng_state(), state), "the caller's random state is left alone"
    assert not torch.equal(first, augmented[(1, 4)][0]), "another epoch, another crop"

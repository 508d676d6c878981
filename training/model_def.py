"""The network and image transforms, shared by training and inference.

This file is copied into ``<model dir>/code/`` next to ``inference.py`` so the SageMaker PyTorch
inference container rebuilds exactly the network and eval transform that training used. It
must therefore import nothing from the rest of ``training/``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn
from torchvision import transforms

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HIDDEN_UNITS = 128  # the original project's head: Linear(feat, 128) -> ReLU -> Linear(128, C)
CONFIG_FILE = "model_config.json"
WEIGHTS_FILE = "model.pth"
LABELS_FILE = "labels.json"
# RandomResizedCrop's ImageNet default (8% of the area) often crops the object out entirely on
# small images; a quarter of the area keeps the subject in view and still augments.
MIN_CROP_SCALE = 0.25


@dataclass
class ModelConfig:
    """Everything inference needs to rebuild the network (written as model_config.json)."""

    arch: str
    num_classes: int
    image_size: int = 224
    hidden_units: int = HIDDEN_UNITS
    # The original project trained without Normalize; only its legacy model.pth sets this False.
    normalize: bool = True
    mean: list[float] = field(default_factory=lambda: list(IMAGENET_MEAN))
    std: list[float] = field(default_factory=lambda: list(IMAGENET_STD))
    format_version: int = 1

    def save(self, model_dir: Path) -> None:
        (model_dir / CONFIG_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, model_dir: Path) -> ModelConfig:
        path = model_dir / CONFIG_FILE
        if path.exists():
            raw: dict[str, Any] = json.loads(path.read_text())
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        # A model.pth from the original project has no config: ResNet-50, 224 px, no Normalize,
        # and the class count is read from the head's last layer.
        state = torch.load(model_dir / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        return cls(arch="resnet50", num_classes=int(state["fc.2.weight"].shape[0]), normalize=False)


def make_head(in_features: int, num_classes: int, hidden_units: int = HIDDEN_UNITS) -> nn.Module:
    return nn.Sequential(
        nn.Linear(in_features, hidden_units), nn.ReLU(inplace=True), nn.Linear(hidden_units, num_classes)
    )


def build_model(
    arch: str, num_classes: int, pretrained: bool = False, hidden_units: int = HIDDEN_UNITS
) -> nn.Module:
    """A torchvision backbone by name with the project's classification head in place of its own."""
    builder = getattr(torchvision.models, arch, None)
    if not arch.islower() or not callable(builder):
        raise ValueError(f"unknown torchvision architecture {arch!r} (e.g. resnet18, resnet50)")
    # Pretrained weights download from the internet; inference always passes pretrained=False and
    # loads model.pth instead.
    net: nn.Module = builder(weights="DEFAULT" if pretrained else None)
    fc = getattr(net, "fc", None)
    classifier = getattr(net, "classifier", None)
    if isinstance(fc, nn.Linear):  # ResNet family: keys fc.0/fc.2 match the original model.pth
        net.fc = make_head(fc.in_features, num_classes, hidden_units)
    elif isinstance(classifier, nn.Sequential) and isinstance(classifier[-1], nn.Linear):
        last = len(classifier) - 1
        classifier[last] = make_head(classifier[last].in_features, num_classes, hidden_units)
    else:
        raise ValueError(f"architecture {arch!r} has no single Linear classifier to replace")
    return net


def head_of(net: nn.Module) -> nn.Module:
    """The head that build_model installed (the part trained when the backbone is frozen)."""
    fc = getattr(net, "fc", None)
    if isinstance(fc, nn.Sequential):
        return fc
    classifier = net.classifier
    assert isinstance(classifier, nn.Sequential)
    head: nn.Module = classifier[len(classifier) - 1]
    return head


def _normalize(config: ModelConfig) -> list[Any]:
    return [transforms.Normalize(config.mean, config.std)] if config.normalize else []


def eval_transform(config: ModelConfig) -> transforms.Compose:
    """Deterministic: the same pixels in training's valid/test pass and in the endpoint."""
    size = config.image_size
    return transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(), *_normalize(config)])


def train_transform(config: ModelConfig) -> transforms.Compose:
    return transforms.Compose(
        [
            transforms.RandomResizedCrop(config.image_size, scale=(MIN_CROP_SCALE, 1.0)),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            *_normalize(config),
        ]
    )

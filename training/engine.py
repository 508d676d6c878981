"""One training epoch and one evaluation pass, with the GPU speed settings in one place.

Shared by train.py and bench/training_throughput.py so the benchmark measures the real loop.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from distributed import Dist, all_reduce_sum


@dataclass(frozen=True)
class Speed:
    """How the step runs: device, autocast dtype (None = fp32) and memory format."""

    device: torch.device
    amp_dtype: torch.dtype | None = None
    channels_last: bool = False

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format


def pick_device(requested: str, local_rank: int = 0) -> torch.device:
    if requested == "auto":
        if torch.cuda.is_available():
            requested = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            requested = "mps"
        else:
            requested = "cpu"
    if requested == "cuda":
        return torch.device("cuda", local_rank)
    return torch.device(requested)


# bf16 runs on tensor cores from Ampere (compute capability 8.0) on. torch.cuda.is_bf16_supported()
# also says yes on older GPUs (T4, V100) where bf16 is emulated and slower than fp32.
BF16_MIN_CAPABILITY = (8, 0)


def pick_speed(device: torch.device, amp: str = "auto", channels_last: bool | None = None) -> Speed:
    """Mixed precision and NHWC on CUDA (tensor cores); plain fp32 elsewhere, where autocast
    is either unsupported (MPS on torch 1.x) or slower (CPU without AMX)."""
    dtype: torch.dtype | None = None
    if amp == "auto" and device.type == "cuda":
        native_bf16 = torch.cuda.get_device_capability(device) >= BF16_MIN_CAPABILITY
        dtype = torch.bfloat16 if native_bf16 else torch.float16  # fp16 gets a GradScaler
    elif amp == "fp16" and device.type == "cpu":
        # torch 1.13's CPU autocast knows bf16 only, and fp16 on CPU would get no loss scaling.
        raise ValueError("--amp fp16 needs a CUDA GPU; on CPU use --amp bf16 or --amp off")
    elif amp in ("bf16", "fp16"):
        dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    if channels_last is None:
        channels_last = device.type == "cuda"
    return Speed(device, dtype, channels_last)


def place(model: nn.Module, speed: Speed) -> nn.Module:
    """Move to the device; NHWC weights match NHWC inputs (tensor-core convolutions)."""
    return model.to(speed.device, memory_format=speed.memory_format)  # type: ignore[call-overload,no-any-return]


def make_scaler(speed: Speed) -> Any:
    """fp16 gradients underflow without loss scaling; bf16 and fp32 need none (scaler disabled)."""
    enabled = speed.amp_dtype == torch.float16 and speed.device.type == "cuda"
    amp = getattr(torch, "amp", None)
    if amp is not None and hasattr(amp, "GradScaler"):  # torch >= 2.3; torch.cuda.amp's is deprecated
        return amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def _autocast(speed: Speed) -> contextlib.AbstractContextManager[Any]:
    if speed.amp_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=speed.device.type, dtype=speed.amp_dtype)


@dataclass
class EpochStats:
    loss_sum: float = 0.0  # sum of per-sample losses, so mean = loss_sum / count exactly
    correct: float = 0.0
    count: float = 0.0
    seconds: float = 0.0

    @property
    def loss(self) -> float:
        return self.loss_sum / self.count if self.count else float("nan")

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else float("nan")

    def reduced(self, device: torch.device, info: Dist) -> EpochStats:
        loss_sum, correct, count = all_reduce_sum([self.loss_sum, self.correct, self.count], device, info)
        return EpochStats(loss_sum, correct, count, self.seconds)


def set_train_mode(model: nn.Module) -> None:
    """Train mode, except BatchNorm layers whose weights are frozen: updating their running
    statistics from small batches would silently change the "frozen" backbone's features."""
    model.train()
    for module in model.modules():
        is_bn = isinstance(module, nn.modules.batchnorm._BatchNorm)
        if is_bn and not any(p.requires_grad for p in module.parameters()):
            module.eval()


def _batches(
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]], speed: Speed, limit: int | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    non_blocking = speed.device.type == "cuda"  # overlaps the copy from pinned memory
    for step, (images, targets) in enumerate(loader):
        if limit is not None and step >= limit:
            return
        # (torch 1.13's type stubs omit memory_format; it is accepted at runtime.)
        images = images.to(speed.device, non_blocking=non_blocking, memory_format=speed.memory_format)  # type: ignore[call-overload]
        yield images, targets.to(speed.device, non_blocking=non_blocking)


def train_one_epoch(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    scaler: Any,
    speed: Speed,
    max_steps: int | None = None,
) -> EpochStats:
    """Per-rank totals; call .reduced() for global figures. Sums stay on the device so the
    loop never waits for the GPU inside an epoch."""
    criterion = nn.CrossEntropyLoss()
    set_train_mode(model)
    loss_sum = torch.zeros((), dtype=torch.float64, device=speed.device)
    correct = torch.zeros((), dtype=torch.int64, device=speed.device)
    count = 0
    start = time.perf_counter()
    for images, targets in _batches(loader, speed, max_steps):
        optimizer.zero_grad(set_to_none=True)
        with _autocast(speed):
            logits = model(images)
            loss = criterion(logits, targets)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        loss_sum += loss.detach().double() * targets.shape[0]
        correct += (logits.argmax(dim=1) == targets).sum()
        count += targets.shape[0]
    if speed.device.type == "cuda":
        torch.cuda.synchronize(speed.device)
    return EpochStats(float(loss_sum), float(correct), float(count), time.perf_counter() - start)


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]], speed: Speed
) -> EpochStats:
    criterion = nn.CrossEntropyLoss(reduction="sum")
    model.eval()
    stats = EpochStats()
    start = time.perf_counter()
    for images, targets in _batches(loader, speed, None):
        with _autocast(speed):
            logits = model(images)
        stats.loss_sum += float(criterion(logits.float(), targets))
        stats.correct += float((logits.argmax(dim=1) == targets).sum())
        stats.count += targets.shape[0]
    stats.seconds = time.perf_counter() - start
    return stats

"""Process-group setup for runs launched by torchrun (SageMaker: sagemaker_torch_distributed_enabled).

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; without them this is a single process and every
helper degrades to a no-op, so the training code has one path for both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init(device_type: str) -> Dist:
    env = os.environ
    world_size = int(env.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Dist()
    info = Dist(
        rank=int(env["RANK"]),
        world_size=world_size,
        local_rank=int(env.get("LOCAL_RANK", "0")),
        local_world_size=int(env.get("LOCAL_WORLD_SIZE", "1")),
    )
    if device_type == "cuda":
        torch.cuda.set_device(info.local_rank)
    # NCCL only moves CUDA tensors; gloo is the CPU backend.
    dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return info


def all_reduce_sum(values: list[float], device: torch.device, info: Dist) -> list[float]:
    """Sum per-rank totals (loss sums, counts) so every rank sees the global figures."""
    if not info.enabled:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return [float(v) for v in tensor.tolist()]


def same_on_all_ranks(value: int, device: torch.device, info: Dist) -> bool:
    """True when every rank holds `value` (e.g. the epoch each rank resumed from)."""
    if not info.enabled:
        return True
    tensor = torch.tensor([value, -value], dtype=torch.int64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)  # [max, -min]
    return int(tensor[0]) == -int(tensor[1])


def broadcast_buffers(module: torch.nn.Module, info: Dist) -> None:
    """Copy rank 0's buffers (BatchNorm running statistics) to every rank. DDP keeps parameters
    identical, but each rank's last training forward updates its own running statistics: without
    this every rank evaluates a slightly different network, and none is the one rank 0 ships."""
    if not info.enabled:
        return
    for buffer in module.buffers():
        dist.broadcast(buffer, src=0)


def barrier(info: Dist) -> None:
    if info.enabled:
        dist.barrier()


def shutdown(info: Dist) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()

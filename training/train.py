"""Train an image classifier: SageMaker PyTorch script mode, torchrun, or a plain local run.

    python training/train.py --data DIR --model-dir DIR [--epochs N] [--batch-size N]
        [--learning-rate X] [--arch resnet50] [--image-size 224] [--pretrained|--no-pretrained]
        [--seed N] [--checkpoint-dir DIR] [--workers N] [--patience N]

Log format (stdout; the values are plain decimals, accuracy a fraction in [0, 1]):

    epoch=2/10 train_loss=0.4123 train_accuracy=0.8650 val_loss=0.3311 val_accuracy=0.9000 ...
    Testing Loss: 0.2875
    test_loss=0.2875 test_accuracy=0.9200

The last line is always `test_loss=... test_accuracy=...`. SageMaker MetricDefinitions:

    {"Name": "test:loss",       "Regex": "test_loss=([0-9.]+)"}
    {"Name": "test:accuracy",   "Regex": "test_accuracy=([0-9.]+)"}
    {"Name": "valid:loss",      "Regex": "val_loss=([0-9.]+)"}
    {"Name": "valid:accuracy",  "Regex": "val_accuracy=([0-9.]+)"}
    {"Name": "train:loss",      "Regex": "train_loss=([0-9.]+)"}
    {"Name": "Test Loss",       "Regex": "Testing Loss: ([0-9\\.]+)"}   # the original tuning job's

The model directory it writes is described in artifacts.py.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from dataclasses import asdict
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

import checkpoint
import distributed
from artifacts import METRICS_FILE, write_json, write_model_dir
from data import default_workers, load_splits, make_loader
from engine import EpochStats, evaluate, make_scaler, pick_device, pick_speed, place, train_one_epoch
from model_def import ModelConfig, build_model, head_of
from settings import parse_args

log = logging.getLogger("train")


def setup_logging(info: distributed.Dist) -> None:
    prefix = f"[rank {info.rank}] " if info.enabled else ""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(prefix + "%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


def build_network(args: argparse.Namespace, config: ModelConfig) -> nn.Module:
    torch.manual_seed(args.seed)  # identical initial weights on every rank and every rerun
    model = build_model(config.arch, config.num_classes, pretrained=args.pretrained)
    if args.freeze_backbone:
        if not args.pretrained:
            log.warning("--freeze-backbone without --pretrained trains only the head on random features")
        for p in model.parameters():
            p.requires_grad = False
        for p in head_of(model).parameters():
            p.requires_grad = True
    return model


def resume(state: dict[str, Any], config: ModelConfig, model: nn.Module, optimizer: Any, scaler: Any) -> None:
    saved = state["config"]
    for key in ("arch", "num_classes", "image_size"):
        if saved[key] != getattr(config, key):
            raise ValueError(
                f"checkpoint has {key}={saved[key]!r} but this run has {getattr(config, key)!r}; "
                "use another --checkpoint-dir to start over"
            )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scaler.load_state_dict(state["scaler"])


def epoch_line(epoch: int, epochs: int, train: EpochStats, val: EpochStats) -> str:
    return (
        f"epoch={epoch}/{epochs} train_loss={train.loss:.4f} train_accuracy={train.accuracy:.4f} "
        f"val_loss={val.loss:.4f} val_accuracy={val.accuracy:.4f} "
        f"seconds={train.seconds + val.seconds:.1f} "
        f"images_per_second={train.count / max(train.seconds, 1e-9):.1f}"
    )


def run(args: argparse.Namespace, info: distributed.Dist) -> dict[str, Any] | None:
    """Train, test and (on rank 0) write the model dir; returns the metrics on rank 0."""
    started = time.perf_counter()
    device = pick_device(args.device, info.local_rank)
    speed = pick_speed(device, args.amp, args.channels_last)
    splits = load_splits(args.data)
    config = ModelConfig(arch=args.arch, num_classes=len(splits.classes), image_size=args.image_size)
    splits.apply_transforms(config)

    model = place(build_network(args, config), speed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.learning_rate)
    scaler = make_scaler(speed)
    # Different augmentation on each rank; weights are already identical (seeded above).
    torch.manual_seed(args.seed + info.rank)
    random.seed(args.seed + info.rank)

    progress: dict[str, Any] = {"epoch": 0, "best_val_loss": float("inf"), "best_epoch": 0, "bad_epochs": 0}
    progress.update(stopped_early=False, history=[], best_model=None)
    state = checkpoint.load_latest(args.checkpoint_dir)
    resumed_from = 0
    if state is not None:
        resume(state, config, model, optimizer, scaler)
        progress = {k: state[k] for k in progress}
        resumed_from = int(state["epoch"])
        if info.is_main:
            checkpoint.restore_rng(state["rng"])
        log.info("resuming from checkpoint at epoch %d (%s)", resumed_from, args.checkpoint_dir)

    if not distributed.same_on_all_ranks(resumed_from, device, info):
        # A rank that starts at another epoch would wait forever in the first all-reduce.
        raise RuntimeError(f"ranks resumed from different epochs; this one from {resumed_from}")
    workers = default_workers(info) if args.workers is None else args.workers
    train_loader = make_loader(
        splits.train, args.batch_size, workers, device, info, train=True, seed=args.seed
    )
    valid_loader = make_loader(splits.valid, args.batch_size, workers, device, info, train=False)
    test_loader = make_loader(splits.test, args.batch_size, workers, device, info, train=False)
    shard = len(train_loader.sampler)  # type: ignore[arg-type]
    log.info(
        "rank %d/%d: %d of %d training images, %d classes, device=%s amp=%s channels_last=%s workers=%d",
        info.rank, info.world_size, shard, len(splits.train), config.num_classes, device,
        speed.amp_dtype, speed.channels_last, workers,
    )  # fmt: skip
    net: nn.Module = model
    if info.enabled:
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    for epoch in range(progress["epoch"] + 1, args.epochs + 1):
        if progress["stopped_early"]:
            break
        reseed_shuffle(train_loader, args.seed + info.rank + 1000 * epoch, epoch)
        train = train_one_epoch(net, train_loader, optimizer, scaler, speed).reduced(device, info)
        # Evaluate the bare module: shards differ in size, and DDP's forward expects lockstep.
        val = evaluate(model, valid_loader, speed).reduced(device, info)
        improved = val.loss < progress["best_val_loss"]
        if improved:
            progress.update(best_val_loss=val.loss, best_epoch=epoch, bad_epochs=0)
            progress["best_model"] = {
                k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
            }
        else:
            progress["bad_epochs"] += 1
        progress["epoch"] = epoch
        progress["stopped_early"] = 0 < args.patience <= progress["bad_epochs"]
        progress["history"].append(
            {"epoch": epoch, "train_loss": train.loss, "train_accuracy": train.accuracy,
             "val_loss": val.loss, "val_accuracy": val.accuracy, "seconds": train.seconds + val.seconds}
        )  # fmt: skip
        if info.is_main:
            log.info(epoch_line(epoch, args.epochs, train, val))
            if args.checkpoint_dir is not None:
                state = {**progress, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
                state.update(scaler=scaler.state_dict(), rng=checkpoint.capture_rng(), config=asdict(config))
                checkpoint.save(args.checkpoint_dir, state)
        if progress["stopped_early"]:
            log.info("early stop: no val_loss improvement for %d epochs", progress["bad_epochs"])

    if progress["best_model"] is not None:
        model.load_state_dict(progress["best_model"])  # test and ship the best-validation weights
    test = evaluate(model, test_loader, speed).reduced(device, info)
    distributed.barrier(info)
    if not info.is_main:
        return None

    history = progress["history"]
    train_seconds = sum(h["seconds"] for h in history)
    metrics = {
        "test_loss": test.loss,
        "test_accuracy": test.accuracy,
        "best_epoch": progress["best_epoch"],
        "best_val_loss": progress["best_val_loss"],
        "epochs_run": progress["epoch"],
        "epochs_requested": args.epochs,
        "resumed_from_epoch": resumed_from,
        "stopped_early": progress["stopped_early"],
        "train_images": len(splits.train),
        "test_images": int(test.count),
        "world_size": info.world_size,
        "arch": config.arch,
        "pretrained": args.pretrained,
        "device": device.type,
        "amp": str(speed.amp_dtype).replace("torch.", "") if speed.amp_dtype else "off",
        "channels_last": speed.channels_last,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "epoch_seconds_total": train_seconds,
        "wall_seconds": time.perf_counter() - started,
    }
    log.info("rank 0 writing model artifacts to %s", args.model_dir)
    write_model_dir(args.model_dir, model.state_dict(), config, splits.classes, metrics)
    write_json(args.output_dir / METRICS_FILE, metrics)
    write_json(args.output_dir / "history.json", history)
    print(f"Testing Loss: {test.loss:.4f}", flush=True)  # the original's tuning regex reads this
    print(f"test_loss={test.loss:.4f} test_accuracy={test.accuracy:.4f}", flush=True)
    return metrics


def reseed_shuffle(loader: DataLoader[Any], seed: int, epoch: int) -> None:
    """Shuffle order depends only on (seed, rank, epoch), so a resumed run sees the same order."""
    if isinstance(loader.sampler, DistributedSampler):
        loader.sampler.set_epoch(epoch)  # without this every epoch repeats one order
    elif loader.generator is not None:
        loader.generator.manual_seed(seed)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    args = parse_args(argv)
    device_type = pick_device(args.device).type
    info = distributed.init(device_type)
    setup_logging(info)
    if args.unknown:
        log.warning("ignoring unknown arguments: %s", " ".join(args.unknown))
    if args.hosts:
        log.info("SageMaker host %s of %s, SM_NUM_GPUS=%d", args.current_host, args.hosts, args.num_gpus)
    if len(args.hosts) > 1 and not info.enabled:
        log.warning(
            "%d hosts but no torchrun: every host trains the whole job; "
            "set the hyperparameter sagemaker_torch_distributed_enabled=true",
            len(args.hosts),
        )
    try:
        return run(args, info)
    finally:
        distributed.shutdown(info)


if __name__ == "__main__":
    main()

"""Train an image classifier: SageMaker PyTorch script mode, torchrun, or a plain local run.

    python training/train.py --data DIR --model-dir DIR [--epochs N] [--batch-size N]
        [--learning-rate X] [--arch resnet50] [--image-size 224] [--pretrained|--no-pretrained]
        [--seed N] [--checkpoint-dir DIR] [--workers N] [--patience N]

Log format (stdout; the values are plain decimals, accuracy a fraction in [0, 1]):

    epoch=2/10 train_loss=0.4123 train_accuracy=0.8650 val_loss=0.3311 val_accuracy=0.9000 ...
    shipped weights (epoch 2): val_loss=0.3311 val_accuracy=0.9000
    Testing Loss: 0.2875
    test_loss=0.2875 test_accuracy=0.9200

The last line is always `test_loss=... test_accuracy=...`. SageMaker MetricDefinitions:

    {"Name": "test:loss",       "Regex": "test_loss=([0-9.]+)"}
    {"Name": "test:accuracy",   "Regex": "test_accuracy=([0-9.]+)"}
    {"Name": "valid:loss",      "Regex": "val_loss=([0-9.]+)"}      # the tuning objective
    {"Name": "valid:accuracy",  "Regex": "val_accuracy=([0-9.]+)"}
    {"Name": "train:loss",      "Regex": "train_loss=([0-9.]+)"}
    {"Name": "Test Loss",       "Regex": "Testing Loss: ([0-9\\.]+)"}   # the original's report

A metric's final value is its last match, so valid:loss ends on the validation loss of the
weights that ship; a tuning job minimises that and leaves the test split for the final report.

The model directory it writes is described in artifacts.py.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

import checkpoint
import distributed
from artifacts import METRICS_FILE, write_json, write_model_dir
from data import EpochShardSampler, Splits, default_workers, derive_seed, load_splits, make_loader, shard_size
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


def run_settings(
    args: argparse.Namespace, config: ModelConfig, classes: list[str], info: distributed.Dist
) -> dict[str, Any]:
    """What decides the training trajectory: a checkpoint only continues a run with the same."""
    return {
        "arch": config.arch, "image_size": config.image_size, "classes": classes,
        "pretrained": args.pretrained, "freeze_backbone": args.freeze_backbone,
        "learning_rate": args.learning_rate, "batch_size": args.batch_size, "seed": args.seed,
        "world_size": info.world_size,
    }  # fmt: skip


def _shown(key: str, value: Any) -> str:
    # A class list can be 133 names long: the count and the first few say enough.
    if key == "classes" and isinstance(value, list) and len(value) > 3:
        return f"classes=[{', '.join(map(repr, value[:3]))}, ... ({len(value)} in all)]"
    return f"{key}={value!r}"


def resume(
    state: dict[str, Any],
    settings: dict[str, Any],
    args: argparse.Namespace,
    model: nn.Module,
    optimizer: Any,
    scaler: Any,
) -> None:
    saved = state.get("settings")
    start_over = "rerun with the checkpoint's settings, or use another --checkpoint-dir to start over"
    if saved is None:
        raise ValueError(
            f"checkpoint in {args.checkpoint_dir} was written by an older train.py; {start_over}"
        )
    differ = [key for key in settings if saved.get(key) != settings[key]]
    if differ:
        # Continuing (or, on a finished checkpoint, just re-testing) under other settings would
        # record metrics for a model these settings never trained.
        was = ", ".join(_shown(k, saved.get(k)) for k in differ)
        now = ", ".join(_shown(k, settings[k]) for k in differ)
        raise ValueError(
            f"checkpoint in {args.checkpoint_dir} has {was} but this run has {now}; {start_over}"
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


def check_data(
    splits: Splits, args: argparse.Namespace, device: torch.device, info: distributed.Dist
) -> None:
    """Every rank must read the same data set (sharding by rank happens here, not in S3), and
    every rank must get at least one full training batch per epoch."""
    if not distributed.same_on_all_ranks(splits.fingerprint(), device, info):
        raise ValueError(
            f"ranks see different data in {args.data} (other files or class folders): every host "
            "needs the whole data set (S3DataDistributionType FullyReplicated); train.py shares "
            "it out by rank"
        )
    per_rank = shard_size(len(splits.train), info)
    if per_rank < args.batch_size:
        raise ValueError(
            f"--batch-size {args.batch_size} is larger than the {per_rank} training images each of "
            f"{info.world_size} process(es) gets per epoch; use a smaller batch size"
        )


def run(args: argparse.Namespace, info: distributed.Dist) -> dict[str, Any] | None:
    """Train, test and (on rank 0) write the model dir; returns the metrics on rank 0."""
    started = time.perf_counter()
    device = pick_device(args.device, info.local_rank)
    speed = pick_speed(device, args.amp, args.channels_last)
    splits = load_splits(args.data)
    check_data(splits, args, device, info)
    config = ModelConfig(arch=args.arch, num_classes=len(splits.classes), image_size=args.image_size)
    splits.apply_transforms(config)
    settings = run_settings(args, config, splits.classes, info)

    model = place(build_network(args, config), speed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.learning_rate)
    scaler = make_scaler(speed)

    progress: dict[str, Any] = {"epoch": 0, "best_val_loss": float("inf"), "best_epoch": 0, "bad_epochs": 0}
    progress.update(stopped_early=False, history=[], best_model=None)
    state = checkpoint.load_latest(args.checkpoint_dir)
    resumed_from = 0
    if state is not None:
        resume(state, settings, args, model, optimizer, scaler)
        progress = {k: state[k] for k in progress}
        resumed_from = int(state["epoch"])
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
    sampler = train_loader.sampler
    assert isinstance(sampler, EpochShardSampler)
    log.info(
        "rank %d/%d: %d of %d training images per epoch in %d batches, %d classes, device=%s "
        "amp=%s channels_last=%s workers=%d",
        info.rank, info.world_size, len(sampler), len(splits.train), len(train_loader),
        config.num_classes, device, speed.amp_dtype, speed.channels_last, workers,
    )  # fmt: skip
    net: nn.Module = model
    if info.enabled:
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    for epoch in range(progress["epoch"] + 1, args.epochs + 1):
        if progress["stopped_early"]:
            break
        # Everything random in this epoch follows from (seed, rank, epoch): a run resumed from
        # the previous epoch's checkpoint continues exactly as the uninterrupted one would.
        epoch_seed = derive_seed(args.seed, info.rank, epoch)
        torch.manual_seed(epoch_seed)
        random.seed(epoch_seed)
        sampler.set_epoch(epoch)
        train = train_one_epoch(net, train_loader, optimizer, scaler, speed).reduced(device, info)
        distributed.broadcast_buffers(model, info)
        # Evaluate the bare module: shards differ in size, and DDP's forward expects lockstep.
        val = evaluate(model, valid_loader, speed).reduced(device, info)
        if val.loss < progress["best_val_loss"]:
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
             "train_images": int(train.count), "val_loss": val.loss, "val_accuracy": val.accuracy,
             "seconds": train.seconds + val.seconds}
        )  # fmt: skip
        if info.is_main:
            log.info(epoch_line(epoch, args.epochs, train, val))
            if args.checkpoint_dir is not None:
                state = {**progress, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
                state.update(scaler=scaler.state_dict(), settings=settings)
                checkpoint.save(args.checkpoint_dir, state)
        if progress["stopped_early"]:
            log.info("early stop: no val_loss improvement for %d epochs", progress["bad_epochs"])

    if progress["best_model"] is not None:
        model.load_state_dict(progress["best_model"])  # test and ship the best-validation weights
    distributed.broadcast_buffers(model, info)  # the weights rank 0 ships, on every rank
    shipped_val = evaluate(model, valid_loader, speed).reduced(device, info)
    test = evaluate(model, test_loader, speed).reduced(device, info)
    distributed.barrier(info)
    if not info.is_main:
        return None

    history = progress["history"]
    train_seconds = sum(h["seconds"] for h in history)
    metrics = {
        "test_loss": test.loss,
        "test_accuracy": test.accuracy,
        "val_loss": shipped_val.loss,
        "val_accuracy": shipped_val.accuracy,
        "best_epoch": progress["best_epoch"],
        "best_val_loss": progress["best_val_loss"],
        "epochs_run": progress["epoch"],
        "epochs_requested": args.epochs,
        "resumed_from_epoch": resumed_from,
        "stopped_early": progress["stopped_early"],
        "train_images": len(splits.train),
        "valid_images": int(shipped_val.count),
        "test_images": int(test.count),
        "world_size": info.world_size,
        "arch": config.arch,
        "pretrained": args.pretrained,
        "freeze_backbone": args.freeze_backbone,
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
    # The validation metrics of the shipped weights come last among the val_ lines, so the
    # valid:loss metric (what a tuning job should minimise) ends on them; test stays a report.
    print(
        f"shipped weights (epoch {progress['best_epoch']}): "
        f"val_loss={shipped_val.loss:.4f} val_accuracy={shipped_val.accuracy:.4f}",
        flush=True,
    )
    print(f"Testing Loss: {test.loss:.4f}", flush=True)  # the original project's report line
    print(f"test_loss={test.loss:.4f} test_accuracy={test.accuracy:.4f}", flush=True)
    return metrics


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

"""Training images/s: the tuned loop against the original project's effective settings.

    /usr/bin/python3 bench/training_throughput.py [--out PATH]

Both sides run training/engine.py's train_one_epoch on the same generated JPEGs
(decoded and augmented every step, as in real training) with the same model; only the
speed settings differ:

    baseline  fp32, contiguous (NCHW) tensors, DataLoader without workers or pinned
              memory, --baseline-batch-size (the original's tuning default, 64)
    tuned     what train.py picks: autocast bf16/fp16 and channels_last on CUDA, loader
              workers from the CPU count, pinned memory, persistent workers, --batch-size

It measures CPU always and CUDA when present, prints one line per device with the
ratio, and writes the details as JSON (default bench/out/training-throughput.json).
Defaults are small (resnet18, 64 px) to finish in under a minute on two cores; pass
--arch resnet50 --image-size 224 --source-size 512 for the real shape.

Formatted with ruff's defaults (no config applies under bench/).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# train.py's modules import each other by top-level name, as in the training container.
sys.path.insert(0, str(REPO / "training"))

import torch
from data import default_workers, load_splits, make_loader
from distributed import Dist
from engine import Speed, make_scaler, pick_speed, place, train_one_epoch
from generate_data import generate
from model_def import ModelConfig, build_model


class Setup:
    """One side of the comparison: its own model, optimizer and loader."""

    def __init__(
        self,
        data: Path,
        config: ModelConfig,
        speed: Speed,
        batch_size: int,
        workers: int,
        pin: bool,
    ) -> None:
        splits = load_splits(data)
        splits.apply_transforms(config)
        torch.manual_seed(0)
        self.speed = speed
        self.model = place(build_model(config.arch, config.num_classes), speed)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.scaler = make_scaler(speed)
        self.loader = make_loader(
            splits.train,
            batch_size,
            workers,
            speed.device,
            Dist(),
            train=True,
            pin_memory=pin,
        )
        self.settings = {
            "batch_size": batch_size,
            "amp": str(speed.amp_dtype).replace("torch.", "")
            if speed.amp_dtype
            else "off",
            "channels_last": speed.channels_last,
            "workers": workers,
            "pin_memory": pin,
        }
        self.runs: list[float] = []

    def run(self, steps: int) -> None:
        stats = train_one_epoch(
            self.model, self.loader, self.optimizer, self.scaler, self.speed, steps
        )
        self.runs.append(stats.count / stats.seconds)

    def report(self) -> dict[str, Any]:
        # Best of the repeats: other load on the machine only ever slows a run down.
        return {"images_per_second": max(self.runs), "runs": self.runs, **self.settings}


def bench_device(
    device: torch.device, data: Path, config: ModelConfig, args: argparse.Namespace
) -> dict[str, Any]:
    baseline = Setup(data, config, Speed(device), args.baseline_batch_size, 0, False)
    workers = default_workers(Dist())
    tuned = Setup(
        data,
        config,
        pick_speed(device),
        args.batch_size,
        workers,
        device.type == "cuda",
    )
    # Warm-up: cuDNN autotuning, allocator growth, worker start-up.
    for side in (baseline, tuned):
        side.run(args.warmup_steps)
        side.runs.clear()
    # Interleaved, so drifting background load hits both sides alike.
    for _ in range(args.repeats):
        baseline.run(args.steps)
        tuned.run(args.steps)
    result: dict[str, Any] = {"baseline": baseline.report(), "tuned": tuned.report()}
    result["ratio"] = (
        result["tuned"]["images_per_second"] / result["baseline"]["images_per_second"]
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--image-size", type=int, default=64, help="training crop size")
    parser.add_argument(
        "--source-size", type=int, default=192, help="size of the generated JPEGs"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--baseline-batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4, help="timed steps per setting")
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="interleaved timed runs per side; best counts",
    )
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument(
        "--devices", nargs="+", default=None, help="default: cpu, and cuda if present"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "out" / "training-throughput.json"
    )
    args = parser.parse_args(argv)
    devices = args.devices or ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]

    # Each timed run is at most `steps` batches of one pass over the train split.
    images_needed = max(args.steps, args.warmup_steps) * max(
        args.batch_size, args.baseline_batch_size
    )
    per_class = -(-images_needed // args.classes)
    config = ModelConfig(
        arch=args.arch, num_classes=args.classes, image_size=args.image_size
    )
    results: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        data = Path(tmp)
        generate(
            data,
            args.classes,
            {"train": per_class, "valid": 1, "test": 1},
            args.source_size,
            seed=0,
        )
        for name in devices:
            device = torch.device(name)
            results[name] = bench_device(device, data, config, args)
            r = results[name]
            print(
                f"{name}: tuned {r['tuned']['images_per_second']:.1f} images/s vs baseline "
                f"{r['baseline']['images_per_second']:.1f} images/s: ratio {r['ratio']:.2f}x",
                flush=True,
            )
    report = {
        "benchmark": "training_throughput",
        "arch": args.arch,
        "image_size": args.image_size,
        "source_size": args.source_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "devices": results,
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "wall_seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()

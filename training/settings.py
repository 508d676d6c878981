"""Command line and SageMaker environment for train.py.

SageMaker script mode runs ``train.py --key value ...`` with every hyperparameter as a string,
plus its own ``sagemaker_*`` keys, and describes paths in ``SM_*`` variables. Outside SageMaker
none of those exist, so every default here falls back to something local instead of crashing.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

SAGEMAKER_CHECKPOINT_DIR = Path("/opt/ml/checkpoints")
TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "off", "n", "f"}


def parse_bool(value: str) -> bool:
    word = value.strip().strip('"').lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def on_sagemaker(env: dict[str, str]) -> bool:
    return any(key.startswith("SM_") for key in env)


def _spellings(name: str) -> list[str]:
    """`--batch-size` and the original's `--batch_size` (SageMaker passes hyperparameter keys as-is)."""
    dashed = f"--{name}"
    underscored = dashed.replace("-", "_").replace("__", "--", 1)
    return [dashed] if underscored == dashed else [dashed, underscored]


def _add(parser: argparse.ArgumentParser, name: str, **kwargs: object) -> None:
    parser.add_argument(*_spellings(name), **kwargs)  # type: ignore[arg-type]


def _add_bool(parser: argparse.ArgumentParser, name: str, default: bool | None, help: str) -> None:
    # `--flag`, `--no-flag`, and `--flag false`: a hyperparameter {"pretrained": "false"} reaches
    # us as `--pretrained false`, which a plain store_true flag would read as *on*.
    dest = name.replace("-", "_")
    parser.add_argument(
        *_spellings(name), dest=dest, nargs="?", const=True, default=default, type=parse_bool, help=help
    )
    parser.add_argument(*_spellings(f"no-{name}"), dest=dest, action="store_false")


def build_parser(env: dict[str, str]) -> argparse.ArgumentParser:
    sagemaker = on_sagemaker(env)
    p = argparse.ArgumentParser(description="Train an image classifier (SageMaker script mode or local).")
    _add(p, "data", type=Path, default=env.get("SM_CHANNEL_TRAINING"), help="folder with train/ valid/ test/")
    _add(p, "model-dir", type=Path, default=Path(env.get("SM_MODEL_DIR", "model")))
    _add(p, "output-dir", type=Path, default=Path(env.get("SM_OUTPUT_DATA_DIR", "output")))
    _add(p, "epochs", type=int, default=10)
    _add(p, "batch-size", type=int, default=64)
    p.add_argument(
        "--learning-rate", "--learning_rate", "--lr", dest="learning_rate", type=float, default=1e-3
    )
    _add(p, "arch", type=lambda s: s.strip().strip('"'), default="resnet50")
    _add(p, "image-size", type=int, default=224)
    _add_bool(p, "pretrained", sagemaker, "ImageNet weights (default: on in SageMaker, off locally)")
    _add_bool(p, "freeze-backbone", None, "train only the head (default: when pretrained)")
    _add(p, "seed", type=int, default=42)
    default_ckpt = SAGEMAKER_CHECKPOINT_DIR if SAGEMAKER_CHECKPOINT_DIR.is_dir() else None
    _add(p, "checkpoint-dir", type=Path, default=default_ckpt, help="save every epoch, resume from latest")
    _add(p, "workers", type=int, default=None, help="DataLoader workers (default: from CPU count)")
    _add(p, "patience", type=int, default=3, help="early stop after N epochs without val loss gain; 0=off")
    _add(p, "device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    _add(p, "amp", choices=["auto", "off", "bf16", "fp16"], default="auto", help="autocast on GPU")
    _add_bool(p, "channels-last", None, "NHWC memory format (default: on for CUDA)")
    return p


def parse_args(argv: list[str] | None = None, env: dict[str, str] | None = None) -> argparse.Namespace:
    env = dict(os.environ) if env is None else env
    parser = build_parser(env)
    args, unknown = parser.parse_known_args(argv)
    if args.data is None:
        parser.error("--data is required outside SageMaker (SM_CHANNEL_TRAINING is not set)")
    for name in ("epochs", "batch_size", "image_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.freeze_backbone is None:
        args.freeze_backbone = args.pretrained
    args.hosts = json.loads(env.get("SM_HOSTS", "[]") or "[]")
    args.current_host = env.get("SM_CURRENT_HOST", "")
    args.num_gpus = int(env.get("SM_NUM_GPUS", "0") or 0)
    args.unknown = unknown  # sagemaker_* hyperparameters, or a typo: train.py logs them
    return args

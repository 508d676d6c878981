"""How train.py reads SageMaker's hyperparameters and SM_* environment (no training here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import parse_args

SAGEMAKER_ENV = {
    "SM_CHANNEL_TRAINING": "/opt/ml/input/data/training",
    "SM_MODEL_DIR": "/opt/ml/model",
    "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
    "SM_HOSTS": '["algo-1", "algo-2"]',
    "SM_CURRENT_HOST": "algo-2",
    "SM_NUM_GPUS": "1",
}


def test_sagemaker_environment_and_original_hyperparameter_spellings() -> None:
    argv = ["--learning_rate", "0.05", "--batch_size", "128", "--epochs", "3", "--sagemaker_program",
            "train.py", "--sagemaker_submit_directory", "s3://b/src.tar.gz"]  # fmt: skip
    args = parse_args(argv, SAGEMAKER_ENV)
    assert (args.learning_rate, args.batch_size, args.epochs) == (0.05, 128, 3)
    assert args.data == Path("/opt/ml/input/data/training")
    assert (args.model_dir, args.output_dir) == (Path("/opt/ml/model"), Path("/opt/ml/output/data"))
    assert (args.hosts, args.current_host, args.num_gpus) == (["algo-1", "algo-2"], "algo-2", 1)
    assert args.pretrained and args.freeze_backbone, (
        "SageMaker runs default to the original's frozen ImageNet backbone"
    )
    assert "--sagemaker_program" in args.unknown  # logged, not fatal


def test_local_defaults_never_need_sagemaker_variables() -> None:
    args = parse_args(["--data", "d"], {})
    assert (args.data, args.model_dir, args.arch, args.image_size) == (
        Path("d"),
        Path("model"),
        "resnet50",
        224,
    )
    assert not args.pretrained and not args.freeze_backbone and args.hosts == [] and args.num_gpus == 0


@pytest.mark.parametrize(
    ("argv", "pretrained"),
    [(["--pretrained"], True), (["--pretrained", "false"], False), (["--no-pretrained"], False),
     (["--pretrained", "True"], True), (["--pretrained", '"false"'], False)],
)  # fmt: skip
def test_boolean_hyperparameters_accept_values(argv: list[str], pretrained: bool) -> None:
    # SageMaker passes {"pretrained": "false"} as `--pretrained false`: that must mean off.
    assert parse_args(["--data", "d", *argv], {}).pretrained is pretrained


def test_missing_data_outside_sagemaker_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args([], {})
    assert "--data is required" in capsys.readouterr().err

"""SageMaker's same-region rule for training data, which moto 5.2.1 does not check.

AWS documents for ``S3DataSource.S3Uri``: "Your input bucket must be located in same Amazon Web
Services region as your training job." A CreateTrainingJob whose channel reads a bucket in
another region is refused with a ValidationException (HTTP 400), and no job is created. A bucket
that does not exist is left to moto (AWS fails such a job later, when it downloads).
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse

_S3_URI = re.compile(r"^(?:s3|https)://([^/]+)/?")

_original_create_training_job = SageMakerResponse.create_training_job


def bucket_region(account_id: str, bucket_name: str) -> str | None:
    """The region moto created ``bucket_name`` in, or None when it does not exist."""
    for partition_backend in s3_backends[account_id].values():
        bucket = partition_backend.buckets.get(bucket_name)
        if bucket is not None:
            return str(bucket.region_name)
    return None


def input_buckets(channels: list[dict[str, Any]] | None) -> list[str]:
    """The S3 buckets a CreateTrainingJob's InputDataConfig reads."""
    found: list[str] = []
    for channel in channels or []:
        uri = channel.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri", "")
        match = _S3_URI.match(uri)
        if match:
            found.append(match.group(1))
    return found


def create_training_job(self: SageMakerResponse) -> ActionResult:
    for bucket in input_buckets(self._get_param("InputDataConfig")):
        region = bucket_region(self.current_account, bucket)
        if region is not None and region != self.region:
            raise ValidationError(
                message=f"Your input bucket must be located in same Amazon Web Services region "
                f"as your training job: bucket {bucket} is in {region}, the training job in "
                f"{self.region}."
            )
    return _original_create_training_job(self)


def install() -> None:
    SageMakerResponse.create_training_job = create_training_job  # type: ignore[method-assign]

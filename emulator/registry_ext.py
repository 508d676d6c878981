"""SageMaker model registry behaviour moto 5.2.1 lacks.

- ``CreateModelPackage`` with a ``ClientToken`` is idempotent, as the API reference says of the
  parameter ("A unique token that guarantees that the call to this API is idempotent"): a
  second request with the token of an existing version returns that version's ARN instead of
  registering another version (moto registers a duplicate).
- ``UpdateModelPackage`` changes only what the request names: ``CustomerMetadataProperties``
  are added to (and overwrite same-named keys of) the existing ones, and ``ModelApprovalStatus``
  and ``ApprovalDescription`` stay when the request has none (moto replaces all three with the
  request's, ``None`` included).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.models import ModelPackage, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from .state import MUTATION_LOCK

_original_create = SageMakerResponse.create_model_package
_original_update = SageMakerResponse.update_model_package


def _backend(response: SageMakerResponse) -> Any:
    return sagemaker_backends[response.current_account][response.region]


def _body(response: SageMakerResponse) -> dict[str, Any]:
    return json.loads(response.body or "{}")


def create_model_package(self: SageMakerResponse) -> ActionResult:
    token = _body(self).get("ClientToken")
    if token:
        with MUTATION_LOCK:
            for package in _backend(self).model_packages.values():
                if getattr(package, "client_token", None) == token:
                    return ActionResult({"ModelPackageArn": package.arn})
    return _original_create(self)


def update_model_package(self: SageMakerResponse) -> ActionResult:
    body = _body(self)
    with MUTATION_LOCK:
        package: ModelPackage | None = _backend(self).model_packages.get(
            _backend(self).model_package_name_mapping.get(
                body.get("ModelPackageArn"), body.get("ModelPackageArn")
            )
        )
        kept_metadata = dict(package.customer_metadata_properties or {}) if package else {}
        kept_description = package.approval_description if package else None
        kept_status = package.model_approval_status if package else None
        result = _original_update(self)
        if package is not None:
            added = body.get("CustomerMetadataProperties") or {}
            removed = set(body.get("CustomerMetadataPropertiesToRemove") or [])
            merged = {k: v for k, v in {**kept_metadata, **added}.items() if k not in removed}
            package.customer_metadata_properties = merged or None
            if "ApprovalDescription" not in body:
                package.approval_description = kept_description
            if "ModelApprovalStatus" not in body:
                package.model_approval_status = kept_status
    return result


def install() -> None:
    SageMakerResponse.create_model_package = create_model_package  # type: ignore[method-assign]
    SageMakerResponse.update_model_package = update_model_package  # type: ignore[method-assign]

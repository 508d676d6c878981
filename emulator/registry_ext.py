"""SageMaker model registry behaviour moto 5.2.1 lacks.

- ``CreateModelPackage`` with a ``ClientToken`` is idempotent, as the API reference says of the
  parameter ("A unique token that guarantees that the call to this API is idempotent"): a
  second request with the token of an existing version returns that version's ARN instead of
  registering another version (moto registers a duplicate).
- ``UpdateModelPackage`` changes only what the request names: ``CustomerMetadataProperties``
  are added to (and overwrite same-named keys of) the existing ones, and ``ModelApprovalStatus``
  and ``ApprovalDescription`` stay when the request has none (moto replaces all three with the
  request's, ``None`` included).
- ``DeleteModelPackage`` and ``DeleteModelPackageGroup`` (moto answers 500): a version is
  removed by name or ARN; a group only once it has no versions; a missing one is a
  ``ValidationException`` "... does not exist.", as Describe words it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ValidationError
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


def delete_model_package(self: SageMakerResponse) -> ActionResult:
    name = _body(self).get("ModelPackageName", "")
    backend = _backend(self)
    with MUTATION_LOCK:
        arn = backend.model_package_name_mapping.get(name, name)
        if backend.model_packages.pop(arn, None) is None:
            raise ValidationError(f"Model package {name} does not exist.")
        for key in [k for k, v in backend.model_package_name_mapping.items() if v == arn]:
            del backend.model_package_name_mapping[key]
    return ActionResult({})


def delete_model_package_group(self: SageMakerResponse) -> ActionResult:
    name = _body(self).get("ModelPackageGroupName", "")
    backend = _backend(self)
    with MUTATION_LOCK:
        group = name.split("/")[-1]
        if group not in backend.model_package_groups:
            raise ValidationError(f"ModelPackageGroup {name} does not exist.")
        if any(p.model_package_group_name == group for p in backend.model_packages.values()):
            raise ValidationError(
                f"Model package group {group} has model packages; delete them first."
            )
        del backend.model_package_groups[group]
    return ActionResult({})


def install() -> None:
    SageMakerResponse.delete_model_package = delete_model_package  # type: ignore[attr-defined]
    SageMakerResponse.delete_model_package_group = delete_model_package_group  # type: ignore[attr-defined]
    SageMakerResponse.create_model_package = create_model_package  # type: ignore[method-assign]
    SageMakerResponse.update_model_package = update_model_package  # type: ignore[method-assign]

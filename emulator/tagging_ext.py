"""Tagging behaviour of moto 5.2.1 that differs from AWS, for the tool's ownership tags.

- moto stores an endpoint config's ``arn`` as a one-element tuple (a trailing comma in
  ``FakeEndpointConfig.__init__``), so ``GetResources`` over SageMaker endpoint configs fails
  with a 500. AWS lists them like any tagged resource: the ARN is made a string again.
- SageMaker ``AddTags`` "adds or overwrites one or more tags" (AWS API reference); moto appends,
  so a re-tagged key ends up twice with both values. A key given again replaces its value.
- SageMaker ``ListTags``/``AddTags``/``DeleteTags`` on a resource that does not exist answer a
  ValidationException (HTTP 400) in AWS; moto fails with a 500 (which SDKs retry). The
  ValidationException uses moto's own "Could not find" wording.
- A model package version's ARN (``model-package/<group>/<version>``) is found for tagging and
  ``GetResources``; moto could not parse it and answered a 500.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend

_original_init = FakeEndpointConfig.__init__
_original_resource_from_arn = SageMakerModelBackend._get_resource_from_arn


def _init(self: FakeEndpointConfig, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.arn = self.endpoint_config_arn


def add_tags(
    self: SageMakerModelBackend, arn: str, tags: list[dict[str, str]]
) -> list[dict[str, str]]:
    resource = self._get_resource_from_arn(arn)
    given = {tag["Key"] for tag in tags}
    resource.tags = [tag for tag in resource.tags if tag["Key"] not in given] + list(tags)
    return list(resource.tags)


def _resource_from_arn(self: SageMakerModelBackend, arn: str) -> Any:
    kind, _, name = arn.rsplit(":", maxsplit=1)[-1].partition("/")
    # A model package version's ARN has two slashes (model-package/<group>/<version>), which
    # moto's parser cannot split: every GetResources in an account with a registry was a 500.
    resource = (
        self.model_packages.get(arn)
        if kind == "model-package"
        else _original_resource_from_arn(self, arn)
    )
    if resource is None:
        raise ValidationError(message=f"Could not find {kind} with name {name}")
    if getattr(resource, "tags", []) is None:
        resource.tags = []  # created without tags: moto keeps None, which ListTags cannot page
    return resource


def install() -> None:
    FakeEndpointConfig.__init__ = _init  # type: ignore[method-assign]
    SageMakerModelBackend.add_tags = add_tags  # type: ignore[method-assign]
    SageMakerModelBackend._get_resource_from_arn = _resource_from_arn  # type: ignore[method-assign]

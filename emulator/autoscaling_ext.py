"""Application Auto Scaling fixes: moto 5.2.1 accepts PutScalingPolicy for an unregistered
target and keeps a target's policies after DeregisterScalableTarget; AWS does neither."""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.core.exceptions import JsonRESTError

_original_put = ApplicationAutoscalingBackend.put_scaling_policy
_original_deregister = ApplicationAutoscalingBackend.deregister_scalable_target


class ObjectNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


def put_scaling_policy(
    self: ApplicationAutoscalingBackend,
    *,
    policy_name: str,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
    policy_body: dict[str, Any],
    policy_type: str | None,
) -> Any:
    if not self._scalable_target_exists(resource_id, scalable_dimension):
        raise ObjectNotFoundException(
            f"No scalable target registered for service namespace: {service_namespace}, "
            f"resource ID: {resource_id}, scalable dimension: {scalable_dimension}"
        )
    return _original_put(
        self,
        policy_name=policy_name,
        service_namespace=service_namespace,
        resource_id=resource_id,
        scalable_dimension=scalable_dimension,
        policy_body=policy_body,
        policy_type=policy_type,
    )


def deregister_scalable_target(
    self: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str
) -> None:
    if not self._scalable_target_exists(r_id, dimension):
        raise ObjectNotFoundException(
            f"No scalable target found for service namespace: {namespace}, "
            f"resource ID: {r_id}, scalable dimension: {dimension}"
        )
    _original_deregister(self, namespace, r_id, dimension)
    for key, policy in list(self.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
            namespace,
            r_id,
            dimension,
        ):
            del self.policies[key]


def install() -> None:
    ApplicationAutoscalingBackend.put_scaling_policy = put_scaling_policy  # type: ignore[method-assign]
    ApplicationAutoscalingBackend.deregister_scalable_target = deregister_scalable_target  # type: ignore[method-assign]

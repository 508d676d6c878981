"""SageMaker operations moto 5.2.1 lacks: UpdateEndpoint, plus slow/failed CreateEndpoint faults.

Endpoint transitions follow the AWS rules in shared/design/AWS-NOTES.md: an update moves the
endpoint to Updating and, after ``SETTINGS.update_delay_s``, to InService on the new config, or
(by injected fault) to Failed, back to InService on the old config with no FailureReason (the
silent rollback), or to UpdateRollbackFailed. An update whose DeploymentConfig names
AutoRollbackConfiguration alarms is rolled back when one of them is in ALARM as its baking ends
(AWS: "If any alarms are tripped during a deployment, SageMaker rolls back the deployment"):
RollingBack for ``SETTINGS.update_delay_s``, then InService on the old config.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import (
    FakeEndpoint,
    FakeEndpointConfig,
    SageMakerModelBackend,
    sagemaker_backends,
)
from moto.sagemaker.responses import SageMakerResponse

from .cloudwatch_ext import alarms_in_alarm
from .state import FAULTS, MUTATION_LOCK, SCHEDULER, SETTINGS

# UpdateEndpoint is accepted in these states; UpdateRollbackFailed is fixed by another update.
UPDATABLE_STATUSES = frozenset({"InService", "UpdateRollbackFailed"})
BUSY_STATUSES = frozenset(
    {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "OutOfService"}
)
ENDPOINT_STATUSES = UPDATABLE_STATUSES | BUSY_STATUSES | {"Failed"}

FAILED_UPDATE_REASON = (
    "The primary container for production variant {variant} did not pass the ping health "
    "check. Please check CloudWatch logs for this endpoint. (injected by the mlops emulator)"
)
ROLLBACK_FAILED_REASON = (
    "Update failed and the rollback to the previous endpoint configuration also failed; the "
    "endpoint serves a mix of old and new variants. (injected by the mlops emulator)"
)
FAILED_CREATE_REASON = (
    "The primary container for production variant {variant} did not pass the ping health "
    "check. Please check CloudWatch logs for this endpoint. (injected by the mlops emulator)"
)

_original_create_endpoint = SageMakerResponse.create_endpoint


def _variants_for_config(
    config_variants: list[dict[str, Any]],
    current_variants: list[dict[str, Any]],
    retain: bool,
    excluded: set[str],
) -> list[dict[str, Any]]:
    """The endpoint's ProductionVariants once a config is applied.

    Without RetainAllVariantProperties every variant resets to the config's initial count and
    weight; with it, variants that keep their name keep their current desired count and weight,
    except for the properties listed in ExcludeRetainedVariantProperties.
    """
    current = {v["VariantName"]: v for v in current_variants}
    result: list[dict[str, Any]] = []
    for cfg in config_variants:
        name = cfg["VariantName"]
        count = cfg.get("InitialInstanceCount")
        weight = cfg.get("InitialVariantWeight", 1.0 if count is not None else None)
        previous = current.get(name) if retain else None
        if previous is not None:
            if "DesiredInstanceCount" not in excluded and "DesiredInstanceCount" in previous:
                count = previous["DesiredInstanceCount"]
            if "DesiredWeight" not in excluded and "DesiredWeight" in previous:
                weight = previous["DesiredWeight"]
        variant: dict[str, Any] = {"VariantName": name}
        if weight is not None:
            variant["CurrentWeight"] = weight
            variant["DesiredWeight"] = weight
        if count is not None:
            variant["CurrentInstanceCount"] = count
            variant["DesiredInstanceCount"] = count
        if cfg.get("ServerlessConfig"):
            variant["CurrentServerlessConfig"] = cfg["ServerlessConfig"]
            variant["DesiredServerlessConfig"] = cfg["ServerlessConfig"]
        result.append(variant)
    return result


def _still_current(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> bool:
    """False once the endpoint was deleted (or deleted and re-created) meanwhile."""
    return backend.endpoints.get(endpoint.endpoint_name) is endpoint


def _set_status(endpoint: FakeEndpoint, status: str, reason: str | None = None) -> None:
    endpoint.endpoint_status = status
    endpoint.failure_reason = reason
    endpoint.last_modified_time = utcnow()


def _finish_update(
    *,
    backend: SageMakerModelBackend,
    endpoint: FakeEndpoint,
    fault: str | None,
    new_config_name: str,
    new_variants: list[dict[str, Any]],
    data_capture: dict[str, Any] | None,
    rollback_alarms: list[str],
) -> None:
    if not _still_current(backend, endpoint) or endpoint.endpoint_status != "Updating":
        return
    endpoint.pending_deployment_summary = None
    first_variant = new_variants[0]["VariantName"] if new_variants else "AllTraffic"
    if alarms_in_alarm(backend.account_id, backend.region_name, rollback_alarms):
        _set_status(endpoint, "RollingBack", None)
        SCHEDULER.later(SETTINGS.update_delay_s, lambda: _finish_rollback(backend, endpoint))
    elif fault == "failed":
        _set_status(endpoint, "Failed", FAILED_UPDATE_REASON.format(variant=first_variant))
    elif fault == "silent-rollback":
        # Back on the old config, InService, and nothing says it failed.
        _set_status(endpoint, "InService", None)
    elif fault == "rollback-failed":
        _set_status(endpoint, "UpdateRollbackFailed", ROLLBACK_FAILED_REASON)
    else:
        endpoint.endpoint_config_name = new_config_name
        endpoint.production_variants = new_variants
        # The new config's capture, or none when it has none (moto keeps "none" as {}).
        endpoint.data_capture_config = data_capture or {}
        _set_status(endpoint, "InService", None)


def _finish_rollback(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> None:
    """The auto-rollback ends back on the old config, InService."""
    if _still_current(backend, endpoint) and endpoint.endpoint_status == "RollingBack":
        _set_status(endpoint, "InService", None)


def update_endpoint(self: SageMakerResponse) -> ActionResult:
    endpoint_name: str = self._get_param("EndpointName")
    config_name: str = self._get_param("EndpointConfigName")
    retain = bool(self._get_param("RetainAllVariantProperties", False))
    excluded = {
        str(p.get("VariantPropertyType"))
        for p in self._get_param("ExcludeRetainedVariantProperties") or []
    }
    backend = self.sagemaker_backend
    with MUTATION_LOCK:
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, backend.account_id, backend.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        # Raises "Could not find endpoint configuration ..." like DescribeEndpointConfig.
        config = copy.deepcopy(backend.describe_endpoint_config(config_name))
        status = endpoint.endpoint_status
        if status == "Failed":
            raise ValidationError(
                message=f'Cannot update failed endpoint "{endpoint.arn}". '
                "Delete the endpoint and create it again."
            )
        if status not in UPDATABLE_STATUSES:
            raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')

        fault = FAULTS.take("sagemaker:UpdateEndpoint", endpoint_name)
        new_variants = _variants_for_config(
            config.get("ProductionVariants") or [],
            endpoint.production_variants,
            retain,
            excluded,
        )
        data_capture = config.get("DataCaptureConfig")
        auto_rollback = (self._get_param("DeploymentConfig") or {}).get(
            "AutoRollbackConfiguration"
        ) or {}
        rollback_alarms = [str(a.get("AlarmName")) for a in auto_rollback.get("Alarms") or []]
        endpoint.pending_deployment_summary = {
            "EndpointConfigName": config_name,
            "ProductionVariants": [
                {"VariantName": v["VariantName"], "VariantStatus": [{"Status": "Updating"}]}
                for v in new_variants
            ],
            "StartTime": utcnow(),
        }
        _set_status(endpoint, "Updating", None)
        SCHEDULER.later(
            SETTINGS.update_delay_s,
            lambda: _finish_update(
                backend=backend,
                endpoint=endpoint,
                fault=fault,
                new_config_name=config_name,
                new_variants=new_variants,
                data_capture=data_capture,
                rollback_alarms=rollback_alarms,
            ),
        )
    return ActionResult({"EndpointArn": endpoint.arn})


def _finish_create(backend: SageMakerModelBackend, endpoint: FakeEndpoint, fault: str) -> None:
    if not _still_current(backend, endpoint) or endpoint.endpoint_status != "Creating":
        return
    if fault == "failed":
        first = endpoint.production_variants[0]["VariantName"]
        _set_status(endpoint, "Failed", FAILED_CREATE_REASON.format(variant=first))
    else:
        _set_status(endpoint, "InService", None)


def create_endpoint(self: SageMakerResponse) -> ActionResult:
    """moto's CreateEndpoint (InService at once) unless a fault asks for Creating first."""
    result = _original_create_endpoint(self)
    endpoint_name: str = self._get_param("EndpointName")
    fault = FAULTS.take("sagemaker:CreateEndpoint", endpoint_name)
    if fault is not None:
        backend = self.sagemaker_backend
        with MUTATION_LOCK:
            endpoint = backend.endpoints[endpoint_name]
            _set_status(endpoint, "Creating", None)
            SCHEDULER.later(
                SETTINGS.update_delay_s, lambda: _finish_create(backend, endpoint, fault)
            )
    return result


def set_endpoint_status(
    account_id: str,
    region: str,
    endpoint_name: str,
    status: str,
    duration_s: float | None,
) -> None:
    """Force an endpoint into a status (e.g. SystemUpdating), optionally restoring it later."""
    if status not in ENDPOINT_STATUSES:
        raise ValueError(f"unknown endpoint status {status!r}")
    backend = sagemaker_backends[account_id][region]
    with MUTATION_LOCK:
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None:
            raise LookupError(f"no endpoint {endpoint_name!r} in {account_id}/{region}")
        previous = endpoint.endpoint_status
        _set_status(endpoint, status, None)

    def restore() -> None:
        if _still_current(backend, endpoint) and endpoint.endpoint_status == status:
            _set_status(endpoint, previous, None)

    if duration_s is not None:
        SCHEDULER.later(duration_s, restore)


def _any_instance_type(_self: FakeEndpointConfig, _instance_type: str) -> None:
    """moto checks production variants against its own list, which lacks current types
    (ml.g5.*, ml.g6.*, ...); the strict front checks them against the service model's enum."""


def list_models(self: SageMakerResponse) -> ActionResult:
    """ListModels with NameContains, which AWS applies and moto 5.2.1 ignores (it lists every
    model in the account); ListEndpoints and ListEndpointConfigs already honour it."""
    contains = self._get_param("NameContains")
    models = self.sagemaker_backend.list_models()
    return ActionResult(
        {
            "Models": [
                model.response_object
                for model in models
                if not contains or contains in model.model_name
            ]
        }
    )


_TRAINING_JOB_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "Name": lambda job: job.training_job_name,
    "CreationTime": lambda job: job.creation_time,
    "Status": lambda job: job.training_job_status,
}


def list_training_jobs(self: SageMakerResponse) -> ActionResult:
    """ListTrainingJobs as AWS answers it: filtered (NameContains, StatusEquals), sorted (SortBy,
    SortOrder; default CreationTime, Ascending), then paged (MaxResults, default 10). moto 5.2.1
    pages first, filters the page and never sorts, so "the newest 5 jobs of this project" in a
    busy account came back empty."""
    contains = self._get_param("NameContains")
    status = self._get_param("StatusEquals")
    sort_by = self._get_param("SortBy", "CreationTime")
    descending = self._get_param("SortOrder", "Ascending") == "Descending"
    max_results = self._get_int_param("MaxResults") or 10
    start = int(self._get_param("NextToken") or 0)
    jobs = [
        job
        for job in self.sagemaker_backend.training_jobs.values()
        if (not contains or contains in job.training_job_name)
        and (not status or job.training_job_status == status)
    ]
    jobs.sort(key=_TRAINING_JOB_SORT_KEYS.get(sort_by, _TRAINING_JOB_SORT_KEYS["CreationTime"]))
    if descending:
        jobs.reverse()
    page = jobs[start : start + max_results]
    summaries = [
        {
            "TrainingJobName": job.training_job_name,
            "TrainingJobArn": job.arn,
            "CreationTime": job.creation_time,
            "TrainingEndTime": job.training_end_time,
            "LastModifiedTime": job.last_modified_time,
            "TrainingJobStatus": job.training_job_status,
        }
        for job in page
    ]
    result: dict[str, Any] = {"TrainingJobSummaries": summaries}
    if start + max_results < len(jobs):
        result["NextToken"] = str(start + max_results)
    return ActionResult(result)


TERMINAL_TRAINING_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


def delete_training_job(self: SageMakerResponse) -> ActionResult:
    """DeleteTrainingJob, which moto 5.2.1 lacks: only a job in a terminal state goes (AWS
    refuses InProgress and Stopping), and a missing one is not found as DescribeTrainingJob
    says it."""
    name = self._get_param("TrainingJobName")
    backend = self.sagemaker_backend
    with MUTATION_LOCK:
        backend.describe_training_job(name)  # raises "Could not find training job" if absent
        status = backend.training_jobs[name].training_job_status
        if status not in TERMINAL_TRAINING_STATUSES:
            raise ValidationError(
                message=f"Training job {name} is {status}: only a Completed, Failed or "
                "Stopped training job can be deleted."
            )
        del backend.training_jobs[name]
    return ActionResult({})


def install() -> None:
    SageMakerResponse.delete_training_job = delete_training_job  # type: ignore[attr-defined]
    FakeEndpointConfig.validate_instance_type = _any_instance_type  # type: ignore[method-assign]
    SageMakerResponse.list_models = list_models  # type: ignore[method-assign]
    SageMakerResponse.list_training_jobs = list_training_jobs  # type: ignore[method-assign]
    SageMakerResponse.update_endpoint = update_endpoint  # type: ignore[attr-defined]
    SageMakerResponse.create_endpoint = create_endpoint  # type: ignore[method-assign]

"""Lambda operations moto 5.2.1 lacks: provisioned concurrency and GetAccountSettings.

Routes are added to ``moto.awslambda.urls.url_paths`` before the server builds its Flask app;
moto then maps each request to an operation name from botocore's service model and calls the
snake_case method added to ``LambdaResponse`` here, so requests are recorded like any other.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from moto.awslambda import urls as lambda_urls
from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from .state import FAULTS, MUTATION_LOCK, SCHEDULER, SETTINGS

UNPUBLISHED_MESSAGE = (
    "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
)
FAILED_REASON = (
    "FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize "
    "(injected by the mlops emulator)"
)
DEFAULT_CONCURRENCY_QUOTA = 1000
MIN_UNRESERVED = 100


class ProvisionedConcurrencyConfigNotFound(LambdaClientError):
    code = 404

    def __init__(self) -> None:
        super().__init__(
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        )


class LambdaValidationException(LambdaClientError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


@dataclass
class ProvisionedConfig:
    function_arn: str
    requested: int
    status: str = "IN_PROGRESS"
    status_reason: str | None = None
    allocated: int = 0
    last_modified: str = ""

    def to_json(self, with_arn: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": self.allocated,
            "AllocatedProvisionedConcurrentExecutions": self.allocated,
            "Status": self.status,
            "LastModified": self.last_modified,
        }
        if self.status_reason is not None:
            body["StatusReason"] = self.status_reason
        if with_arn:
            body["FunctionArn"] = self.function_arn
        return body


# (account, region, function name, qualifier as given) -> config
PROVISIONED: dict[tuple[str, str, str, str], ProvisionedConfig] = {}


def reset() -> None:
    with MUTATION_LOCK:
        PROVISIONED.clear()


def _now() -> str:
    # Lambda's timestamp format, e.g. 2024-05-01T12:00:00.000+0000
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _path_function_name(self: LambdaResponse) -> str:
    # /2019-09-30/functions/{FunctionName}/provisioned-concurrency
    raw = unquote(self.path.rstrip("/").split("/")[-2])
    if raw.startswith("arn:"):
        _, name, _ = self.backend._lambdas.split_function_arn(raw)
        return name
    return raw.split(":")[0]


def _qualifier(self: LambdaResponse) -> str | None:
    values = self.querystring.get("Qualifier") or [None]
    value = values[0]
    return str(value) if value else None


def _key(self: LambdaResponse, name: str, qualifier: str) -> tuple[str, str, str, str]:
    return (self.current_account, self.region, name, qualifier)


def _resolve(self: LambdaResponse, name: str, qualifier: str | None) -> LambdaFunction:
    """The published version behind a version or alias qualifier, or the real error."""
    self.backend.get_function(name)  # ResourceNotFoundException for an unknown function
    if qualifier is None or qualifier == "$LATEST":
        raise InvalidParameterValueException(UNPUBLISHED_MESSAGE)
    fn = self.backend.get_function(name, qualifier)  # unknown version/alias -> 404
    if str(fn.version) == "$LATEST":
        raise InvalidParameterValueException(UNPUBLISHED_MESSAGE)
    return fn


def _finish(key: tuple[str, str, str, str], config: ProvisionedConfig, fault: str | None) -> None:
    if PROVISIONED.get(key) is not config or config.status != "IN_PROGRESS":
        return
    config.last_modified = _now()
    if fault == "failed":
        config.status = "FAILED"
        config.status_reason = FAILED_REASON
        config.allocated = 0
    else:
        config.status = "READY"
        config.allocated = config.requested


def put_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    name = _path_function_name(self)
    qualifier = _qualifier(self)
    body = json.loads(self.body or "{}")
    requested = body.get("ProvisionedConcurrentExecutions")
    if not isinstance(requested, int) or requested < 1:
        raise LambdaValidationException(
            f"1 validation error detected: Value '{requested}' at "
            "'provisionedConcurrentExecutions' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    fn = _resolve(self, name, qualifier)
    assert qualifier is not None
    latest = self.backend.get_function(name)
    reserved = latest.reserved_concurrency
    if reserved is not None and requested > int(reserved):
        raise InvalidParameterValueException(
            "Requested Provisioned Concurrency should not be greater than the "
            "reservedConcurrentExecution for function"
        )
    key = _key(self, name, qualifier)
    fault = FAULTS.take("lambda:PutProvisionedConcurrencyConfig", name)
    with MUTATION_LOCK:
        base_arn, _, _ = self.backend._lambdas.split_function_arn(fn.function_arn)
        config = ProvisionedConfig(
            function_arn=f"{base_arn}:{qualifier}",
            requested=requested,
            last_modified=_now(),
        )
        PROVISIONED[key] = config
        SCHEDULER.later(SETTINGS.update_delay_s, lambda: _finish(key, config, fault))
        return 202, {"status": 202}, json.dumps(config.to_json(with_arn=False))


def get_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    if "List" in self.querystring:
        # Get and List share method and path; moto's router cannot tell them apart.
        return _list(self)
    name = _path_function_name(self)
    qualifier = _qualifier(self)
    _resolve(self, name, qualifier)
    assert qualifier is not None
    with MUTATION_LOCK:
        config = PROVISIONED.get(_key(self, name, qualifier))
        if config is None:
            raise ProvisionedConcurrencyConfigNotFound()
        return 200, {}, json.dumps(config.to_json(with_arn=False))


def delete_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    name = _path_function_name(self)
    qualifier = _qualifier(self)
    _resolve(self, name, qualifier)
    assert qualifier is not None
    with MUTATION_LOCK:
        if PROVISIONED.pop(_key(self, name, qualifier), None) is None:
            raise ProvisionedConcurrencyConfigNotFound()
    return 204, {"status": 204}, ""


def list_provisioned_concurrency_configs(self: LambdaResponse) -> TYPE_RESPONSE:
    if "List" not in self.querystring:
        return get_provisioned_concurrency_config(self)
    return _list(self)


def _list(self: LambdaResponse) -> TYPE_RESPONSE:
    name = _path_function_name(self)
    self.backend.get_function(name)
    with MUTATION_LOCK:
        configs = [
            config.to_json(with_arn=True)
            for (account, region, fn_name, _), config in sorted(PROVISIONED.items())
            if (account, region, fn_name) == (self.current_account, self.region, name)
        ]
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs})


def get_account_settings(self: LambdaResponse) -> TYPE_RESPONSE:
    quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", DEFAULT_CONCURRENCY_QUOTA))
    functions = list(self.backend.list_functions())
    reserved = sum(int(fn.reserved_concurrency or 0) for fn in functions)
    body = {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": quota,
            "UnreservedConcurrentExecutions": quota - reserved,
        },
        "AccountUsage": {
            "TotalCodeSize": sum(int(fn.code_size or 0) for fn in functions),
            "FunctionCount": len(functions),
        },
    }
    return 200, {}, json.dumps(body)


_original_update_function_code = LambdaFunction.update_function_code


def update_function_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> dict[str, Any]:
    """moto ignores Architectures here; AWS applies it with the new code (the setter checks it
    is one of x86_64 / arm64, as AWS does)."""
    architectures = updated_spec.get("Architectures")
    if architectures is not None:
        self.architectures = list(architectures)
    return _original_update_function_code(self, updated_spec)


def install() -> None:
    LambdaFunction.update_function_code = update_function_code  # type: ignore[method-assign]
    dispatch = LambdaResponse.dispatch
    fn_path = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)"
    lambda_urls.url_paths[fn_path + r"/provisioned-concurrency/?$"] = dispatch
    lambda_urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = dispatch
    methods = {
        "put_provisioned_concurrency_config": put_provisioned_concurrency_config,
        "get_provisioned_concurrency_config": get_provisioned_concurrency_config,
        "delete_provisioned_concurrency_config": delete_provisioned_concurrency_config,
        "list_provisioned_concurrency_configs": list_provisioned_concurrency_configs,
        "get_account_settings": get_account_settings,
    }
    for method_name, method in methods.items():
        setattr(LambdaResponse, method_name, method)

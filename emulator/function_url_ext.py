"""Lambda Function URLs' management API as AWS has it, which moto 5.2.1 lacks.

Patched onto ``LambdaResponse``, so moto routes and records the calls:

- ``Create/Get/Update/DeleteFunctionUrlConfig`` per function *and qualifier* (moto keeps one URL
  per function and ignores ``Qualifier``): an alias or ``$LATEST``; ``ResourceConflictException``
  for a second create, ``ResourceNotFoundException`` for an unknown function, alias or URL.
  ``FunctionArn`` is the qualified ARN. Update replaces ``Cors`` as given (an empty ``Cors``
  clears it); deleting the function deletes its URLs.
- ``AddPermission`` / ``GetPolicy`` / ``RemovePermission`` with a ``Qualifier``: a resource policy
  of the alias itself (moto puts it on the version the alias points at and removes from
  ``$LATEST``), with ``FunctionUrlAuthType`` and ``InvokedViaFunctionUrl`` written as AWS writes
  them, as conditions. Unqualified requests stay moto's.

Calling the URLs is function_url_serving.py's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from .state import MUTATION_LOCK

NOT_FOUND = "The resource you requested does not exist."


class ResourceNotFound(LambdaClientError):
    code = 404

    def __init__(self, message: str = NOT_FOUND) -> None:
        super().__init__("ResourceNotFoundException", message)


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


@dataclass
class UrlConfig:
    url_id: str
    account: str
    region: str
    function_name: str
    function_arn: str
    auth_type: str
    cors: dict[str, Any] | None
    invoke_mode: str
    created: str
    modified: str

    @property
    def url(self) -> str:
        return f"https://{self.url_id}.lambda-url.{self.region}.on.aws/"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "FunctionUrl": self.url,
            "FunctionArn": self.function_arn,
            "AuthType": self.auth_type,
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
            "InvokeMode": self.invoke_mode,
        }
        if self.cors:
            body["Cors"] = self.cors
        return body


@dataclass
class AliasPolicy:
    statements: list[dict[str, Any]] = field(default_factory=list)
    revision: str = field(default_factory=lambda: str(uuid.uuid4()))


Key = tuple[str, str, str, str]  # account, region, function name, qualifier
URLS: dict[Key, UrlConfig] = {}
POLICIES: dict[Key, AliasPolicy] = {}


def reset() -> None:
    with MUTATION_LOCK:
        URLS.clear()
        POLICIES.clear()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _function_name(self: LambdaResponse) -> str:
    # /2021-10-31/functions/{FunctionName}/url, /2015-03-31/functions/{FunctionName}/policy[/sid]
    parts = self.path.rstrip("/").split("/")
    raw = unquote(parts[parts.index("functions") + 1])
    if raw.startswith("arn:"):
        _, name, _ = self.backend._lambdas.split_function_arn(raw)
        return str(name)
    return raw.split(":")[0]


def _qualifier(self: LambdaResponse) -> str | None:
    value = (self.querystring.get("Qualifier") or [None])[0]
    return str(value) if value else None


def _key(self: LambdaResponse, name: str, qualifier: str) -> Key:
    return (self.current_account, self.region, name, qualifier)


def _alias_or_404(self: LambdaResponse, name: str, alias: str) -> None:
    try:
        self.backend.get_alias(alias, name)
    except LambdaClientError as exc:
        raise ResourceNotFound(f"Function not found: {name}:{alias}") from exc


def _qualified_arn(self: LambdaResponse, name: str, qualifier: str) -> str:
    arn = str(self.backend.get_function(name).function_arn)
    return arn if qualifier == "$LATEST" else f"{arn}:{qualifier}"


def create_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    name = _function_name(self)
    qualifier = _url_qualifier(self, name)
    body = json.loads(self.body or "{}")
    with MUTATION_LOCK:
        key = _key(self, name, qualifier)
        if key in URLS:
            raise ResourceConflict(
                f"Failed to create function url config for [functionArn = "
                f"{_qualified_arn(self, name, qualifier)}]. Error message:  FunctionUrlConfig "
                "exists for this Lambda function"
            )
        now = _now()
        config = UrlConfig(
            url_id=uuid.uuid4().hex,
            account=self.current_account,
            region=self.region,
            function_name=name,
            function_arn=_qualified_arn(self, name, qualifier),
            auth_type=str(body["AuthType"]),
            cors=body.get("Cors") or None,
            invoke_mode=str(body.get("InvokeMode") or "BUFFERED"),
            created=now,
            modified=now,
        )
        URLS[key] = config
        return 201, {"status": 201}, json.dumps(config.to_json())


def _existing(self: LambdaResponse) -> tuple[Key, UrlConfig]:
    name = _function_name(self)
    qualifier = _url_qualifier(self, name)
    key = _key(self, name, qualifier)
    config = URLS.get(key)
    if config is None:
        raise ResourceNotFound()
    return key, config


def get_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    with MUTATION_LOCK:
        _, config = _existing(self)
        return 200, {}, json.dumps(config.to_json())


def update_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    body = json.loads(self.body or "{}")
    with MUTATION_LOCK:
        _, config = _existing(self)
        if "AuthType" in body:
            config.auth_type = str(body["AuthType"])
        if "Cors" in body:
            config.cors = body["Cors"] or None
        if "InvokeMode" in body:
            config.invoke_mode = str(body["InvokeMode"])
        config.modified = _now()
        return 200, {}, json.dumps(config.to_json())


def delete_function_url_config(self: LambdaResponse) -> TYPE_RESPONSE:
    with MUTATION_LOCK:
        key, _ = _existing(self)
        del URLS[key]
    return 204, {"status": 204}, ""


def _url_qualifier(self: LambdaResponse, name: str) -> str:
    self.backend.get_function(name)  # ResourceNotFoundException for an unknown function
    qualifier = _qualifier(self)
    if qualifier is None or qualifier == "$LATEST":
        return "$LATEST"
    _alias_or_404(self, name, qualifier)
    return qualifier


# ---- resource policies of an alias -------------------------------------------------------

_original_add_permission = LambdaResponse.add_permission
_original_get_policy = LambdaResponse.get_policy
_original_remove_permission = LambdaResponse.remove_permission


def _policy_statement(self: LambdaResponse, name: str, qualifier: str) -> dict[str, Any]:
    body = json.loads(self.body or "{}")
    principal = str(body["Principal"])
    if principal.endswith(".amazonaws.com"):
        principal_json: Any = {"Service": principal}
    elif principal == "*":
        principal_json = "*"
    else:
        principal_json = {"AWS": principal}
    statement: dict[str, Any] = {
        "Sid": body["StatementId"],
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": body["Action"],
        "Resource": _qualified_arn(self, name, qualifier),
    }
    condition: dict[str, dict[str, str]] = {}
    if body.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(
            body["FunctionUrlAuthType"]
        )
    if body.get("InvokedViaFunctionUrl") is not None:
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = str(
            bool(body["InvokedViaFunctionUrl"])
        ).lower()
    if body.get("SourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = str(body["SourceArn"])
    if body.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = str(body["SourceAccount"])
    if condition:
        statement["Condition"] = condition
    return statement


def add_permission(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_add_permission(self)
    name = _function_name(self)
    self.backend.get_function(name, qualifier)  # unknown function, version or alias -> 404
    statement = _policy_statement(self, name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.setdefault(_key(self, name, qualifier), AliasPolicy())
        if any(s["Sid"] == statement["Sid"] for s in policy.statements):
            raise ResourceConflict(
                f"The statement id ({statement['Sid']}) provided already exists. Please provide "
                "a new statement id, or remove the existing statement."
            )
        policy.statements.append(statement)
        policy.revision = str(uuid.uuid4())
    return 201, {"status": 201}, json.dumps({"Statement": json.dumps(statement)})


def get_policy(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_get_policy(self)
    name = _function_name(self)
    self.backend.get_function(name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.get(_key(self, name, qualifier))
        if policy is None or not policy.statements:
            raise ResourceNotFound()
        document = {"Version": "2012-10-17", "Id": "default", "Statement": policy.statements}
        return 200, {}, json.dumps({"Policy": json.dumps(document), "RevisionId": policy.revision})


def remove_permission(self: LambdaResponse) -> Any:
    qualifier = _qualifier(self)
    if qualifier is None:
        return _original_remove_permission(self)
    name = _function_name(self)
    sid = unquote(self.path.rstrip("/").split("/")[-1])
    self.backend.get_function(name, qualifier)
    with MUTATION_LOCK:
        policy = POLICIES.get(_key(self, name, qualifier))
        if policy is None or not any(s["Sid"] == sid for s in policy.statements):
            raise ResourceNotFound(f"Statement {sid} is not found in resource policy.")
        policy.statements = [s for s in policy.statements if s["Sid"] != sid]
        policy.revision = str(uuid.uuid4())
    return 204, {"status": 204}, ""


_original_delete_function = LambdaBackend.delete_function


def delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> None:
    """Deleting a function deletes its URLs and alias policies, as on AWS."""
    _original_delete_function(self, function_name, qualifier)
    name = (
        function_name.rsplit(":", maxsplit=1)[-1]
        if function_name.startswith("arn:")
        else function_name
    )
    if qualifier is None:
        with MUTATION_LOCK:
            for store in (URLS, POLICIES):
                ours = (self.account_id, self.region_name, name)
                for key in [k for k in store if k[:3] == ours]:
                    del store[key]


def install() -> None:
    methods = {
        "create_function_url_config": create_function_url_config,
        "get_function_url_config": get_function_url_config,
        "update_function_url_config": update_function_url_config,
        "delete_function_url_config": delete_function_url_config,
        "add_permission": add_permission,
        "get_policy": get_policy,
        "remove_permission": remove_permission,
    }
    for method_name, method in methods.items():
        setattr(LambdaResponse, method_name, method)
    LambdaBackend.delete_function = delete_function  # type: ignore[method-assign]

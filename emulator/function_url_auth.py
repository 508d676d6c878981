"""Who may call an emulated Function URL: the SigV4 check of an ``AWS_IAM`` URL and the
resource-policy check of a public one (see function_url_serving.py).

``AWS_IAM``: the signature (service ``lambda``) is verified with the emulator's credentials
(``testing``/``testing``, or the launcher's ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``):
none -> 403 ``Forbidden``, wrong -> 403 signature mismatch, more than 5 minutes off -> 403
expired. Identity policies are not evaluated. ``NONE``: the alias's policy must allow
``lambda:InvokeFunctionUrl`` to ``*`` with ``FunctionUrlAuthType`` NONE and
``lambda:InvokeFunction`` with ``InvokedViaFunctionUrl`` (required since October 2025).
"""

from __future__ import annotations

import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .function_url_ext import POLICIES, UrlConfig

MAX_SKEW = timedelta(minutes=5)


def _credentials() -> dict[str, str]:
    known = {"testing": "testing"}
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        known[key] = secret
    return known


Answer = tuple[int, dict[str, str], bytes]


def forbidden(message: str = "Forbidden", key: str = "Message") -> Answer:
    return 403, {"Content-Type": "application/json"}, json.dumps({key: message}).encode()


_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True)
class Incoming:
    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def _scope_problem(service: str, signed: list[str], amz_date: str) -> str | None:
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "Authorization header requires 'X-Amz-Date'"
    if abs(datetime.now(UTC) - when) > MAX_SKEW:
        return "Signature expired"
    if service != "lambda":
        return "Credential should be scoped to correct service: 'lambda'."
    if "host" not in signed:
        return "'Host' must be a 'SignedHeader' in the AWS Authorization."
    return None


def signature_problem(request: Incoming) -> Answer | None:
    """Why AWS would refuse this request's SigV4 signature (service lambda), or None."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return forbidden()
    match = _AUTH.match(authorization.strip())
    if match is None:
        return forbidden("Authorization header is malformed", "message")
    access_key, _date, region, service, signed, signature = match.groups()
    secret = _credentials().get(access_key)
    if secret is None:
        return forbidden("The security token included in the request is invalid.", "message")
    names = signed.split(";")
    amz_date = request.headers.get("x-amz-date", "")
    scope = _scope_problem(service, names, amz_date)
    if scope is not None:
        return forbidden(scope, "message")
    signed_headers = {n: request.headers.get(n, "") for n in names}
    signed_headers["host"] = request.host
    query = f"?{request.query}" if request.query else ""
    aws_request = AWSRequest(
        method=request.method,
        url=f"https://{request.host}{request.path}{query}",
        headers=signed_headers,
        data=request.body,
    )
    aws_request.context["timestamp"] = amz_date
    token = request.headers.get("x-amz-security-token")
    auth = SigV4Auth(Credentials(access_key, secret, token), "lambda", region)
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, signature):
        return forbidden(MISMATCH, "message")
    return None


def public_allowed(config: UrlConfig, qualifier: str) -> bool:
    policy = POLICIES.get((config.account, config.region, config.function_name, qualifier))
    statements = policy.statements if policy else []

    def allows(action: str, condition: tuple[str, str, str]) -> bool:
        kind, name, value = condition
        return any(
            s.get("Principal") == "*"
            and s.get("Action") in (action, "lambda:*")
            and s.get("Condition", {}).get(kind, {}).get(name) == value
            for s in statements
        )

    return allows(
        "lambda:InvokeFunctionUrl", ("StringEquals", "lambda:FunctionUrlAuthType", "NONE")
    ) and allows("lambda:InvokeFunction", ("Bool", "lambda:InvokedViaFunctionUrl", "true"))

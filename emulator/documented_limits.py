"""Limits AWS documents and enforces that botocore's service models do not carry.

Each rule names the AWS documentation page it comes from. ``violations`` returns breaches the
service reports inside its usual validation message (merged with the model's); ``rejection``
returns an error the service reports with its own code and wording.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .model_check import Violation, compile_pattern, java_length

# https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html and
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html: keys up to 128
# Unicode characters, values up to 256, letters, numbers, spaces and _ . : / = + - @.
TAG_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions:
# the aws: prefix is reserved for AWS's own tags.
RESERVED_TAG_PREFIX = "aws:"

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: "Function environment
# variables: 4 KB, for all environment variables associated with the function, in aggregate".
LAMBDA_ENVIRONMENT_MAX_BYTES = 4096
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
# ("reserved environment variables ... you can't set them in your function's configuration").
LAMBDA_RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html: 50 tags per function.
LAMBDA_MAX_TAGS = 50

# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions:
# 50 tags per resource, keys up to 128 characters, values up to 256 (EC2 allows any character).
EC2_MAX_TAGS = 50
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: "User data is limited to
# 16 KB, in raw form, before it is base64-encoded."
EC2_USER_DATA_MAX_BYTES = 16 * 1024

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html (10 per object) and
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html (50 per bucket).
S3_MAX_OBJECT_TAGS = 10
S3_MAX_BUCKET_TAGS = 50
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html: 3-63 characters,
# lowercase letters, numbers, dots and hyphens, beginning and ending with a letter or number, no
# two adjacent dots, not an IP address, none of the reserved prefixes and suffixes.
S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_BUCKET_RESERVED = (
    re.compile(r"\d+\.\d+\.\d+\.\d+"),
    re.compile(r".*\.\..*"),
    re.compile(r"^(xn--|sthree-|amzn-s3-demo-).*"),
    re.compile(r".*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$"),
)

Tags = list[tuple[str, str]]


def _tag_constraints(key: str, value: str) -> tuple[list[str], list[str]]:
    pattern = compile_pattern(TAG_PATTERN)
    assert pattern is not None
    keys: list[str] = []
    values: list[str] = []
    if java_length(key) > TAG_KEY_MAX:
        keys.append(f"Member must have length less than or equal to {TAG_KEY_MAX}")
    if not key:
        keys.append("Member must have length greater than or equal to 1")
    if pattern.fullmatch(key) is None:
        keys.append(f"Member must satisfy regular expression pattern: {TAG_PATTERN}")
    if java_length(value) > TAG_VALUE_MAX:
        values.append(f"Member must have length less than or equal to {TAG_VALUE_MAX}")
    if pattern.fullmatch(value) is None:
        values.append(f"Member must satisfy regular expression pattern: {TAG_PATTERN}")
    return keys, values


def _lambda_tag_violations(tags: Any) -> list[Violation]:
    """Lambda's model leaves its Tags map unconstrained; the documented rules, worded as the
    Coral front end words map constraints."""
    if not isinstance(tags, dict):
        return []
    found: list[Violation] = []
    bad_keys: dict[str, None] = {}
    bad_values: dict[str, None] = {}
    for key, value in tags.items():
        keys, values = _tag_constraints(str(key), str(value))
        bad_keys.update(dict.fromkeys(keys))
        bad_values.update(dict.fromkeys(values))
    if len(tags) > LAMBDA_MAX_TAGS:
        text = f"Member must have length less than or equal to {LAMBDA_MAX_TAGS}"
        found.append(Violation("tags", text, "length", tags, False, "Tags"))
    for label, broken in (("Map keys", bad_keys), ("Map value", bad_values)):
        if broken:
            text = f"{label} must satisfy constraint: [" + ", ".join(broken) + "]"
            kind = "pattern" if "pattern" in text else "length"
            found.append(Violation("tags", text, kind, tags, False, "Tags"))
    return found


def violations(service: str, operation: str, params: dict[str, Any]) -> list[Violation]:
    if service == "lambda" and operation in ("CreateFunction", "TagResource"):
        return _lambda_tag_violations(params.get("Tags"))
    return []


Rejection = tuple[str, str]


def _lambda_environment(params: dict[str, Any]) -> Rejection | None:
    variables = (params.get("Environment") or {}).get("Variables")
    if not isinstance(variables, dict):
        return None
    reserved = sorted(k for k in variables if k in LAMBDA_RESERVED_VARIABLES)
    if reserved:
        return (
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}",
        )
    # Lambda measures the variables as a JSON object without spaces.
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > LAMBDA_ENVIRONMENT_MAX_BYTES:
        return (
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured}",
        )
    return None


def _ec2_tags(tags: Tags) -> Rejection | None:
    if len(tags) > EC2_MAX_TAGS:
        return ("TagLimitExceeded", f"The maximum number of tags ({EC2_MAX_TAGS}) was exceeded.")
    for key, value in tags:
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            return (
                "InvalidParameterValue",
                "Tag keys starting with 'aws:' are reserved for internal use",
            )
        if java_length(key) > TAG_KEY_MAX:
            return (
                "InvalidParameterValue",
                f"Tag key exceeds the maximum length of {TAG_KEY_MAX} characters",
            )
        if java_length(value) > TAG_VALUE_MAX:
            return (
                "InvalidParameterValue",
                f"Tag value exceeds the maximum length of {TAG_VALUE_MAX} characters",
            )
    return None


def _pairs(tags: Any) -> Tags:
    return [(str(t.get("Key", "")), str(t.get("Value", ""))) for t in tags or []]


def _ec2_run_instances(params: dict[str, Any]) -> Rejection | None:
    for spec in params.get("TagSpecifications") or []:
        found = _ec2_tags(_pairs(spec.get("Tags")))
        if found is not None:
            return found
    user_data = params.get("UserData")
    if isinstance(user_data, str) and user_data:
        try:
            raw = base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            return ("InvalidParameterValue", "Invalid BASE64 encoding of user data.")
        if len(raw) > EC2_USER_DATA_MAX_BYTES:
            return (
                "InvalidParameterValue",
                f"User data is limited to {EC2_USER_DATA_MAX_BYTES} bytes",
            )
    return None


def _s3_tags(tags: Tags, limit: int, what: str) -> Rejection | None:
    if len(tags) > limit:
        return ("InvalidTag", f"{what} tags cannot be greater than {limit}")
    for key, value in tags:
        if key.startswith(RESERVED_TAG_PREFIX):
            return ("InvalidTag", "Your TagKey cannot be prefixed with aws:")
        keys, values = _tag_constraints(key, value)
        if keys:
            return ("InvalidTag", "The TagKey you have provided is invalid")
        if values:
            return ("InvalidTag", "The TagValue you have provided is invalid")
    return None


def _s3_create_bucket(params: dict[str, Any]) -> Rejection | None:
    name = str(params.get("Bucket", ""))
    if S3_BUCKET_NAME.fullmatch(name) is None or any(
        rule.fullmatch(name) for rule in S3_BUCKET_RESERVED
    ):
        return ("InvalidBucketName", "The specified bucket is not valid.")
    return None


RULES: dict[tuple[str, str], Callable[[dict[str, Any]], Rejection | None]] = {
    ("lambda", "CreateFunction"): _lambda_environment,
    ("lambda", "UpdateFunctionConfiguration"): _lambda_environment,
    ("ec2", "RunInstances"): _ec2_run_instances,
    ("ec2", "CreateTags"): lambda p: _ec2_tags(_pairs(p.get("Tags"))),
    ("s3", "CreateBucket"): _s3_create_bucket,
    ("s3", "PutBucketTagging"): lambda p: _s3_tags(
        _pairs((p.get("Tagging") or {}).get("TagSet")), S3_MAX_BUCKET_TAGS, "Bucket"
    ),
    ("s3", "PutObjectTagging"): lambda p: _s3_tags(
        _pairs((p.get("Tagging") or {}).get("TagSet")), S3_MAX_OBJECT_TAGS, "Object"
    ),
    # PutObject carries its tags as a query string in the x-amz-tagging header.
    ("s3", "PutObject"): lambda p: _s3_tags(
        parse_qsl(str(p.get("Tagging") or ""), keep_blank_values=True),
        S3_MAX_OBJECT_TAGS,
        "Object",
    ),
}


def rejection(service: str, operation: str, params: dict[str, Any]) -> Rejection | None:
    rule = RULES.get((service, operation))
    return rule(params) if rule is not None else None

"""Checks request parameters against the constraints of botocore's service model, as AWS does.

AWS's front ends validate every request against the same model botocore ships (required
members, string and blob lengths, patterns, enums, list and map sizes, numeric ranges) and
answer with one message listing every violation, e.g.::

    1 validation error detected: Value 'a b' at 'endpointName' failed to satisfy constraint:
    Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}

Paths name members in lowerCamelCase, list items as ``tags.1.member.key`` (1-based), and
constraints on map keys and values are grouped as ``Map keys must satisfy constraint: [...]``.
A sensitive member's value is not echoed (``Value at 'environment.variables' ...``).

Patterns are Java regular expressions (``\\p{L}``, ``\\p{Print}``, UTF-16 surrogate ranges), so
they are compiled with the ``regex`` package (a dependency of ``moto[server]`` via cfn-lint)
after translating the few constructs it does not share with Java. Compiled patterns and each
shape's constraint list are cached: the model does not change while the server runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex
from botocore.model import Shape

# Java writes characters beyond the BMP as UTF-16 surrogate pairs in a class range;
# Python strings hold code points, so the pair range becomes the code point range.
_JAVA_FIXUPS = ((r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF"),)

_PATTERNS: dict[str, regex.Pattern[str] | None] = {}


def compile_pattern(pattern: str) -> regex.Pattern[str] | None:
    """The pattern as AWS applies it (the whole value must match), or None if unusable."""
    compiled = _PATTERNS.get(pattern, _PATTERNS)
    if compiled is not _PATTERNS:
        return compiled  # type: ignore[return-value]
    source = pattern
    for java, python in _JAVA_FIXUPS:
        source = source.replace(java, python)
    try:
        result: regex.Pattern[str] | None = regex.compile(source, regex.V0)
    except regex.error:
        result = None
    _PATTERNS[pattern] = result
    return result


def java_length(value: str) -> int:
    """String length as AWS (Java) counts it: UTF-16 code units."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Violation:
    path: str
    constraint: str
    kind: str  # required | length | pattern | enum | range
    value: Any
    sensitive: bool
    # The member's name on the wire (for protocols whose errors name the parameter).
    member: str

    def message(self) -> str:
        if self.kind == "required":
            return f"Value null at '{self.path}' failed to satisfy constraint: {self.constraint}"
        shown = "" if self.sensitive else f" '{render(self.value)}'"
        return f"Value{shown} at '{self.path}' failed to satisfy constraint: {self.constraint}"


def render(value: Any) -> str:
    """A value as AWS's Java front end prints it (toString of strings, lists and maps)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


def summary(messages: list[str]) -> str:
    count = len(messages)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(messages)


# A scalar check returns the constraint texts the value breaks, with the kind of each.
ScalarCheck = Callable[[Any], list[tuple[str, str]]]
_SCALAR_CHECKS: dict[int, ScalarCheck] = {}


def _scalar_check(shape: Shape) -> ScalarCheck:
    """Built once per shape: the checks its metadata asks for, in AWS's order."""
    cached = _SCALAR_CHECKS.get(id(shape))
    if cached is not None:
        return cached
    meta = shape.metadata
    type_name = shape.type_name
    low, high = meta.get("min"), meta.get("max")
    enum = shape.enum if type_name == "string" else []
    pattern = compile_pattern(meta["pattern"]) if meta.get("pattern") else None
    pattern_text = meta.get("pattern", "")
    numeric = type_name in ("integer", "long", "float", "double")

    def size(value: Any) -> int:
        if isinstance(value, str):
            return java_length(value)
        return len(value)

    def check(value: Any) -> list[tuple[str, str]]:
        broken: list[tuple[str, str]] = []
        if numeric:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return broken
            if high is not None and value > high:
                broken.append((f"Member must have value less than or equal to {high}", "range"))
            if low is not None and value < low:
                broken.append((f"Member must have value greater than or equal to {low}", "range"))
            return broken
        if not isinstance(value, str | bytes | list | dict):
            return broken
        n = size(value)
        if high is not None and n > high:
            broken.append((f"Member must have length less than or equal to {high}", "length"))
        if low is not None and n < low:
            broken.append((f"Member must have length greater than or equal to {low}", "length"))
        if isinstance(value, str):
            if enum and value not in enum:
                values = ", ".join(enum)
                broken.append((f"Member must satisfy enum value set: [{values}]", "enum"))
            if pattern is not None and pattern.fullmatch(value) is None:
                broken.append(
                    (f"Member must satisfy regular expression pattern: {pattern_text}", "pattern")
                )
        return broken

    _SCALAR_CHECKS[id(shape)] = check
    return check


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _wire_name(shape: Shape, member: str) -> str:
    return str(shape.serialization.get("name", member))


class _Walker:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(
        self, path: str, constraint: str, *, kind: str, value: Any, shape: Shape, member: str
    ) -> None:
        sensitive = bool(shape.metadata.get("sensitive"))
        self.violations.append(Violation(path, constraint, kind, value, sensitive, member))

    def walk(self, shape: Shape, value: Any, path: str, member: str) -> None:
        for constraint, kind in _scalar_check(shape)(value):
            self.add(path, constraint, kind=kind, value=value, shape=shape, member=member)
        type_name = shape.type_name
        if type_name == "structure" and isinstance(value, dict):
            self.structure(shape, value, path)
        elif type_name == "list" and isinstance(value, list):
            item_shape = shape.member  # type: ignore[attr-defined]
            for index, item in enumerate(value, start=1):
                self.walk(item_shape, item, f"{path}.{index}.member", member)
        elif type_name == "map" and isinstance(value, dict):
            self.map(shape, value, path, member)

    def structure(self, shape: Shape, value: dict[str, Any], path: str) -> None:
        if shape.metadata.get("document"):
            return
        members = shape.members  # type: ignore[attr-defined]
        for name in shape.required_members:  # type: ignore[attr-defined]
            if value.get(name) is None:
                member_shape = members[name]
                self.add(
                    _join(path, _camel(name)),
                    "Member must not be null",
                    kind="required",
                    value=None,
                    shape=member_shape,
                    member=_wire_name(member_shape, name),
                )
        for name, item in value.items():
            member_shape = members.get(name)
            if member_shape is None or item is None:
                continue
            self.walk(member_shape, item, _join(path, _camel(name)), _wire_name(member_shape, name))

    def map(self, shape: Shape, value: dict[str, Any], path: str, member: str) -> None:
        key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
        key_check, value_check = _scalar_check(key_shape), _scalar_check(value_shape)
        # Each constraint once, with its kind, in the order first broken.
        bad_keys: dict[str, str] = {}
        bad_values: dict[str, str] = {}
        for key, item in value.items():
            bad_keys.update(key_check(key))
            bad_values.update(value_check(item))
            if value_shape.type_name in ("structure", "list", "map"):
                self.walk(value_shape, item, f"{path}.{key}", member)
        for label, broken in (("Map keys", bad_keys), ("Map value", bad_values)):
            if broken:
                text = f"{label} must satisfy constraint: [" + ", ".join(broken) + "]"
                self.add(
                    path,
                    text,
                    kind=next(iter(broken.values())),
                    value=value,
                    shape=shape,
                    member=member,
                )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_request(input_shape: Shape, params: dict[str, Any]) -> list[Violation]:
    """Every constraint of the operation's input shape that the parameters break."""
    walker = _Walker()
    walker.structure(input_shape, params, "")
    return walker.violations

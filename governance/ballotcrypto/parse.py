"""Reading untrusted JSON: each helper returns the value or raises `Malformed` naming the place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance.ballotcrypto import group
from governance.ballotcrypto.problems import Malformed


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Malformed("malformed", where, "expected an object")
    return value


def field(container: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in container:
        raise Malformed("missing_field", f"{where}.{key}" if where else key)
    return container[key]


def string(container: Mapping[str, Any], key: str, where: str) -> str:
    value = field(container, key, where)
    if not isinstance(value, str):
        raise Malformed("malformed", f"{where}.{key}" if where else key, "expected a string")
    return value


def integer(container: Mapping[str, Any], key: str, where: str, *, low: int, high: int) -> int:
    value = field(container, key, where)
    place = f"{where}.{key}" if where else key
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed("malformed", place, "expected an integer")
    if not low <= value <= high:
        raise Malformed("out_of_range", place, f"expected {low}..{high}")
    return value


def point(
    container: Mapping[str, Any], key: str, where: str, *, allow_identity: bool = True
) -> bytes:
    place = f"{where}.{key}" if where else key
    try:
        return group.parse_point(field(container, key, where), allow_identity=allow_identity)
    except group.GroupError as error:
        raise Malformed(error.code, place, error.detail) from None


def scalar(container: Mapping[str, Any], key: str, where: str) -> int:
    place = f"{where}.{key}" if where else key
    try:
        return group.parse_scalar(field(container, key, where))
    except group.GroupError as error:
        raise Malformed(error.code, place, error.detail) from None


def array(container: Mapping[str, Any], key: str, where: str, *, length: int) -> list[Any]:
    value = field(container, key, where)
    place = f"{where}.{key}" if where else key
    if not isinstance(value, list):
        raise Malformed("malformed", place, "expected a list")
    if len(value) != length:
        raise Malformed("wrong_length", place, f"expected {length} items, found {len(value)}")
    return value


def fmt(container: Mapping[str, Any], expected: str, where: str) -> None:
    if container.get("format") != expected:
        raise Malformed("wrong_format", f"{where}.format" if where else "format", expected)

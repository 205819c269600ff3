"""Canonical JSON: the one byte string that Python and the browser hash for a published object.

JSON with keys sorted, no spaces, UTF-8, non-ASCII written as itself (as `governance.chain`
does). Only strings, integers that JavaScript holds exactly (|n| < 2^53), lists, objects and
null are allowed, so `JSON.stringify` of the same value with sorted keys
(`static/js/ballot-crypto.js`, `canonical`) gives the same bytes: no floats, no booleans.
Points and scalars are written as 64 lowercase hex digits (see `group`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

#: Every domain-separation tag starts with this, so no hash here equals one made elsewhere.
DOMAIN_PREFIX = "concordia/ballotcrypto/v1/"
MAX_SAFE_INTEGER = 2**53 - 1


def _check(value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool) or not isinstance(value, int | list | dict):
        raise TypeError(f"not allowed in canonical JSON: {type(value).__name__}")
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise TypeError("integer too large for canonical JSON")
    elif isinstance(value, list):
        for item in value:
            _check(item)
    else:
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("object keys must be strings")
            _check(item)


def canonical(value: Any) -> bytes:
    """The canonical bytes of a JSON value made of strings, safe integers, lists and objects."""
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def domain_bytes(domain: str, statement: Mapping[str, Any]) -> bytes:
    """The bytes a Fiat-Shamir challenge or a tracker hashes: a tag, then the statement."""
    return canonical({"domain": DOMAIN_PREFIX + domain, "statement": dict(statement)})


def domain_sha256(domain: str, statement: Mapping[str, Any]) -> str:
    return hashlib.sha256(domain_bytes(domain, statement)).hexdigest()

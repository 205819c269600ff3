"""RFC 3161 timestamps of signed tree heads from a configured timestamp authority (optional).

A timestamp token is a third party's signed word that the tree head existed at that time; it
needs no trust in the platform. The platform works with no authority configured.
"""

from __future__ import annotations

import hashlib
import urllib.request

from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    decode_timestamp_response,
)


class TimestampError(RuntimeError):
    """The authority refused, could not be reached, or answered something else than was asked."""


def request_token(url: str, data: bytes, *, timeout: float = 10.0) -> TimeStampResponse:
    """Ask the authority at `url` to timestamp SHA-256(`data`); return its checked response."""
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    http = urllib.request.Request(  # noqa: S310 - the operator configures the authority's URL
        url,
        data=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310
            raw = answer.read()
    except OSError as exc:
        raise TimestampError(
            f"the timestamp authority at {url} could not be reached: {exc}"
        ) from exc
    return check_response(raw, request_nonce=request.nonce, data=data)


def check_response(raw: bytes, *, request_nonce: int | None, data: bytes) -> TimeStampResponse:
    """Decode a response and check it grants a token over `data` (and the nonce asked for)."""
    try:
        response = decode_timestamp_response(raw)
    except ValueError as exc:
        raise TimestampError(f"not a timestamp response: {exc}") from exc
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(
            f"the authority refused: status {response.status} {response.status_string}"
        )
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimestampError("the token is over other data than the tree head")
    if request_nonce is not None and info.nonce != request_nonce:
        raise TimestampError("the token answers another request (nonce differs)")
    return response

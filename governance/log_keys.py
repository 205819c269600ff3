"""The platform's decision-log key, read from the file DECISION_SIGNING_KEY_FILE names."""

from __future__ import annotations

import functools
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from governance import signing


@functools.cache
def _key_at(path: str, create: bool) -> Ed25519PrivateKey:
    return signing.load_private_key(Path(path), create=create)


def signing_key() -> Ed25519PrivateKey:
    """The private key; local and test runs make one on first use, production must have one."""
    return _key_at(str(settings.DECISION_SIGNING_KEY_FILE), settings.DECISION_SIGNING_KEY_CREATE)


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def key_info() -> dict[str, str]:
    """What the portal publishes so that anyone can pin the key."""
    key = public_key()
    return {"key_id": signing.key_id(key), "public_key_pem": signing.public_pem(key)}

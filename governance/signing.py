"""Ed25519 signatures over canonical JSON: the platform's word on a result, checkable by anyone.

The private key lives in a file outside the database (`DECISION_SIGNING_KEY_FILE`), so whoever
can write the database cannot sign a rewritten result. The public key is published on the
portal (`/portal/log/`) and its key id (the SHA-256 of the raw 32-byte key) in every signed
statement and tree head; a verifier pins the key, never trusts one shipped with the data.

Pure code apart from reading the key file: `transparency.recompute` uses it without Django.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from governance.chain import canonical


class SignatureError(ValueError):
    """A signature, key or signed document that does not check out."""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_pem(data: str | bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data.encode() if isinstance(data, str) else data)
    except ValueError as exc:
        raise SignatureError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not an Ed25519 key")
    return key


def load_private_key(path: Path, *, create: bool = False) -> Ed25519PrivateKey:
    """Read the signing key; with `create`, make one (mode 600) where none exists yet."""
    if not path.exists():
        if not create:
            raise SignatureError(f"no signing key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = path.open("xb")
        except FileExistsError:
            return load_private_key(path)
        with fd:
            path.chmod(0o600)
            fd.write(pem)
        return fresh
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"the key at {path} is not an Ed25519 private key")
    return key


def sign(private: Ed25519PrivateKey, document: dict[str, Any]) -> str:
    """The base64 Ed25519 signature of the document's canonical bytes."""
    return base64.b64encode(private.sign(canonical(document))).decode()


def verify(public: Ed25519PublicKey, document: dict[str, Any], signature: str) -> None:
    """Raise SignatureError unless `signature` is the key's signature of the document."""
    if document.get("key_id") != key_id(public):
        raise SignatureError(
            f"signed with key {str(document.get('key_id'))[:16]}…, not the pinned key "
            f"{key_id(public)[:16]}…"
        )
    try:
        raw = base64.b64decode(signature, validate=True)
        public.verify(raw, canonical(document))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("the signature does not match the signed document") from exc

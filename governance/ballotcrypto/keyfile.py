"""A trustee's private file, protected by a passphrase: scrypt, then AES-256-GCM.

The trustee's polynomial and key share never reach the server; the trustee downloads this file
(or writes it with `python -m governance.trustee`) and keeps it. The key is scrypt(passphrase)
(RFC 7914; n = 2^17, r = 8, p = 1 by default, the parameters stored in the file so they can be
raised later); the content is sealed with AES-256-GCM (NIST SP 800-38D) and the file's header
(format, parameters, salt, nonce, label) is its associated data, so no field can be altered
unnoticed. `cryptography` does both here; the browser does the same with @noble/hashes' scrypt
and WebCrypto's AES-GCM (`static/js/ballot-crypto.js`, `sealSecret`/`openSecret`).

JSON::

    {"format": "concordia-secret-file/1", "label": str,
     "kdf": {"name": "scrypt", "log2_n": int, "r": int, "p": int, "salt": hex16},
     "cipher": {"name": "aes-256-gcm", "nonce": hex12}, "ciphertext": hex}
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from governance.ballotcrypto import parse
from governance.ballotcrypto.encoding import canonical
from governance.ballotcrypto.problems import Malformed

FORMAT = "concordia-secret-file/1"
DEFAULT_LOG2_N = 17


class WrongPassphrase(Exception):
    """The passphrase does not open the file (or the file was altered)."""


def _key(passphrase: str, kdf: dict[str, Any]) -> bytes:
    return Scrypt(
        salt=bytes.fromhex(kdf["salt"]), length=32, n=2 ** kdf["log2_n"], r=kdf["r"], p=kdf["p"]
    ).derive(passphrase.encode())


def seal(
    content: dict[str, Any], passphrase: str, *, label: str, log2_n: int | None = None
) -> dict[str, Any]:
    """Encrypt a JSON object under a passphrase."""
    header: dict[str, Any] = {
        "format": FORMAT,
        "label": label,
        "kdf": {
            "name": "scrypt",
            "log2_n": DEFAULT_LOG2_N if log2_n is None else log2_n,
            "r": 8,
            "p": 1,
            "salt": os.urandom(16).hex(),
        },
        "cipher": {"name": "aes-256-gcm", "nonce": os.urandom(12).hex()},
    }
    ciphertext = AESGCM(_key(passphrase, header["kdf"])).encrypt(
        bytes.fromhex(header["cipher"]["nonce"]), canonical(content), canonical(header)
    )
    return {**header, "ciphertext": ciphertext.hex()}


def open_sealed(data: Any, passphrase: str) -> dict[str, Any]:
    """The JSON object inside; raises WrongPassphrase, or Malformed for a file that is not one."""
    data = parse.obj(data, "file")
    parse.fmt(data, FORMAT, "file")
    kdf = parse.obj(parse.field(data, "kdf", "file"), "file.kdf")
    cipher = parse.obj(parse.field(data, "cipher", "file"), "file.cipher")
    if kdf.get("name") != "scrypt" or cipher.get("name") != "aes-256-gcm":
        raise Malformed("unsupported", "file", "expected scrypt and aes-256-gcm")
    # Bounded so that a hostile file cannot make the reader allocate gigabytes.
    log2_n = parse.integer(kdf, "log2_n", "file.kdf", low=10, high=20)
    r = parse.integer(kdf, "r", "file.kdf", low=1, high=16)
    p = parse.integer(kdf, "p", "file.kdf", low=1, high=4)
    try:
        salt = bytes.fromhex(parse.string(kdf, "salt", "file.kdf"))
        nonce = bytes.fromhex(parse.string(cipher, "nonce", "file.cipher"))
        ciphertext = bytes.fromhex(parse.string(data, "ciphertext", "file"))
    except ValueError:
        raise Malformed("malformed", "file", "salt, nonce and ciphertext are hex") from None
    if len(nonce) != 12 or len(salt) < 16:
        raise Malformed("malformed", "file", "a 12-byte nonce and a salt of 16 bytes or more")
    header: dict[str, Any] = {
        "format": FORMAT,
        "label": parse.string(data, "label", "file"),
        "kdf": {"name": "scrypt", "log2_n": log2_n, "r": r, "p": p, "salt": salt.hex()},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
    }
    try:
        plain = AESGCM(_key(passphrase, header["kdf"])).decrypt(
            nonce, ciphertext, canonical(header)
        )
    except InvalidTag:
        raise WrongPassphrase("the passphrase does not open this file, or it was altered") from None
    content = json.loads(plain)
    if not isinstance(content, dict):
        raise Malformed("malformed", "file", "the content is not an object")
    return content

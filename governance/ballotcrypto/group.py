"""The ristretto255 group (RFC 9496), through the system's libsodium and nothing home-made.

Points are the 32-byte canonical ristretto255 encodings, kept as `bytes`; the identity is 32
zero bytes. Scalars are Python integers modulo the group order `L`; on the wire they are the
32-byte little-endian encoding libsodium and @noble/curves both use, as 64 lowercase hex digits.

Every group operation goes to libsodium (`crypto_core_ristretto255_*`,
`crypto_scalarmult_ristretto255*`, Debian's libsodium23 >= 1.0.18) through pysodium. Only the
arithmetic of exponents (integers modulo L) is done in Python, as every verifier does.

libsodium refuses to *return* the identity from a scalar multiplication (it is the result a
Diffie-Hellman caller must reject); exponential ElGamal meets it honestly (g^0, an empty sum),
so `mul` and `base_mul` answer the identity themselves in the only two cases that produce it in
a prime-order group: a zero scalar, or the identity as the point.
"""

from __future__ import annotations

import hashlib
import re

import pysodium

#: The order of the ristretto255 group (RFC 9496 §4.1), a prime.
L = 2**252 + 27742317777372353535851937790883648493
POINT_BYTES = 32
SCALAR_BYTES = 32
IDENTITY = bytes(POINT_BYTES)
#: The generator: the ristretto255 encoding of the Ed25519 base point (RFC 9496 §4.4).
G = pysodium.crypto_scalarmult_ristretto255_base((1).to_bytes(SCALAR_BYTES, "little"))

_HEX64 = re.compile(r"[0-9a-f]{64}")


class GroupError(ValueError):
    """A value that is not a valid group element or scalar; `code` names the problem."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def scalar_bytes(k: int) -> bytes:
    return (k % L).to_bytes(SCALAR_BYTES, "little")


def scalar_hex(k: int) -> str:
    return scalar_bytes(k).hex()


def point_hex(p: bytes) -> str:
    return p.hex()


def parse_scalar(value: object) -> int:
    """A scalar from its 64-hex encoding; only the canonical one (less than L) is accepted."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise GroupError("scalar_malformed", "expected 64 lowercase hex digits")
    k = int.from_bytes(bytes.fromhex(value), "little")
    if k >= L:
        raise GroupError("scalar_out_of_range", "not reduced modulo the group order")
    return k


def parse_point(value: object, *, allow_identity: bool = True) -> bytes:
    """A group element from its 64-hex encoding; non-canonical encodings are refused."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise GroupError("point_malformed", "expected 64 lowercase hex digits")
    p = bytes.fromhex(value)
    if p == IDENTITY:
        if not allow_identity:
            raise GroupError("point_identity", "the identity is not allowed here")
        return p
    if not pysodium.crypto_core_ristretto255_is_valid_point(p):
        raise GroupError("point_invalid", "not a canonical ristretto255 encoding")
    return p


def random_scalar() -> int:
    """A uniformly random non-zero scalar from libsodium's generator."""
    while True:
        k = int.from_bytes(pysodium.crypto_core_ristretto255_scalar_random(), "little")
        if k:
            return k


def base_mul(k: int) -> bytes:
    """k·G."""
    k %= L
    if k == 0:
        return IDENTITY
    return pysodium.crypto_scalarmult_ristretto255_base(scalar_bytes(k))


def mul(k: int, p: bytes) -> bytes:
    """k·P."""
    k %= L
    if k == 0 or p == IDENTITY:
        return IDENTITY
    return pysodium.crypto_scalarmult_ristretto255(scalar_bytes(k), p)


def add(p: bytes, q: bytes) -> bytes:
    return pysodium.crypto_core_ristretto255_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    return pysodium.crypto_core_ristretto255_sub(p, q)


def neg(p: bytes) -> bytes:
    return sub(IDENTITY, p)


def hash_to_scalar(data: bytes) -> int:
    """SHA-512 of the bytes, read little-endian and reduced modulo L (as RFC 9496 §4.4 reads
    64 bytes to a scalar: `crypto_core_ristretto255_scalar_reduce`)."""
    return int.from_bytes(hashlib.sha512(data).digest(), "little") % L

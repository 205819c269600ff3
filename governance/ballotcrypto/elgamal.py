"""Exponential ElGamal on ristretto255: encryption, homomorphic sums and weights, small logs.

As in Helios (Adida 2008, §2.2 "exponential ElGamal") and ElectionGuard 2.0 (§3.3, selection
encryption; §3.5 homomorphic aggregation), a message m is encrypted under the public key K as
(α, β) = (r·G, m·G + r·K) (written additively: the group is an elliptic curve). Ciphertexts
add component-wise to encrypt the sum of their messages, and a ciphertext multiplied by a
public integer w encrypts w·m, so weighted totals (population, contribution shares) are taken
without opening any single ballot. Decryption gives the point m·G; the message is its discrete
logarithm, found by baby-step giant-step below a bound the caller knows (the sum of weights).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from governance.ballotcrypto import group, parse


@dataclass(frozen=True)
class Ciphertext:
    """An ElGamal ciphertext (α, β) = (r·G, m·G + r·K)."""

    alpha: bytes
    beta: bytes

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_json(cls, data: Any, where: str = "ciphertext") -> Ciphertext:
        """Parse untrusted JSON; raises `Malformed` naming the bad field."""
        data = parse.obj(data, where)
        return cls(parse.point(data, "alpha", where), parse.point(data, "beta", where))


ZERO = Ciphertext(group.IDENTITY, group.IDENTITY)


@dataclass(frozen=True)
class KeyPair:
    secret: int
    public: bytes


def keypair() -> KeyPair:
    s = group.random_scalar()
    return KeyPair(s, group.base_mul(s))


def encrypt(public_key: bytes, m: int, r: int) -> Ciphertext:
    """Encrypt the integer m with the randomness r (the caller keeps r for the proofs)."""
    return Ciphertext(group.base_mul(r), group.add(group.base_mul(m), group.mul(r, public_key)))


def add(a: Ciphertext, b: Ciphertext) -> Ciphertext:
    return Ciphertext(group.add(a.alpha, b.alpha), group.add(a.beta, b.beta))


def total(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    result = ZERO
    for c in ciphertexts:
        result = add(result, c)
    return result


def scale(c: Ciphertext, weight: int) -> Ciphertext:
    """The ciphertext of weight·m; weights are public non-negative integers."""
    if weight < 0:
        raise ValueError("weights are non-negative")
    return Ciphertext(group.mul(weight, c.alpha), group.mul(weight, c.beta))


def weighted_total(pairs: Iterable[tuple[Ciphertext, int]]) -> Ciphertext:
    return total(scale(c, w) if w != 1 else c for c, w in pairs)


def decrypt_point(c: Ciphertext, secret: int) -> bytes:
    """m·G = β − s·α (with the whole secret key; trustees use partial decryptions instead)."""
    return group.sub(c.beta, group.mul(secret, c.alpha))


class _BabySteps:
    """The table j·G → j for 0 ≤ j < m, and the giant step m·G, kept for reuse."""

    def __init__(self, m: int) -> None:
        self.m = m
        table: dict[bytes, int] = {}
        p = group.IDENTITY
        for j in range(m):
            table[p] = j
            p = group.add(p, group.G)
        self.table = table
        self.giant = p  # m·G


_tables: dict[int, _BabySteps] = {}


def _baby_steps(bound: int) -> _BabySteps:
    # One table per size, reused: a tally has several totals under the same bound, and the
    # table costs most of the time. Sizes are rounded up to a power of two so that close
    # bounds share one table.
    m = max(16, 1 << math.isqrt(bound).bit_length())
    if m not in _tables:
        if len(_tables) >= 4:
            _tables.pop(next(iter(_tables)))
        _tables[m] = _BabySteps(m)
    return _tables[m]


def discrete_log(point: bytes, bound: int) -> int | None:
    """The m with m·G = point and 0 ≤ m ≤ bound, by baby-step giant-step; None if there is none.

    About 2·√bound group additions (libsodium), and the baby-step table is kept for the next
    call, so a bound of 10^9 costs roughly a second the first time and less after.
    """
    if bound < 0:
        return None
    steps = _baby_steps(bound)
    p = point
    for i in range(bound // steps.m + 1):
        j = steps.table.get(p)
        if j is not None:
            m = i * steps.m + j
            return m if m <= bound else None
        p = group.sub(p, steps.giant)
    return None


def totals_to_json(totals: Mapping[str, Ciphertext]) -> dict[str, dict[str, str]]:
    return {label: c.to_json() for label, c in totals.items()}

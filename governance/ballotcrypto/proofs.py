"""Zero-knowledge proofs made non-interactive by Fiat-Shamir over the whole statement.

Three proofs, each written once here and once in `static/js/ballot-crypto.js`:

- **Schnorr proof of knowledge** of x with X = x·G (ElectionGuard 2.0 §3.2.2, the guardians'
  "NIZK proof" of each polynomial coefficient): commit h = u·G, challenge c = H(statement, h),
  response v = u − c·x; check h = v·G + c·X.
- **Chaum-Pedersen proof** that two points share one discrete logarithm, X = x·G1 and
  Y = x·G2 (Chaum & Pedersen 1992; ElectionGuard 2.0 §3.6, eqs. 66–71, the proof of a correct
  partial decryption; also the proof that a ballot's three ciphertexts sum to an encryption
  of 1, §3.3 "contest selection limit"): commitments a = u·G1, b = u·G2, v = u − c·x;
  check a = v·G1 + c·X and b = v·G2 + c·Y.
- **Disjunctive Chaum-Pedersen proof** that (α, β) encrypts 0 or 1 (Cramer, Damgård &
  Schoenmakers 1994; ElectionGuard 2.0 §3.3.5, eqs. 44–48, the range proof with limit R = 1;
  Helios v4 "disjunctive proof"): the true branch ℓ is proved as above, the other branch j is
  simulated from a chosen challenge c_j and response v_j, and the two challenges must add up to
  the one Fiat-Shamir challenge. Published: (c0, c1, v0, v1); the verifier recomputes
  a_j = v_j·G + c_j·α and b_j = v_j·K + c_j·(β − j·G) and checks c0 + c1 = H(statement, a0,
  b0, a1, b1).

The challenge is `hash_to_scalar` (SHA-512, reduced modulo L) of the canonical JSON of
{"domain": "concordia/ballotcrypto/v1/<kind>", "statement": {..., "commitments": [...]}}: the
statement names the vote, the public key and every ciphertext of the object being proved (the
whole ballot, not one ciphertext alone), so a proof cannot be lifted into another ballot, vote
or state ("strong" Fiat-Shamir; Bernhard, Pereira & Warinschi 2012 show why the weak form that
leaves the statement out broke Helios).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.ballotcrypto import group, parse
from governance.ballotcrypto.elgamal import Ciphertext
from governance.ballotcrypto.encoding import domain_bytes


def challenge(domain: str, statement: Mapping[str, Any], commitments: list[bytes]) -> int:
    full = {**statement, "commitments": [p.hex() for p in commitments]}
    return group.hash_to_scalar(domain_bytes(domain, full))


@dataclass(frozen=True)
class Proof:
    """A Schnorr or Chaum-Pedersen proof: challenge c and response v."""

    c: int
    v: int

    def to_json(self) -> dict[str, str]:
        return {"c": group.scalar_hex(self.c), "v": group.scalar_hex(self.v)}

    @classmethod
    def from_json(cls, data: Any, where: str = "proof") -> Proof:
        data = parse.obj(data, where)
        return cls(parse.scalar(data, "c", where), parse.scalar(data, "v", where))


@dataclass(frozen=True)
class DisjunctiveProof:
    """A proof that a ciphertext encrypts 0 or 1: challenges c0, c1 and responses v0, v1."""

    c0: int
    c1: int
    v0: int
    v1: int

    def to_json(self) -> dict[str, str]:
        return {
            "c0": group.scalar_hex(self.c0),
            "c1": group.scalar_hex(self.c1),
            "v0": group.scalar_hex(self.v0),
            "v1": group.scalar_hex(self.v1),
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "proof") -> DisjunctiveProof:
        data = parse.obj(data, where)
        return cls(*(parse.scalar(data, key, where) for key in ("c0", "c1", "v0", "v1")))


# --- Schnorr ---------------------------------------------------------------------------------


def schnorr_prove(secret: int, domain: str, statement: Mapping[str, Any]) -> Proof:
    u = group.random_scalar()
    c = challenge(domain, statement, [group.base_mul(u)])
    return Proof(c, (u - c * secret) % group.L)


def schnorr_verify(public: bytes, proof: Proof, domain: str, statement: Mapping[str, Any]) -> bool:
    h = group.add(group.base_mul(proof.v), group.mul(proof.c, public))
    return challenge(domain, statement, [h]) == proof.c


# --- Chaum-Pedersen --------------------------------------------------------------------------


def equal_log_prove(
    secret: int, g2: bytes, domain: str, statement: Mapping[str, Any], *, g1: bytes = group.G
) -> Proof:
    """Prove X = x·g1 and Y = x·g2 for the same x (X and Y are in the statement)."""
    u = group.random_scalar()
    c = challenge(domain, statement, [group.mul(u, g1), group.mul(u, g2)])
    return Proof(c, (u - c * secret) % group.L)


def equal_log_verify(
    x: bytes,
    g2: bytes,
    y: bytes,
    proof: Proof,
    domain: str,
    statement: Mapping[str, Any],
    *,
    g1: bytes = group.G,
) -> bool:
    a = group.add(group.mul(proof.v, g1), group.mul(proof.c, x))
    b = group.add(group.mul(proof.v, g2), group.mul(proof.c, y))
    return challenge(domain, statement, [a, b]) == proof.c


# --- Disjunctive (0 or 1) --------------------------------------------------------------------


def zero_or_one_prove(
    ct: Ciphertext,
    m: int,
    r: int,
    public_key: bytes,
    domain: str,
    statement: Mapping[str, Any],
) -> DisjunctiveProof:
    """Prove that ct = (r·G, m·G + r·K) with m ∈ {0, 1}.

    Called with another m (a test's cheating encoder does), it still returns a proof, one that
    does not verify: the prover cannot make the true branch's equations hold.
    """
    true_branch = 1 if m == 1 else 0
    fake = 1 - true_branch
    c_fake, v_fake, u = group.random_scalar(), group.random_scalar(), group.random_scalar()
    commitments: list[bytes] = [b""] * 4
    commitments[2 * true_branch] = group.base_mul(u)
    commitments[2 * true_branch + 1] = group.mul(u, public_key)
    commitments[2 * fake] = group.add(group.base_mul(v_fake), group.mul(c_fake, ct.alpha))
    shifted = group.sub(ct.beta, group.base_mul(fake))
    commitments[2 * fake + 1] = group.add(group.mul(v_fake, public_key), group.mul(c_fake, shifted))
    c = challenge(domain, statement, commitments)
    c_true = (c - c_fake) % group.L
    v_true = (u - c_true * r) % group.L
    if true_branch == 0:
        return DisjunctiveProof(c_true, c_fake, v_true, v_fake)
    return DisjunctiveProof(c_fake, c_true, v_fake, v_true)


def zero_or_one_verify(
    ct: Ciphertext,
    public_key: bytes,
    proof: DisjunctiveProof,
    domain: str,
    statement: Mapping[str, Any],
) -> bool:
    commitments = []
    for j, (c_j, v_j) in enumerate(((proof.c0, proof.v0), (proof.c1, proof.v1))):
        commitments.append(group.add(group.base_mul(v_j), group.mul(c_j, ct.alpha)))
        shifted = group.sub(ct.beta, group.base_mul(j))
        commitments.append(group.add(group.mul(v_j, public_key), group.mul(c_j, shifted)))
    c = challenge(domain, statement, commitments)
    return (proof.c0 + proof.c1) % group.L == c

"""Trustees: threshold key generation with Feldman commitments, and verifiable partial decryption.

Follows ElectionGuard 2.0 §3.2 (key generation) and §3.6 (verifiable decryption), itself
Pedersen's joint key generation (1991) with Feldman's verifiable secret sharing (1987):

1. **Key generation (§3.2.1).** Trustee i (of n, threshold t) picks a random polynomial
   P_i(x) = a_i0 + a_i1·x + … + a_i,t−1·x^(t−1) and publishes the commitments K_ij = a_ij·G,
   each with a Schnorr proof of knowledge (§3.2.2, "NIZK proof"). The private polynomial never
   leaves the trustee's device (`keyfile` protects it with a passphrase).
2. **Shares (§3.2.2).** Trustee i sends P_i(ℓ) to each other trustee ℓ, encrypted to ℓ's key
   K_ℓ0 by hashed ElGamal (an ephemeral Diffie-Hellman key, SHA-512 for the pad and the MAC key,
   HMAC-SHA256 over the ciphertext), so the messages may travel through the server.
   Trustee ℓ checks each share against the sender's commitments:
   P_i(ℓ)·G = Σ_j ℓ^j·K_ij (Feldman), and names any sender whose share fails.
3. **Keys.** The joint public key is K = Σ_i K_i0; trustee ℓ's key share is z_ℓ = Σ_i P_i(ℓ),
   and anyone computes its verification key Z_ℓ = z_ℓ·G = Σ_i Σ_j ℓ^j·K_ij from the
   commitments alone.
4. **Partial decryption (§3.6, eqs. 66–71).** For each encrypted total (A, B) trustee ℓ
   publishes M_ℓ = z_ℓ·A with a Chaum-Pedersen proof that log_G Z_ℓ = log_A M_ℓ.
5. **Combination (§3.6, eq. 68).** Any t trustees S suffice: M = Σ_{ℓ∈S} w_ℓ·M_ℓ with the
   Lagrange coefficients w_ℓ = Π_{k∈S, k≠ℓ} k / (k − ℓ) (mod L); then m·G = B − M and m is the
   small discrete logarithm below the total's bound.

Fewer than t trustees together learn nothing of the joint secret; a trustee's wrong partial
decryption is named by its proof, and the others decrypt without it.

JSON shapes (P: point, S: scalar, both 64 lowercase hex)::

    trustee key   {"format": "concordia-trustee-key/1", "vote_id": str, "trustee": int,
                   "threshold": int, "trustees": int, "commitments": [P × t],
                   "proofs": [{"c": S, "v": S} × t]}
    share         {"format": "concordia-trustee-share/1", "vote_id": str, "from": int,
                   "to": int, "ephemeral": P, "ciphertext": hex32, "mac": hex32}
    partial       {"format": "concordia-partial-decryption/1", "vote_id": str, "trustee": int,
                   "tally": sha256 hex of the tally, "shares": {label: {"share": P,
                   "proof": {"c": S, "v": S}}}}
    secret        {"format": "concordia-trustee-secret/1", "vote_id": str, "trustee": int,
                   "threshold": int, "trustees": int, "coefficients": [S × t],
                   "key_share": S or null}   (private: only inside a `keyfile`)
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from governance.ballotcrypto import elgamal, group, parse, proofs
from governance.ballotcrypto.encoding import domain_bytes
from governance.ballotcrypto.problems import Malformed, Problem
from governance.ballotcrypto.proofs import Proof
from governance.ballotcrypto.tally import Tally

KEY_FORMAT = "concordia-trustee-key/1"
SHARE_FORMAT = "concordia-trustee-share/1"
PARTIAL_FORMAT = "concordia-partial-decryption/1"
SECRET_FORMAT = "concordia-trustee-secret/1"  # noqa: S105 (a format name, not a password)
MAX_TRUSTEES = 64


def _check_parameters(threshold: int, trustees: int) -> None:
    if not 1 <= threshold <= trustees <= MAX_TRUSTEES:
        raise ValueError(f"need 1 ≤ threshold ≤ trustees ≤ {MAX_TRUSTEES}")


@dataclass(frozen=True)
class TrusteeSecret:
    """What one trustee keeps: its polynomial's coefficients, then its key share."""

    vote_id: str
    trustee: int
    threshold: int
    trustees: int
    coefficients: tuple[int, ...]
    key_share: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SECRET_FORMAT,
            "vote_id": self.vote_id,
            "trustee": self.trustee,
            "threshold": self.threshold,
            "trustees": self.trustees,
            "coefficients": [group.scalar_hex(a) for a in self.coefficients],
            "key_share": None if self.key_share is None else group.scalar_hex(self.key_share),
        }

    @classmethod
    def from_json(cls, data: Any) -> TrusteeSecret:
        data = parse.obj(data, "secret")
        parse.fmt(data, SECRET_FORMAT, "secret")
        trustees = parse.integer(data, "trustees", "secret", low=1, high=MAX_TRUSTEES)
        threshold = parse.integer(data, "threshold", "secret", low=1, high=trustees)
        coefficients = parse.array(data, "coefficients", "secret", length=threshold)
        share = parse.field(data, "key_share", "secret")
        return cls(
            vote_id=parse.string(data, "vote_id", "secret"),
            trustee=parse.integer(data, "trustee", "secret", low=1, high=trustees),
            threshold=threshold,
            trustees=trustees,
            coefficients=tuple(
                parse.scalar({"c": a}, "c", f"secret.coefficients[{j}]")
                for j, a in enumerate(coefficients)
            ),
            key_share=None if share is None else parse.scalar(data, "key_share", "secret"),
        )

    def evaluate(self, x: int) -> int:
        """P_i(x) modulo L."""
        result = 0
        for a in reversed(self.coefficients):
            result = (result * x + a) % group.L
        return result


@dataclass(frozen=True)
class TrusteeKey:
    """One trustee's published commitments with their proofs of knowledge."""

    vote_id: str
    trustee: int
    threshold: int
    trustees: int
    commitments: tuple[bytes, ...]
    proofs: tuple[Proof, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": KEY_FORMAT,
            "vote_id": self.vote_id,
            "trustee": self.trustee,
            "threshold": self.threshold,
            "trustees": self.trustees,
            "commitments": [p.hex() for p in self.commitments],
            "proofs": [p.to_json() for p in self.proofs],
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "trustee_key") -> TrusteeKey:
        data = parse.obj(data, where)
        parse.fmt(data, KEY_FORMAT, where)
        trustees = parse.integer(data, "trustees", where, low=1, high=MAX_TRUSTEES)
        threshold = parse.integer(data, "threshold", where, low=1, high=trustees)
        commitments = parse.array(data, "commitments", where, length=threshold)
        proof_list = parse.array(data, "proofs", where, length=threshold)
        return cls(
            vote_id=parse.string(data, "vote_id", where),
            trustee=parse.integer(data, "trustee", where, low=1, high=trustees),
            threshold=threshold,
            trustees=trustees,
            commitments=tuple(
                parse.point({"p": p}, "p", f"{where}.commitments[{j}]", allow_identity=False)
                for j, p in enumerate(commitments)
            ),
            proofs=tuple(
                proofs.Proof.from_json(p, f"{where}.proofs[{j}]") for j, p in enumerate(proof_list)
            ),
        )

    @property
    def public(self) -> bytes:
        """K_i0: this trustee's part of the joint key, and the key its shares are sent under."""
        return self.commitments[0]


def _coefficient_statement(key_fields: Mapping[str, Any], j: int, commitment: bytes) -> dict:
    return {
        "vote_id": key_fields["vote_id"],
        "trustee": key_fields["trustee"],
        "threshold": key_fields["threshold"],
        "trustees": key_fields["trustees"],
        "index": j,
        "commitment": commitment.hex(),
    }


def commitments_of(secret: TrusteeSecret) -> tuple[bytes, ...]:
    """K_ij = a_ij·G for this trustee's coefficients (what its published key must show)."""
    return tuple(group.base_mul(a) for a in secret.coefficients)


def trustee_generate(
    *, vote_id: str, trustee: int, threshold: int, trustees: int
) -> tuple[TrusteeSecret, TrusteeKey]:
    """A trustee's random polynomial (kept) and its commitments with proofs (published)."""
    _check_parameters(threshold, trustees)
    if not 1 <= trustee <= trustees:
        raise ValueError("trustee numbers run from 1 to the number of trustees")
    secret = TrusteeSecret(
        vote_id,
        trustee,
        threshold,
        trustees,
        tuple(group.random_scalar() for _ in range(threshold)),
    )
    fields = {"vote_id": vote_id, "trustee": trustee, "threshold": threshold, "trustees": trustees}
    commitments = commitments_of(secret)
    key_proofs = tuple(
        proofs.schnorr_prove(a, "trustee-key", _coefficient_statement(fields, j, commitments[j]))
        for j, a in enumerate(secret.coefficients)
    )
    return secret, TrusteeKey(vote_id, trustee, threshold, trustees, commitments, key_proofs)


def verify_trustee_key(
    data: Any, *, vote_id: str, threshold: int, trustees: int, trustee: int | None = None
) -> list[Problem]:
    """Every problem with one trustee's published key (empty: it is sound)."""
    where = f"trustee {trustee}" if trustee is not None else "trustee_key"
    try:
        key = TrusteeKey.from_json(data, where)
    except Malformed as error:
        return [
            Problem("trustee_key." + error.problem.code, error.problem.where, error.problem.detail)
        ]
    where = f"trustee {key.trustee}"
    problems = []
    if key.vote_id != vote_id:
        problems.append(Problem("trustee_key.wrong_vote", where, f"expected {vote_id!r}"))
    if (key.threshold, key.trustees) != (threshold, trustees):
        problems.append(
            Problem("trustee_key.wrong_parameters", where, f"expected {threshold} of {trustees}")
        )
    if trustee is not None and key.trustee != trustee:
        problems.append(Problem("trustee_key.wrong_trustee", where, f"expected {trustee}"))
    if problems:
        return problems
    fields = key.to_json()
    for j, (commitment, proof) in enumerate(zip(key.commitments, key.proofs, strict=True)):
        statement = _coefficient_statement(fields, j, commitment)
        if not proofs.schnorr_verify(commitment, proof, "trustee-key", statement):
            problems.append(
                Problem(
                    "trustee_key.proof_invalid",
                    f"{where}, coefficient {j}",
                    "the proof of knowledge does not hold",
                )
            )
    return problems


def verify_trustee_keys(
    data: Sequence[Any], *, vote_id: str, threshold: int, trustees: int
) -> list[Problem]:
    """Every problem with the full set of published keys: one sound key per trustee 1..n."""
    problems: list[Problem] = []
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        return [Problem("trustee_keys.malformed", "trustee_keys", "expected a list")]
    if len(data) != trustees:
        problems.append(
            Problem("trustee_keys.wrong_count", "trustee_keys", f"expected {trustees} keys")
        )
    seen: set[int] = set()
    for index, item in enumerate(data):
        found = verify_trustee_key(item, vote_id=vote_id, threshold=threshold, trustees=trustees)
        problems.extend(found)
        if not found:
            number = item["trustee"]
            if number in seen:
                problems.append(Problem("trustee_keys.duplicate", f"trustee {number}"))
            seen.add(number)
        elif isinstance(item, Mapping) and isinstance(item.get("trustee"), int):
            seen.add(item["trustee"])
        else:
            seen.add(-index)
    missing = set(range(1, trustees + 1)) - seen
    problems.extend(Problem("trustee_keys.missing", f"trustee {n}") for n in sorted(missing))
    return problems


def joint_public_key(keys: Iterable[TrusteeKey]) -> bytes:
    """K = Σ_i K_i0."""
    result = group.IDENTITY
    for key in keys:
        result = group.add(result, key.public)
    return result


def commitment_at(key: TrusteeKey, x: int) -> bytes:
    """Σ_j x^j·K_ij: P_i(x)·G computed from the public commitments (Feldman's check)."""
    result = group.IDENTITY
    power = 1
    for commitment in key.commitments:
        result = group.add(result, group.mul(power, commitment))
        power = power * x % group.L
    return result


def verification_key(keys: Iterable[TrusteeKey], trustee: int) -> bytes:
    """Z_ℓ = z_ℓ·G, trustee ℓ's public verification key, from the commitments alone."""
    result = group.IDENTITY
    for key in keys:
        result = group.add(result, commitment_at(key, trustee))
    return result


# --- Shares ----------------------------------------------------------------------------------


def _share_keys(
    vote_id: str, sender: int, recipient: int, ephemeral: bytes, recipient_key: bytes, shared: bytes
) -> tuple[bytes, bytes]:
    digest = hashlib.sha512(
        domain_bytes(
            "share-key",
            {
                "vote_id": vote_id,
                "from": sender,
                "to": recipient,
                "ephemeral": ephemeral.hex(),
                "recipient_key": recipient_key.hex(),
                "shared": shared.hex(),
            },
        )
    ).digest()
    return digest[:32], digest[32:]


def _share_mac(
    mac_key: bytes, vote_id: str, sender: int, recipient: int, ephemeral: bytes, ciphertext: bytes
) -> bytes:
    message = domain_bytes(
        "share-mac",
        {
            "vote_id": vote_id,
            "from": sender,
            "to": recipient,
            "ephemeral": ephemeral.hex(),
            "ciphertext": ciphertext.hex(),
        },
    )
    return hmac.new(mac_key, message, hashlib.sha256).digest()


def share_for(secret: TrusteeSecret, recipient: TrusteeKey) -> dict[str, Any]:
    """The share P_i(ℓ) for trustee ℓ, encrypted to its key K_ℓ0 (it may travel via the server)."""
    e = group.random_scalar()
    ephemeral = group.base_mul(e)
    shared = group.mul(e, recipient.public)
    pad, mac_key = _share_keys(
        secret.vote_id, secret.trustee, recipient.trustee, ephemeral, recipient.public, shared
    )
    value = group.scalar_bytes(secret.evaluate(recipient.trustee))
    ciphertext = bytes(x ^ y for x, y in zip(value, pad, strict=True))
    mac = _share_mac(
        mac_key, secret.vote_id, secret.trustee, recipient.trustee, ephemeral, ciphertext
    )
    return {
        "format": SHARE_FORMAT,
        "vote_id": secret.vote_id,
        "from": secret.trustee,
        "to": recipient.trustee,
        "ephemeral": ephemeral.hex(),
        "ciphertext": ciphertext.hex(),
        "mac": mac.hex(),
    }


def _open_share(
    secret: TrusteeSecret, data: Any, keys: Mapping[int, TrusteeKey]
) -> tuple[int, int]:
    """(sender, P_sender(me)) from one share message, or raise Malformed naming the problem."""
    data = parse.obj(data, "share")
    parse.fmt(data, SHARE_FORMAT, "share")
    sender = parse.integer(data, "from", "share", low=1, high=secret.trustees)
    where = f"share from trustee {sender}"
    if parse.string(data, "vote_id", where) != secret.vote_id:
        raise Malformed("wrong_vote", where)
    if parse.integer(data, "to", where, low=1, high=secret.trustees) != secret.trustee:
        raise Malformed("wrong_recipient", where)
    ephemeral = parse.point(data, "ephemeral", where, allow_identity=False)
    raw = [parse.string(data, key, where) for key in ("ciphertext", "mac")]
    try:
        ciphertext, mac = (bytes.fromhex(x) for x in raw)
    except ValueError:
        raise Malformed("malformed", where, "ciphertext and mac are hex") from None
    if len(ciphertext) != 32 or len(mac) != 32 or any(x != x.lower() for x in raw):
        raise Malformed("malformed", where, "ciphertext and mac are 64 lowercase hex digits")
    shared = group.mul(secret.coefficients[0], ephemeral)
    own = group.base_mul(secret.coefficients[0])
    pad, mac_key = _share_keys(secret.vote_id, sender, secret.trustee, ephemeral, own, shared)
    expected = _share_mac(mac_key, secret.vote_id, sender, secret.trustee, ephemeral, ciphertext)
    if not hmac.compare_digest(expected, mac):
        raise Malformed("mac_invalid", where, "not encrypted to this trustee, or altered")
    value = int.from_bytes(bytes(x ^ y for x, y in zip(ciphertext, pad, strict=True)), "little")
    if value >= group.L:
        raise Malformed("share_out_of_range", where)
    if sender not in keys:
        raise Malformed("unknown_sender", where)
    if group.base_mul(value) != commitment_at(keys[sender], secret.trustee):
        raise Malformed(
            "share_inconsistent", where, "the share does not match the sender's commitments"
        )
    return sender, value


def receive_shares(
    secret: TrusteeSecret, keys: Sequence[TrusteeKey], messages: Iterable[Any]
) -> tuple[TrusteeSecret | None, list[Problem]]:
    """Check every share sent to this trustee and, if all n−1 are sound, derive its key share.

    Returns the secret with `key_share` set, or None and the problems (each names the sender,
    so the trustee can publish a complaint and the ceremony can be run again without it).
    """
    by_number = {key.trustee: key for key in keys}
    problems: list[Problem] = []
    values: dict[int, int] = {secret.trustee: secret.evaluate(secret.trustee)}
    received: set[int] = set()
    for message in messages:
        if isinstance(message, Mapping) and type(message.get("from")) is int:
            received.add(message["from"])  # named below if bad, not also as missing
        try:
            sender, value = _open_share(secret, message, by_number)
        except Malformed as error:
            problems.append(
                Problem("share." + error.problem.code, error.problem.where, error.problem.detail)
            )
            continue
        if sender in values:
            problems.append(Problem("share.duplicate", f"share from trustee {sender}"))
        values[sender] = value
    for missing in sorted(set(range(1, secret.trustees + 1)) - set(values) - received):
        problems.append(Problem("share.missing", f"share from trustee {missing}"))
    if problems:
        return None, problems
    return replace(secret, key_share=sum(values.values()) % group.L), []


# --- Partial decryption ----------------------------------------------------------------------


def _partial_statement(
    vote_id: str, trustee: int, tally_digest: str, label: str, z: bytes, alpha: bytes, m: bytes
) -> dict[str, Any]:
    return {
        "vote_id": vote_id,
        "trustee": trustee,
        "tally": tally_digest,
        "label": label,
        "verification_key": z.hex(),
        "alpha": alpha.hex(),
        "share": m.hex(),
    }


def partial_decrypt(secret: TrusteeSecret, tally: Tally) -> dict[str, Any]:
    """This trustee's M_ℓ = z_ℓ·A for every total, each with its Chaum-Pedersen proof."""
    if secret.key_share is None:
        raise ValueError("this trustee has no key share yet (receive the others' shares first)")
    if tally.vote_id != secret.vote_id:
        raise ValueError("the tally is for another vote")
    z = secret.key_share
    z_point = group.base_mul(z)
    digest = tally.digest
    shares = {}
    for label, ct in tally.totals.items():
        m = group.mul(z, ct.alpha)
        statement = _partial_statement(
            secret.vote_id, secret.trustee, digest, label, z_point, ct.alpha, m
        )
        proof = proofs.equal_log_prove(z, ct.alpha, "partial-decryption", statement)
        shares[label] = {"share": m.hex(), "proof": proof.to_json()}
    return {
        "format": PARTIAL_FORMAT,
        "vote_id": secret.vote_id,
        "trustee": secret.trustee,
        "tally": digest,
        "shares": shares,
    }


def _parse_partial(
    data: Any, tally: Tally, trustees: int
) -> tuple[int, dict[str, tuple[bytes, proofs.Proof]]]:
    data = parse.obj(data, "partial")
    parse.fmt(data, PARTIAL_FORMAT, "partial")
    trustee = parse.integer(data, "trustee", "partial", low=1, high=trustees)
    where = f"trustee {trustee}"
    if parse.string(data, "vote_id", where) != tally.vote_id:
        raise Malformed("wrong_vote", where)
    if parse.string(data, "tally", where) != tally.digest:
        raise Malformed("wrong_tally", where, "made for other totals")
    shares = parse.obj(parse.field(data, "shares", where), f"{where}.shares")
    if set(shares) != set(tally.totals):
        raise Malformed("wrong_labels", f"{where}.shares", "not the tally's totals")
    parsed = {}
    for label in tally.totals:
        item = parse.obj(shares[label], f"{where}.shares.{label}")
        parsed[label] = (
            parse.point(item, "share", f"{where}.shares.{label}"),
            proofs.Proof.from_json(parse.field(item, "proof", ""), f"{where}.shares.{label}.proof"),
        )
    return trustee, parsed


def _verify_partial(
    data: Any, tally: Tally, keys: Sequence[TrusteeKey]
) -> tuple[int | None, dict[str, bytes], list[Problem]]:
    trustees = keys[0].trustees if keys else 0
    try:
        trustee, parsed = _parse_partial(data, tally, trustees)
    except Malformed as error:
        problem = error.problem
        return None, {}, [Problem("partial." + problem.code, problem.where, problem.detail)]
    z = verification_key(keys, trustee)
    problems = []
    for label, (m, proof) in parsed.items():
        ct = tally.totals[label]
        statement = _partial_statement(tally.vote_id, trustee, tally.digest, label, z, ct.alpha, m)
        if not proofs.equal_log_verify(z, ct.alpha, m, proof, "partial-decryption", statement):
            problems.append(
                Problem(
                    "partial.proof_invalid",
                    f"trustee {trustee}, totals.{label}",
                    "the partial decryption is not proved correct",
                )
            )
    return trustee, {label: m for label, (m, _) in parsed.items()}, problems


def _keys(data: Sequence[Any]) -> list[TrusteeKey]:
    return [k if isinstance(k, TrusteeKey) else TrusteeKey.from_json(k) for k in data]


def verify_partial_decryption(
    data: Any, *, tally: Tally, trustee_keys: Sequence[TrusteeKey | Mapping[str, Any]]
) -> list[Problem]:
    """Every problem with one trustee's partial decryption of the tally (empty: it is proved).

    `trustee_keys` is the full published set (already checked by `verify_trustee_keys`).
    """
    try:
        keys = _keys(trustee_keys)
    except Malformed as error:
        return [Problem("trustee_key." + error.problem.code, error.problem.where)]
    return _verify_partial(data, tally, keys)[2]


def lagrange(trustee: int, among: Iterable[int]) -> int:
    """w_ℓ = Π_{k ∈ S, k ≠ ℓ} k / (k − ℓ) modulo L: the weight of trustee ℓ's share at 0."""
    numerator, denominator = 1, 1
    for k in among:
        if k != trustee:
            numerator = numerator * k % group.L
            denominator = denominator * (k - trustee) % group.L
    return numerator * pow(denominator, -1, group.L) % group.L


@dataclass(frozen=True)
class CombineResult:
    """The decrypted totals (None if they could not be decrypted) and every problem found."""

    totals: dict[str, int] | None
    problems: list[Problem]
    trustees_used: tuple[int, ...] = ()


def combine(
    *,
    tally: Tally,
    partials: Sequence[Any],
    trustee_keys: Sequence[TrusteeKey | Mapping[str, Any]],
) -> CombineResult:
    """Check every partial decryption and decrypt the totals from the first t sound ones.

    A trustee whose partial decryption fails its proof is named and left out; the totals are
    decrypted as long as t distinct trustees remain. A total whose logarithm is not below its
    bound (the weights do not add up) is named too.
    """
    try:
        keys = _keys(trustee_keys)
    except Malformed as error:
        return CombineResult(
            None, [Problem("trustee_key." + error.problem.code, error.problem.where)]
        )
    if not keys:
        return CombineResult(None, [Problem("combine.no_trustee_keys", "trustee_keys")])
    threshold = keys[0].threshold
    if joint_public_key(keys) != tally.public_key:
        return CombineResult(
            None,
            [
                Problem(
                    "combine.wrong_public_key", "tally.public_key", "not the trustees' joint key"
                )
            ],
        )
    problems: list[Problem] = []
    sound: dict[int, dict[str, bytes]] = {}
    for data in partials:
        trustee, shares, found = _verify_partial(data, tally, keys)
        problems.extend(found)
        if trustee is not None and not found:
            if trustee in sound:
                problems.append(Problem("combine.duplicate_trustee", f"trustee {trustee}"))
            sound[trustee] = shares
    if len(sound) < threshold:
        problems.append(
            Problem(
                "combine.too_few_trustees",
                "partials",
                f"{len(sound)} sound partial decryptions, {threshold} needed",
            )
        )
        return CombineResult(None, problems)
    used = tuple(sorted(sound)[:threshold])
    weights = {t: lagrange(t, used) for t in used}
    totals: dict[str, int] = {}
    for label, ct in tally.totals.items():
        m_point = group.IDENTITY
        for t in used:
            m_point = group.add(m_point, group.mul(weights[t], sound[t][label]))
        value = elgamal.discrete_log(group.sub(ct.beta, m_point), tally.bounds[label])
        if value is None:
            problems.append(
                Problem(
                    "combine.total_out_of_bound",
                    f"totals.{label}",
                    f"no total between 0 and {tally.bounds[label]}",
                )
            )
        else:
            totals[label] = value
    return CombineResult(None if len(totals) < len(tally.totals) else totals, problems, used)

"""Encrypted ballots: one ciphertext per option, each proved 0 or 1, and their sum proved 1.

A ballot encrypts a choice among yes / no / abstain as three exponential-ElGamal ciphertexts,
one per option, in the manner of ElectionGuard 2.0 §3.3 (one selection per option of a contest,
each with the range proof of §3.3.5 with R = 1, and the contest's selection-limit proof) and of
Helios v4's "exactly one" question: each ciphertext carries a disjunctive proof that it
encrypts 0 or 1, and one Chaum-Pedersen proof shows that the three together encrypt exactly 1,
which the server can check without learning which option is the 1.

Every proof's statement names the vote, the voter, the public key and all three ciphertexts,
so a ballot cannot be copied into another vote or cast again as another state's (the ballot
copying attack on Helios, Cortier & Smyth 2013: binding the voter into the proofs, as Belenios
binds the credential, is the cure). Who voted is public; how is not.

The tracker (ElectionGuard 2.0 §3.4 "confirmation code", H(B)) is the SHA-256 of the ballot's
canonical JSON under its own domain tag: it lets a delegation find its ballot on the public
board and reveals nothing about the choice.

JSON (points and scalars as 64 lowercase hex digits)::

    {"format": "concordia-ballot/1", "vote_id": str, "voter": str, "public_key": P,
     "choices": {"yes": {"alpha": P, "beta": P, "proof": {"c0": S, "c1": S, "v0": S, "v1": S}},
                 "no": {...}, "abstain": {...}},
     "sum_proof": {"c": S, "v": S}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.ballotcrypto import elgamal, group, parse, proofs
from governance.ballotcrypto.elgamal import Ciphertext
from governance.ballotcrypto.encoding import domain_sha256
from governance.ballotcrypto.problems import Malformed, Problem
from governance.ballotcrypto.proofs import DisjunctiveProof, Proof

FORMAT = "concordia-ballot/1"
OPTIONS: tuple[str, ...] = ("yes", "no", "abstain")
_BALLOT_KEYS = {"format", "vote_id", "voter", "public_key", "choices", "sum_proof"}
_CHOICE_KEYS = {"alpha", "beta", "proof"}


@dataclass(frozen=True)
class Ballot:
    vote_id: str
    voter: str
    public_key: bytes
    ciphertexts: Mapping[str, Ciphertext]
    proofs: Mapping[str, DisjunctiveProof]
    sum_proof: Proof

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vote_id": self.vote_id,
            "voter": self.voter,
            "public_key": self.public_key.hex(),
            "choices": {
                option: {
                    **self.ciphertexts[option].to_json(),
                    "proof": self.proofs[option].to_json(),
                }
                for option in OPTIONS
            },
            "sum_proof": self.sum_proof.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Ballot:
        """Parse an untrusted ballot; raises `Malformed` naming the first bad field."""
        data = parse.obj(data, "ballot")
        parse.fmt(data, FORMAT, "")
        extra = set(data) - _BALLOT_KEYS
        if extra:
            raise Malformed("unexpected_field", sorted(extra)[0])
        choices = parse.obj(parse.field(data, "choices", ""), "choices")
        if set(choices) != set(OPTIONS):
            raise Malformed("wrong_options", "choices", f"expected exactly {', '.join(OPTIONS)}")
        ciphertexts, choice_proofs = {}, {}
        for option in OPTIONS:
            where = f"choices.{option}"
            choice = parse.obj(choices[option], where)
            extra = set(choice) - _CHOICE_KEYS
            if extra:
                raise Malformed("unexpected_field", f"{where}.{sorted(extra)[0]}")
            ciphertexts[option] = Ciphertext.from_json(choice, where)
            choice_proofs[option] = proofs.DisjunctiveProof.from_json(
                parse.field(choice, "proof", where), f"{where}.proof"
            )
        return cls(
            vote_id=parse.string(data, "vote_id", ""),
            voter=parse.string(data, "voter", ""),
            public_key=parse.point(data, "public_key", "", allow_identity=False),
            ciphertexts=ciphertexts,
            proofs=choice_proofs,
            sum_proof=proofs.Proof.from_json(parse.field(data, "sum_proof", ""), "sum_proof"),
        )

    @property
    def tracker(self) -> str:
        return tracker(self.to_json())


def _statement(
    vote_id: str, voter: str, public_key: bytes, ciphertexts: Mapping[str, Ciphertext]
) -> dict[str, Any]:
    return {
        "vote_id": vote_id,
        "voter": voter,
        "public_key": public_key.hex(),
        "ciphertexts": {option: ciphertexts[option].to_json() for option in OPTIONS},
    }


def _sum_points(public_key: bytes, ciphertexts: Mapping[str, Ciphertext]) -> tuple[bytes, bytes]:
    """(A, B − G) for the sum (A, B) of the three ciphertexts: both R·G, R·K if the sum is 1."""
    summed = elgamal.total(ciphertexts[option] for option in OPTIONS)
    return summed.alpha, group.sub(summed.beta, group.G)


def encrypt_ballot(*, vote_id: str, voter: str, public_key: bytes, choice: str) -> Ballot:
    """Encrypt one choice with its proofs (what the browser does; API clients may call this)."""
    if choice not in OPTIONS:
        raise ValueError(f"choice must be one of {OPTIONS}")
    plain = {option: int(option == choice) for option in OPTIONS}
    return encrypt_with(vote_id=vote_id, voter=voter, public_key=public_key, plain=plain)


def encrypt_with(
    *, vote_id: str, voter: str, public_key: bytes, plain: Mapping[str, int]
) -> Ballot:
    """Encrypt the given integers per option and prove them; only 0/1 summing to 1 verifies.

    `encrypt_ballot` is the honest use. Tests call this with 2 or −1 to play a cheating
    encoder: the proofs are made the same way and the verifier must name them.
    """
    randomness = {option: group.random_scalar() for option in OPTIONS}
    ciphertexts = {
        option: elgamal.encrypt(public_key, plain[option], randomness[option]) for option in OPTIONS
    }
    statement = _statement(vote_id, voter, public_key, ciphertexts)
    choice_proofs = {
        option: proofs.zero_or_one_prove(
            ciphertexts[option],
            plain[option],
            randomness[option],
            public_key,
            "zero-or-one",
            {**statement, "option": option},
        )
        for option in OPTIONS
    }
    r_sum = sum(randomness.values()) % group.L
    sum_proof = proofs.equal_log_prove(r_sum, public_key, "exactly-one", statement)
    return Ballot(vote_id, voter, public_key, ciphertexts, choice_proofs, sum_proof)


def verify_ballot(
    data: Any, *, vote_id: str, public_key: bytes, voter: str | None = None
) -> list[Problem]:
    """Every problem with a submitted or published ballot (empty: it is well formed).

    Never raises on hostile input: malformed JSON, bad points or scalars, missing or extra
    fields and wrong lengths each come back as a named problem.
    """
    try:
        ballot = Ballot.from_json(data)
    except Malformed as error:
        return [Problem("ballot." + error.problem.code, error.problem.where, error.problem.detail)]
    problems: list[Problem] = []
    if ballot.vote_id != vote_id:
        problems.append(Problem("ballot.wrong_vote", "vote_id", f"expected {vote_id!r}"))
    if ballot.public_key != public_key:
        problems.append(Problem("ballot.wrong_public_key", "public_key"))
    if voter is not None and ballot.voter != voter:
        problems.append(Problem("ballot.wrong_voter", "voter", f"expected {voter!r}"))
    if problems:
        return problems
    statement = _statement(ballot.vote_id, ballot.voter, ballot.public_key, ballot.ciphertexts)
    for option in OPTIONS:
        if not proofs.zero_or_one_verify(
            ballot.ciphertexts[option],
            ballot.public_key,
            ballot.proofs[option],
            "zero-or-one",
            {**statement, "option": option},
        ):
            problems.append(
                Problem(
                    "ballot.zero_or_one_proof_invalid",
                    f"choices.{option}",
                    "the proof that this option encrypts 0 or 1 does not hold",
                )
            )
    alpha_sum, beta_minus_one = _sum_points(ballot.public_key, ballot.ciphertexts)
    if not proofs.equal_log_verify(
        alpha_sum, ballot.public_key, beta_minus_one, ballot.sum_proof, "exactly-one", statement
    ):
        problems.append(
            Problem(
                "ballot.sum_proof_invalid",
                "sum_proof",
                "the proof that exactly one option is chosen does not hold",
            )
        )
    return problems


def tracker(ballot_json: Mapping[str, Any]) -> str:
    """The receipt: SHA-256 of the ballot's canonical JSON under the tracker domain tag."""
    return domain_sha256("tracker", {"ballot": dict(ballot_json)})

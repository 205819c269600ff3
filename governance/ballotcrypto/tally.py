"""The encrypted totals of a vote: labelled ciphertexts and the bound of each.

At close the server adds up each state's current ballot, option by option, once per weighting
("count" gives every state 1; "population" or "share" give it its public integer weight):
the label `"<weighting>.<option>"` holds the encryption of the weighted sum, and its bound,
the sum of the weights of the states that voted, is the most the total can be, which is what
the discrete logarithm searches up to. Individual ballots are never decrypted
(ElectionGuard 2.0 §3.5, homomorphic aggregation; §3.6, only the aggregate is decrypted).

JSON::

    {"format": "concordia-tally/1", "vote_id": str, "public_key": P,
     "totals": {label: {"alpha": P, "beta": P}}, "bounds": {label: int}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.ballotcrypto import elgamal, parse
from governance.ballotcrypto.ballot import OPTIONS, Ballot
from governance.ballotcrypto.elgamal import Ciphertext
from governance.ballotcrypto.encoding import MAX_SAFE_INTEGER, domain_sha256
from governance.ballotcrypto.problems import Malformed

FORMAT = "concordia-tally/1"


@dataclass(frozen=True)
class Tally:
    vote_id: str
    public_key: bytes
    totals: Mapping[str, Ciphertext]
    bounds: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vote_id": self.vote_id,
            "public_key": self.public_key.hex(),
            "totals": elgamal.totals_to_json(self.totals),
            "bounds": dict(self.bounds),
        }

    @classmethod
    def from_json(cls, data: Any) -> Tally:
        data = parse.obj(data, "tally")
        parse.fmt(data, FORMAT, "tally")
        totals_json = parse.obj(parse.field(data, "totals", "tally"), "tally.totals")
        bounds_json = parse.obj(parse.field(data, "bounds", "tally"), "tally.bounds")
        if set(totals_json) != set(bounds_json):
            raise Malformed("labels_differ", "tally.bounds", "totals and bounds differ")
        return cls(
            vote_id=parse.string(data, "vote_id", "tally"),
            public_key=parse.point(data, "public_key", "tally", allow_identity=False),
            totals={
                label: Ciphertext.from_json(value, f"tally.totals.{label}")
                for label, value in totals_json.items()
            },
            bounds={
                label: parse.integer(
                    bounds_json, label, "tally.bounds", low=0, high=MAX_SAFE_INTEGER
                )
                for label in bounds_json
            },
        )

    @property
    def digest(self) -> str:
        """The SHA-256 every partial decryption names, so it cannot be moved to another tally."""
        return domain_sha256("tally", {"tally": self.to_json()})


def tally_ballots(
    *,
    vote_id: str,
    public_key: bytes,
    ballots: Mapping[str, Ballot],
    weightings: Mapping[str, Mapping[str, int]] | None = None,
) -> Tally:
    """Add up the current ballot of each voter (keyed by voter), once per weighting.

    The ballots must already have passed `verify_ballot`. Every voter needs a weight in every
    weighting; without weightings, each ballot counts once (label "count.<option>").
    """
    if weightings is None:
        weightings = {"count": dict.fromkeys(ballots, 1)}
    totals: dict[str, Ciphertext] = {}
    bounds: dict[str, int] = {}
    for name, weights in weightings.items():
        missing = set(ballots) - set(weights)
        if missing:
            raise ValueError(f"weighting {name!r} has no weight for {sorted(missing)}")
        for option in OPTIONS:
            label = f"{name}.{option}"
            totals[label] = elgamal.weighted_total(
                (ballot.ciphertexts[option], weights[voter]) for voter, ballot in ballots.items()
            )
            bounds[label] = sum(weights[voter] for voter in ballots)
    return Tally(vote_id, public_key, totals, bounds)

"""Who may vote: the electorate of a vote, frozen when it opened, as typed data.

The platform stores the electorate as a JSON document, hashed when the vote opens; the ballot
chain starts from that hash. `Electorate.from_document` reads that document (every release's
shape) and `document()` writes it back exactly, so `canonical()` and `sha256()` give the bytes
and the hash that were stored. Pure: no Django and no I/O.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from governance import chain
from governance.rules.base import _STATE_CODE, RuleError, _fraction, _parse_fraction

_ELECTOR_KEYS = frozenset({"state", "population", "share", "recused", "proxy_holder"})
_EXCLUDED_KEYS = frozenset({"state", "reason"})
_REQUIRED_KEYS = frozenset({"motion", "council", "frozen_at", "rule", "electors", "excluded"})
_OPTIONAL_KEYS = frozenset({"programme"})


def _state_code(value: object, what: str) -> str:
    if not isinstance(value, str) or not _STATE_CODE.fullmatch(value):
        raise RuleError(f"{what} must be an ISO alpha-2 code such as 'FR', not {value!r}")
    return value


def _keys(data: object, required: frozenset[str], optional: frozenset[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise RuleError(f"{what} must be a JSON object, not {type(data).__name__}")
    missing, unknown = required - set(data), set(data) - required - optional
    if missing or unknown:
        raise RuleError(
            f"{what} is malformed: missing {sorted(missing) or 'nothing'}, "
            f"unknown {sorted(unknown) or 'nothing'}"
        )


@dataclass(frozen=True)
class Elector:
    """One state entitled to vote, with its figures as frozen when the vote opened.

    `proxy_holder` is the state that casts this state's vote as its proxy (None: it votes
    itself). A recused state takes no part: it is outside every base the rules count.
    """

    state: str
    population: int = 0
    contribution_share: Fraction = Fraction(0)
    recused: bool = False
    proxy_holder: str | None = None

    def __post_init__(self) -> None:
        _state_code(self.state, "state")
        population = self.population
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise RuleError(f"{self.state}: population must be a whole number ≥ 0")
        share = _fraction(self.contribution_share, f"{self.state}: contribution_share")
        if share < 0:
            raise RuleError(f"{self.state}: contribution_share must be ≥ 0")
        object.__setattr__(self, "contribution_share", share)
        if not isinstance(self.recused, bool):
            raise RuleError(f"{self.state}: recused must be true or false")
        if self.proxy_holder is not None:
            _state_code(self.proxy_holder, f"{self.state}: proxy_holder")
            if self.proxy_holder == self.state:
                raise RuleError(f"{self.state} cannot hold its own proxy")

    def document(self) -> dict[str, Any]:
        """Return the elector as the electorate document writes it (share as 'n/d' or '0')."""
        return {
            "state": self.state,
            "population": self.population,
            "share": str(self.contribution_share),
            "recused": self.recused,
            "proxy_holder": self.proxy_holder,
        }

    @classmethod
    def from_document(cls, data: Mapping[str, Any]) -> Elector:
        """Read one entry of an electorate document's "electors"; malformed is a RuleError."""
        _keys(data, _ELECTOR_KEYS, frozenset(), "an elector")
        state = _state_code(data["state"], "an elector's state")
        return cls(
            state=state,
            population=data["population"],
            contribution_share=_parse_fraction(data["share"], f"{state}: share"),
            recused=data["recused"],
            proxy_holder=data["proxy_holder"],
        )


@dataclass(frozen=True)
class Excluded:
    """A state seated in the council that may not vote, and why (associate, suspended...)."""

    state: str
    reason: str

    def __post_init__(self) -> None:
        _state_code(self.state, "an excluded state")
        if not isinstance(self.reason, str):
            raise RuleError(f"{self.state}: the reason it is excluded must be text")

    def document(self) -> dict[str, Any]:
        """Return the entry as the electorate document writes it."""
        return {"state": self.state, "reason": self.reason}


@dataclass(frozen=True)
class Electorate:
    """Who may vote on a motion and with what weight, frozen when its vote opened.

    `rule` is the motion's rule as stored (`VotingRule.to_dict()` data), kept as it was so the
    document hashes the same. `programme` names the programme whose participants form the
    electorate (CERN Convention Art. V(6)-(7)); None for the council's whole membership.
    """

    motion: str
    council: str
    frozen_at: str
    rule: dict[str, Any] = field(hash=False)
    electors: tuple[Elector, ...]
    excluded: tuple[Excluded, ...] = ()
    programme: str | None = None

    def __post_init__(self) -> None:
        for name in ("motion", "council", "frozen_at"):
            if not isinstance(getattr(self, name), str):
                raise RuleError(f"an electorate's {name} must be text")
        if not isinstance(self.rule, Mapping):
            raise RuleError("an electorate's rule must be a JSON object")
        if self.programme is not None and (
            not isinstance(self.programme, str) or not self.programme
        ):
            raise RuleError("an electorate's programme must be a non-empty text or absent")
        set_ = object.__setattr__  # frozen: normalise the inputs once, here
        set_(self, "rule", copy.deepcopy(dict(self.rule)))
        set_(self, "electors", tuple(self.electors))
        set_(self, "excluded", tuple(self.excluded))
        index: dict[str, Elector] = {}
        for elector in self.electors:
            if not isinstance(elector, Elector):
                raise RuleError(f"an electorate lists Electors, not {elector!r}")
            if elector.state in index:
                raise RuleError(f"{elector.state} is listed twice in the electorate")
            index[elector.state] = elector
        for excluded in self.excluded:
            if not isinstance(excluded, Excluded):
                raise RuleError(f"an electorate's exclusions are Excluded, not {excluded!r}")
            if excluded.state in index:
                raise RuleError(f"{excluded.state} is both an elector and excluded")
        set_(self, "_index", index)

    @classmethod
    def from_document(cls, data: Mapping[str, Any]) -> Electorate:
        """Read the electorate document the platform stores (any release); malformed is a RuleError."""
        _keys(data, _REQUIRED_KEYS, _OPTIONAL_KEYS, "an electorate document")
        electors, excluded = data["electors"], data["excluded"]
        if not isinstance(electors, list | tuple) or not isinstance(excluded, list | tuple):
            raise RuleError("an electorate document's electors and excluded must be lists")
        excluded_entries = []
        for entry in excluded:
            _keys(entry, _EXCLUDED_KEYS, frozenset(), "an excluded state")
            excluded_entries.append(Excluded(entry["state"], entry["reason"]))
        return cls(
            motion=data["motion"],
            council=data["council"],
            frozen_at=data["frozen_at"],
            rule=data["rule"],
            electors=tuple(Elector.from_document(entry) for entry in electors),
            excluded=tuple(excluded_entries),
            programme=data.get("programme"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Electorate:
        """Read an electorate from its JSON text (the published canonical form, for one)."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RuleError(f"an electorate that is not JSON: {exc}") from exc
        return cls.from_document(data)

    def document(self) -> dict[str, Any]:
        """Return the document as the platform stores it ("programme" only where there is one)."""
        data: dict[str, Any] = {
            "motion": self.motion,
            "council": self.council,
            "frozen_at": self.frozen_at,
            "rule": copy.deepcopy(self.rule),
            "electors": [e.document() for e in self.electors],
            "excluded": [e.document() for e in self.excluded],
        }
        if self.programme is not None:
            data["programme"] = self.programme
        return data

    def canonical(self) -> str:
        """Return the canonical JSON that is hashed (governance.chain.canonical)."""
        return chain.canonical(self.document()).decode()

    def to_json(self) -> str:
        """Return the electorate as JSON: its canonical form."""
        return self.canonical()

    def sha256(self) -> str:
        """Return the SHA-256 of the canonical JSON, the hash the ballot chain starts from."""
        return chain.sha256_hex(self.canonical().encode())

    def elector(self, state: str) -> Elector | None:
        """Return the elector for a state, or None if the state is not in the electorate."""
        index: dict[str, Elector] = getattr(self, "_index")  # noqa: B009 - set in __post_init__
        return index.get(state)

    @property
    def voting_members(self) -> tuple[Elector, ...]:
        """The electors who may vote (not recused), sorted by state."""
        return tuple(sorted((e for e in self.electors if not e.recused), key=lambda e: e.state))

    @property
    def states(self) -> tuple[str, ...]:
        """Every elector's state, in the document's order."""
        return tuple(e.state for e in self.electors)

    def with_electors(self, electors: Iterable[Elector]) -> Electorate:
        """Return the same electorate with other electors (for tests and what-if counts)."""
        return Electorate(
            self.motion,
            self.council,
            self.frozen_at,
            self.rule,
            tuple(electors),
            self.excluded,
            self.programme,
        )

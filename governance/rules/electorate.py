"""Who may vote: the electors of a vote with their figures as frozen when it opened."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from governance.rules.base import _STATE_CODE, RuleError, _fraction


@dataclass(frozen=True)
class Elector:
    """One state entitled to vote, with its figures as frozen when the vote opened."""

    state: str
    population: int = 0
    contribution_share: Fraction = Fraction(0)
    recused: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.state, str) or not _STATE_CODE.fullmatch(self.state):
            raise RuleError(f"state must be an ISO alpha-2 code such as 'FR', not {self.state!r}")
        population = self.population
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise RuleError(f"{self.state}: population must be a whole number ≥ 0")
        share = _fraction(self.contribution_share, f"{self.state}: contribution_share")
        if share < 0:
            raise RuleError(f"{self.state}: contribution_share must be ≥ 0")
        object.__setattr__(self, "contribution_share", share)


Electorate = tuple[Elector, ...]

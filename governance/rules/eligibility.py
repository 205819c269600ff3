"""Who may cast which state's ballot: the eligibility rules of a vote, with no Django.

`ballot_refusal` is the branching `governance.services.ballots.ballot_cast` applied inline;
the service maps each `RefusalCode` to its translated message. Checks that need the database
(accreditation today, suspensions) stay in the service: it passes the state the caster is
accredited for (`own_state`, None without accreditation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from governance.rules.electorate import Electorate


class RefusalCode(StrEnum):
    """Why a ballot may not be cast for a state, in the order the checks apply."""

    NOT_IN_ELECTORATE = "not_in_electorate"
    RECUSED = "recused"
    NO_ACCREDITATION = "no_accreditation"
    NOT_OWN_STATE = "not_own_state"
    PROXY_GIVEN = "proxy_given"


@dataclass(frozen=True)
class Refusal:
    """A refused ballot: why, for which state, by whom (`own_state`), and its proxy holder."""

    code: RefusalCode
    state: str
    own_state: str | None = None
    holder: str | None = None


def ballot_refusal(electorate: Electorate, state: str, own_state: str | None) -> Refusal | None:
    """Why a delegate accredited for `own_state` may not cast `state`'s ballot, or None if it may.

    A state outside the electorate or recused casts nothing; without accreditation nobody
    casts anything; a state votes itself unless it gave its vote to a proxy holder, who then
    alone casts it (and a delegate of any other state is refused as voting for another state).
    """
    elector = electorate.elector(state)
    if elector is None:
        return Refusal(RefusalCode.NOT_IN_ELECTORATE, state)
    if elector.recused:
        return Refusal(RefusalCode.RECUSED, state)
    if own_state is None:
        return Refusal(RefusalCode.NO_ACCREDITATION, state)
    holder = elector.proxy_holder
    if holder is None and own_state != state:
        return Refusal(RefusalCode.NOT_OWN_STATE, state, own_state)
    if holder is not None and own_state != holder:
        if own_state == state:
            return Refusal(RefusalCode.PROXY_GIVEN, state, own_state, holder)
        return Refusal(RefusalCode.NOT_OWN_STATE, state, own_state, holder)
    return None


def caster_of(electorate: Electorate, state: str) -> str | None:
    """The state whose delegate casts `state`'s ballot: its proxy holder, or itself (None if
    it may not vote at all)."""
    elector = electorate.elector(state)
    if elector is None or elector.recused:
        return None
    return elector.proxy_holder or elector.state

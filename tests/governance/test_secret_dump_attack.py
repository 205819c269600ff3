"""Someone with the database tries to link states to choices in a secret vote, and learns turnout.

The attacker's best case (issue 16): a full dump of every table taken while the vote was open
and another after the close and decryption, with each row's physical place (ctid) and the id
of the transaction that wrote it (xmin). Before issue 16 the pairing attack linked every state
to its choice by the transaction that wrote both the participation row and the ballot. Now the
only thing a state's transaction writes about its ballot is the ciphertext: the attack
recovers who voted, and nothing of how.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from django.db import connection

from governance.ballotcrypto import group
from governance.ballotcrypto.elgamal import Ciphertext, discrete_log
from governance.ballotcrypto.threshold import lagrange
from governance.models import Ballot, BallotParticipation, EncryptedBallot, PartialDecryption
from tests.governance import secret_fixtures as sf
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db(transaction=True)
CHOICES = {"yes", "no", "abstain"}


def dump() -> list[dict[str, Any]]:
    """Every row of every table, with its physical place and its writing transaction."""
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT ctid::text, xmin::text, to_jsonb(t) FROM "{table}" t')  # noqa: S608
            for ctid, xmin, data in cursor.fetchall():
                # Django reads jsonb as text: parse it as a dump reader would.
                parsed = json.loads(data) if isinstance(data, str) else data
                rows.append({"table": table, "ctid": ctid, "xmin": xmin, "data": parsed})
    return rows


def values(data: Any) -> list[Any]:
    """Every leaf value of a row (JSON columns included), keys left out."""
    if isinstance(data, dict):
        return [v for value in data.values() for v in values(value)]
    if isinstance(data, list):
        return [v for value in data for v in values(value)]
    if isinstance(data, str) and data[:1] in "{[":
        try:
            return values(json.loads(data))
        except ValueError:
            return [data]
    return [data]


def pairing_attack(dumps: list[list[dict[str, Any]]], states: set[str]) -> tuple[set[str], dict]:
    """Link states to choices by transaction ids and physical neighbourhood.

    Returns the states seen voting (turnout) and, for each, any choice found in a row written by
    the same or an adjacent transaction (subtransactions take the next id) as a row naming it,
    or lying on the same disk page.
    """
    turnout: set[str] = set()
    linked: dict[str, set[str]] = defaultdict(set)
    for rows in dumps:
        by_xmin: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_page: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_xmin[row["xmin"]].append(row)
            by_page[(row["table"], row["ctid"].split(",")[0])].append(row)
        codes = {
            r["data"]["id"]: r["data"]["code"]
            for r in rows
            if r["table"] == "governance_memberstate"
        }
        for row in rows:
            # The rows that name a voting state: an encrypted ballot, or (before issue 16) a
            # secret vote's participation row.
            if row["table"] == "governance_encryptedballot":
                state = row["data"]["state"]
            elif row["table"] == "governance_ballotparticipation":
                state = codes[row["data"]["member_state_id"]]
            else:
                continue
            turnout.add(state)
            page = (row["table"], row["ctid"].split(",")[0])
            # A savepoint inside the same request writes under the next transaction id.
            xmin = int(row["xmin"])
            near = [r for x in (xmin - 1, xmin, xmin + 1) for r in by_xmin[str(x)]]
            for other in near + by_page[page]:
                linked[state] |= {v for v in values(other["data"]) if v in CHOICES}
    assert turnout <= states
    return turnout, dict(linked)


def test_a_database_dump_while_open_and_after_the_close_reveals_only_turnout():
    """The pairing attack on two dumps recovers who voted and no state's choice."""
    # given a secret vote in which four of five states vote, Germany twice
    c5 = make_council5()
    ceremony = sf.open_secret(c5)
    truth = {"DE": "no", "FR": "yes", "IT": "abstain"}
    for state, choice in truth.items():
        sf.cast(c5, ceremony, state, choice)
    while_open = dump()
    sf.cast(c5, ceremony, "DE", "yes")
    sf.cast(c5, ceremony, "ES", "no")
    truth.update(DE="yes", ES="no")
    sf.close(c5, ceremony)
    motion = sf.decrypt(c5, ceremony)
    after_close = dump()
    # when the attacker pairs rows by transaction id and by disk page, in both dumps
    turnout, linked = pairing_attack([while_open, after_close], set(c5.states))
    # then it learns who voted, and no choice for any of them
    assert turnout == set(truth)
    assert all(not found for found in linked.values()), linked
    # nor does the old scheme leave anything: no plain ballot, no participation row
    assert not Ballot.objects.filter(motion=motion).exists()
    assert not BallotParticipation.objects.filter(motion=motion).exists()
    # and the published totals are right, so the count was of these ballots
    assert (motion.tally["yes"], motion.tally["no"], motion.tally["abstain"]) == (2, 1, 1)
    # (order of ids and rows follows the casting order, which is public anyway: the chain)
    ordered = [
        r["data"]["state"] for r in after_close if r["table"] == "governance_encryptedballot"
    ]
    assert sorted(ordered) == sorted(["DE", "FR", "IT", "DE", "ES"])


def test_the_same_attack_links_every_state_in_a_secret_vote_of_the_earlier_scheme():
    """Control: on a pre-issue-16 secret vote the attack recovers each state's choice."""
    c5 = make_council5()
    motion = sf.open_legacy_secret(c5)
    truth = {"DE": "no", "FR": "yes", "IT": "abstain"}
    for state, choice in truth.items():
        c5.vote(motion, state, choice)
    turnout, linked = pairing_attack([dump()], set(c5.states))
    assert turnout == set(truth)
    # every state's true choice is among the few the attack links to it
    assert all(truth[state] in linked[state] for state in truth), linked


def test_no_key_that_opens_a_ballot_is_ever_in_the_database():
    """No trustee's polynomial or key share is in any dump, and the partial decryptions of the
    totals open no single ballot."""
    c5 = make_council5()
    ceremony = sf.open_secret(c5)
    for state, choice in (("DE", "yes"), ("FR", "no"), ("IT", "yes")):
        sf.cast(c5, ceremony, state, choice)
    sf.close(c5, ceremony)
    sf.decrypt(c5, ceremony)
    text = str([r["data"] for r in dump()])
    for secret in ceremony.secrets.values():
        for scalar in (*secret.coefficients, secret.key_share):
            assert group.scalar_hex(scalar) not in text
    # the attacker applies the trustees' posted decryption shares to each ballot instead of the
    # totals: no option of any ballot comes out as 0 or 1
    partials = list(PartialDecryption.objects.select_related("trustee"))
    used = [p.trustee.number for p in partials]
    for row in EncryptedBallot.objects.all():
        for option in ("yes", "no", "abstain"):
            label = f"count.{option}"
            m_point = group.IDENTITY
            for p in partials:
                share = bytes.fromhex(p.data["shares"][label]["share"])
                m_point = group.add(m_point, group.mul(lagrange(p.trustee.number, used), share))
            ct = Ciphertext.from_json(row.ballot["choices"][option], "ballot")
            assert discrete_log(group.sub(ct.beta, m_point), 1) is None

"""Anyone can re-walk a ballot chain and recount; tampering is found and named."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from governance.models import Ballot
from governance.verification import verify_motion
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted():
    c5 = make_council5()
    motion = c5.open(title="Counted")
    for state, choice in [
        ("DE", "yes"),
        ("FR", "no"),
        ("IT", "yes"),
        ("ES", "abstain"),
        ("DE", "no"),
        ("DE", "yes"),
    ]:
        c5.vote(motion, state, choice)
    return c5.close_and_certify(motion)


def test_clean_chain_verifies(counted):
    """An untouched motion re-walks and recounts to the certified result."""
    result = verify_motion(counted)
    assert result.ok, result.problems
    assert result.chain_length == 6
    assert result.chain_head == counted.chain_head
    assert result.recount["yes"] == 2


def test_database_refuses_to_edit_or_delete_a_ballot(counted):
    """Ballots are append-only in PostgreSQL too: a forged choice or a deletion is refused."""
    ballot = Ballot.objects.filter(motion=counted).first()
    for sql in (
        "UPDATE governance_ballot SET choice = 'yes' WHERE id = %s",
        "UPDATE governance_ballot SET is_current = true WHERE id = %s",
        "DELETE FROM governance_ballot WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [ballot.pk])


def test_tampering_that_slips_past_the_database_is_found(counted):
    """If someone with the power to disable the guard changes a choice, verification names the entry."""
    with connection.cursor() as cur:
        # A superuser can switch triggers off for a session; that is the attack simulated here.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            "UPDATE governance_ballot SET choice = 'yes' WHERE motion_id = %s AND seq = 2",
            [counted.pk],
        )
        cur.execute("SET LOCAL session_replication_role = origin")
    result = verify_motion(counted)
    assert not result.ok
    assert any(p.startswith("entry 2: hash") for p in result.problems)


def test_a_forged_tally_is_found(counted):
    """A stored tally that differs from the ballots is reported."""
    from governance.models import Motion

    Motion.objects.filter(pk=counted.pk).update(tally={**counted.tally, "yes": 4})
    counted.refresh_from_db()
    result = verify_motion(counted)
    assert not result.ok
    assert "recount gives yes = 2 but the recorded tally says 4" in result.problems


def test_verify_votes_command(counted):
    """`manage.py verify_votes` says OK for a clean motion and fails loudly for a forged one."""
    out = io.StringIO()
    call_command("verify_votes", counted.reference, stdout=out)
    assert f"{counted.reference}: OK" in out.getvalue()
    from governance.models import Motion

    Motion.objects.filter(pk=counted.pk).update(chain_head="0" * 64)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_votes", stdout=out)
    assert "MISMATCH" in out.getvalue()

"""Nobody reads a ballot in the audit trail before its vote closes: not staff, not auditors,
not superusers; afterwards auditors see roll-call choices, and never a secret vote's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from core.actors import Actor
from core.audit import audit_record
from core.models import AuditEvent, AuditSource
from governance.models import Ballot, Motion
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory
from tests.governance.secret_fixtures import open_legacy_secret
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db

BALLOTS = {"DE": "yes", "FR": "no", "IT": "abstain"}


@pytest.fixture
def c5() -> Council5:
    return make_council5()


@pytest.fixture
def open_roll_call(c5: Council5) -> Motion:
    """A roll-call vote, open, with three ballots cast."""
    motion = c5.open()
    for state, choice in BALLOTS.items():
        c5.vote(motion, state, choice)
    return motion


def ballot_rows(client: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit/?action=ballot.cast")
    assert response.status_code == 200
    return response.json()["results"]


def receipts(motion: Motion) -> list[str]:
    return list(Ballot.objects.filter(motion=motion).values_list("entry_hash", flat=True))


def old_style_row(motion: Motion, state: str, choice: str) -> AuditEvent:
    """A ballot.cast row as written before this change: with the choice and the receipt."""
    ballot = Ballot.objects.filter(motion=motion, tag=state).order_by("-seq").first()
    with transaction.atomic():
        return audit_record(
            actor=Actor.system("legacy", source=AuditSource.WEB),
            action="ballot.cast",
            target=motion,
            after={
                "state": state,
                "choice": choice,
                "seq": ballot.seq if ballot else 99,
                "receipt": ballot.entry_hash if ballot else "f" * 64,
                "proxy_holder": None,
            },
        )


def test_the_row_written_for_a_ballot_holds_no_choice_and_no_receipt(open_roll_call):
    """Who cast a ballot for which state is recorded; how, and the guessable receipt, are not."""
    rows = AuditEvent.objects.filter(action="ballot.cast").order_by("id")
    assert [r.after for r in rows] == [
        {"state": "DE", "seq": 1, "proxy_holder": None},
        {"state": "FR", "seq": 2, "proxy_holder": None},
        {"state": "IT", "seq": 3, "proxy_holder": None},
    ]


@pytest.mark.parametrize("reader", ["auditor", "superuser"])
def test_no_audit_reader_sees_a_choice_while_the_vote_is_open(
    c5, open_roll_call, api_as, auditor, reader
):
    """An auditor and a superuser get the rows, without choices or receipts, old rows included."""
    # given a row in the old form, holding the choice, for the same open vote
    old_style_row(open_roll_call, "DE", "yes")
    if reader == "superuser":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
        enable_totp(user)
    else:
        user = auditor
    # when
    response = api_as(user).get("/api/v1/audit/?action=ballot.cast")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["after"]["state"] for r in rows} == {"DE", "FR", "IT"}
    assert all("choice" not in r["after"] and "receipt" not in r["after"] for r in rows)
    body = response.content.decode()
    for receipt in receipts(open_roll_call):
        assert receipt not in body


def test_the_auditor_sees_roll_call_choices_once_the_vote_has_closed(
    c5, open_roll_call, api_as, auditor
):
    """After the close, each row shows its ballot's choice and receipt from the chain."""
    # given
    c5.close_and_certify(open_roll_call)
    # when
    rows = ballot_rows(api_as(auditor))
    # then
    chain = {b.seq: b for b in Ballot.objects.filter(motion=open_roll_call)}
    assert {r["after"]["state"]: r["after"]["choice"] for r in rows} == BALLOTS
    assert all(r["after"]["receipt"] == chain[r["after"]["seq"]].entry_hash for r in rows)


def test_a_secret_votes_ballots_never_appear(c5, api_as, auditor):
    """A secret vote writes no ballot row; a stray row holding a choice is shown without it."""
    # given a secret vote, and (as if written by older code) a row holding a choice
    motion = open_legacy_secret(c5)  # pre-issue-16 secret votes keep their path
    c5.vote(motion, "DE", "no")
    old_style_row(motion, "DE", "no")
    # when the vote closes
    c5.close_and_certify(motion)
    # then the auditor still sees no choice
    rows = ballot_rows(api_as(auditor))
    assert len(rows) == 1
    assert "choice" not in rows[0]["after"]
    assert "receipt" not in rows[0]["after"]


def test_the_admin_list_and_detail_show_no_choice_while_the_vote_is_open(
    c5, open_roll_call, auditor
):
    """The admin's audit screens read through the same presenter, closed or not."""
    # given an old-style row, holding the choice
    row = old_style_row(open_roll_call, "FR", "no")
    client = Client()
    sign_in(client, auditor, with_mfa=True)
    # when the auditor opens the list and the row
    listing = client.get("/admin/core/auditevent/?action__exact=ballot.cast").content.decode()
    detail = client.get(f"/admin/core/auditevent/{row.pk}/change/").content.decode()
    # then neither shows the choice nor a receipt
    for page in (listing, detail):
        assert "choice" not in page
        for receipt in receipts(open_roll_call):
            assert receipt not in page
    assert "FR" in detail
    # when the vote has closed, then the detail shows the choice
    c5.close_and_certify(open_roll_call)
    detail = client.get(f"/admin/core/auditevent/{row.pk}/change/").content.decode()
    assert "&quot;choice&quot;: &quot;no&quot;" in detail or '"choice": "no"' in detail

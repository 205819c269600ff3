"""Arrears and votes: crossing the line suspends, paying back restores, a council may exempt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from core.errors import NotAllowed, ValidationFailed
from core.models import AuditEvent
from funding import clock, services, tasks
from funding.models import StateAccount
from governance import services as governance
from governance.models import VotingRightsSuspension
from tests.funding.books import budget_motion, certify, make_books, seat_committee

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


BEFORE_DUE = dt.date(2026, 2, 1)


@pytest.fixture
def books(monkeypatch):
    """Three years called (2024-2026, 1,000,000.00 each); NL owes 100,000.00 a year, unpaid.

    Set up on 1 February 2026, before the 2026 call falls due (14 February): NL's arrears of
    200,000 then equal, and do not exceed, the line. The tests run on 1 June 2026.
    """
    monkeypatch.setattr(clock, "today", lambda: BEFORE_DUE)
    books = make_books(first_year=2024, last_year=2026)
    for year in (2024, 2025, 2026):
        books.open_year(year, 1_000_000_00, issued_on=dt.date(year, 1, 15))
    for code in ("DE", "FR", "IT"):
        books.pay(code, {"DE": "1200000", "FR": "900000", "IT": "600000"}[code], on=BEFORE_DUE)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return books


def suspension(books, code="NL"):
    return VotingRightsSuspension.objects.filter(
        member_state=books.states[code], restored_at__isnull=True
    ).first()


def test_the_daily_task_suspends_a_state_over_the_line_once(books):
    """Once the 2026 call is late, 300,000 in arrears exceed the 200,000 due for this and last
    year (CERN rule): the daily task suspends the votes."""
    assert suspension(books) is None
    crossings = AuditEvent.objects.filter(action="arrears.line_crossed").count()
    suspensions = VotingRightsSuspension.objects.count()
    result = tasks.arrears_check_all.delay().get()
    assert result == {"DE": False, "FR": False, "IT": False, "NL": True}
    held = suspension(books)
    assert held is not None and held.reference == "funding:arrears"
    assert "arrears of 300,000.00" in held.reason and "exceed 200,000.00" in held.reason
    assert held.suspended_by == "system:funding.arrears"
    account = StateAccount.objects.get(member_state=books.states["NL"])
    assert (account.arrears_cents, account.arrears_threshold_cents) == (300_000_00, 200_000_00)
    # running it again changes nothing
    tasks.arrears_check_all.delay().get()
    assert VotingRightsSuspension.objects.count() == suspensions + 1
    assert AuditEvent.objects.filter(action="arrears.line_crossed").count() == crossings + 1


def test_paying_back_below_the_line_restores_the_votes_at_once(books):
    """A payment recorded brings the state to the line exactly; its votes come back."""
    tasks.arrears_check_all.delay().get()
    restored = suspension(books)
    books.pay("NL", "99999.99", on=TODAY)
    assert suspension(books) == restored  # 200,000.01 still exceeds the line
    books.pay("NL", "0.01", on=TODAY)
    assert suspension(books) is None
    restored.refresh_from_db()
    assert restored.restored_by == "system:funding.arrears"
    assert "do not exceed" in restored.restore_reason


def test_a_reversed_payment_can_suspend_again(books):
    tasks.arrears_check_all.delay().get()
    payment = books.pay("NL", "100000.00", on=TODAY)
    assert suspension(books) is None
    services.payment_reverse(actor=books.actor, payment=payment, reason="Bounced")
    assert suspension(books) is not None


def test_a_suspension_for_another_reason_is_not_lifted_by_paying(books):
    """Only a suspension made for arrears is restored by the arrears rule."""
    from core.actors import Actor

    governance.voting_rights_suspend(
        actor=Actor.system("tests"), member_state=books.states["NL"], reason="Council decision",
        reference="GC/2026/009",
    )  # fmt: skip
    tasks.arrears_check_all.delay().get()
    books.pay("NL", "300000.00", on=TODAY)
    held = suspension(books)
    assert held is not None and held.reference == "GC/2026/009"


def test_a_council_exemption_keeps_the_vote_despite_arrears(books):
    """An exemption rests on a certified, adopted decision and lifts an arrears suspension."""
    tasks.arrears_check_all.delay().get()
    restored = suspension(books)
    motion = budget_motion(books.council)
    with pytest.raises(ValidationFailed, match="not certified"):
        services.arrears_exemption_record(
            actor=books.actor, member_state=books.states["NL"], motion=motion,
            valid_from=TODAY, reason="Natural disaster",
        )  # fmt: skip
    rejected = certify(budget_motion(books.council), outcome="rejected")
    with pytest.raises(NotAllowed):
        services.arrears_exemption_record(
            actor=books.actor, member_state=books.states["NL"], motion=rejected,
            valid_from=TODAY, reason="Natural disaster",
        )  # fmt: skip
    certify(motion)
    exemption = services.arrears_exemption_record(
        actor=books.actor, member_state=books.states["NL"], motion=motion,
        valid_from=TODAY, valid_until=dt.date(2027, 1, 1), reason="Natural disaster",
    )  # fmt: skip
    assert exemption.council == books.council
    assert suspension(books) is None
    restored.refresh_from_db()
    assert motion.reference in restored.restore_reason
    # still over the line, and suspended again once the exemption ends
    assert StateAccount.objects.get(member_state=books.states["NL"]).over_arrears_line
    services.arrears_check(
        actor=books.actor, member_state=books.states["NL"], on=dt.date(2027, 1, 2)
    )
    assert suspension(books) is not None


def test_un_article_19_counts_only_past_years(books, settings):
    """Under Article 19 the current year's unpaid call is not arrears: 200,000 equal the line."""
    settings.FUNDING_ARREARS_RULE = "un_article_19"
    finding = services.arrears_check(actor=books.actor, member_state=books.states["NL"])
    assert (finding.arrears, finding.threshold, finding.over_line) == (200_000_00, 200_000_00, True)
    books.pay("NL", "0.01", on=TODAY)
    assert suspension(books) is None


def test_a_suspended_state_is_left_out_of_every_vote_opened_while_suspended(books):
    """Governance freezes the electorate without the state; a later vote includes it again."""
    sec, _voters = seat_committee(books)
    tasks.arrears_check_all.delay().get()
    now = timezone.now()

    def open_vote(title):
        motion = governance.motion_create(
            actor=sec, council=books.council, kind="general", title=title, text=title,
            opens_at=now + dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=2),
        )  # fmt: skip
        governance.motion_table(actor=sec, motion=motion)
        return governance.motion_open(actor=sec, motion=motion)

    during = open_vote("While NL is suspended")
    assert "NL" not in {e["state"] for e in during.electorate.entries["electors"]}
    assert {"state": "NL", "reason": "voting rights suspended"} in during.electorate.entries[
        "excluded"
    ]
    books.pay("NL", "100000.00", on=TODAY)
    after = open_vote("After NL paid")
    assert "NL" in {e["state"] for e in after.electorate.entries["electors"]}
    # the vote opened during the suspension keeps its frozen electorate
    during.electorate.refresh_from_db()
    assert "NL" not in {e["state"] for e in during.electorate.entries["electors"]}


def test_the_beat_schedule_names_a_registered_task():
    """The entry the lead merges into CELERY_BEAT_SCHEDULE points at a real task, daily."""
    from config.celery import app

    entry = django_settings.FUNDING_BEAT_SCHEDULE["funding-arrears-check"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {5}


def test_checking_arrears_is_for_finance_staff(books):
    from core.actors import Actor
    from core.models import AuditSource
    from tests.factories import UserFactory

    nobody = Actor.for_user(
        UserFactory(username="nobody"), source=AuditSource.WEB, mfa_verified=True
    )
    with pytest.raises(NotAllowed):
        services.arrears_check(actor=nobody, member_state=books.states["NL"])

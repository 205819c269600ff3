"""The dashboard after sign-in: what waits for a delegate, a secretary, and the other staff roles."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import selectors
from governance.models import AccreditationApproval, DelegateRole, Motion
from tests.conftest import sign_in, totp_code
from tests.factories import (
    PASSWORD,
    AccreditationFactory,
    CouncilFactory,
    StaffRoleFactory,
    UserFactory,
)
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


def test_sign_in_lands_on_the_dashboard():
    """After the password and the code, a delegate lands on the dashboard, not on "My councils"."""
    # given a delegate with a second factor
    c5 = make_council5()
    head = c5.heads["DE"]
    TOTP.activate(head, generate_totp_secret())
    client = Client()
    # when they sign in
    client.post("/accounts/login/", {"login": head.username, "password": PASSWORD})
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(head)})
    # then they are sent to the dashboard
    assert done.status_code == 302
    assert done["Location"] == "/my/"


def test_delegate_sees_the_open_votes_of_their_state_with_the_first_deadline():
    """ "2 votes open for Germany, the first closing in …", each linked, the one voted marked."""
    # given two open votes, one closing in three days, and Germany has voted in one of them
    c5 = make_council5()
    soon = c5.open(
        title="Adopt the work programme", closes_at=timezone.now() + dt.timedelta(days=3)
    )
    later = c5.open(title="Open-weights policy", closes_at=timezone.now() + dt.timedelta(days=7))
    c5.vote(later, "DE", "yes")
    # when the German head opens the dashboard
    html = browser(c5.heads["DE"]).get("/my/").content.decode()
    # then it says how many votes are open for Germany and when the first closes
    assert "2 votes open for Germany, the first closing in 2\xa0days" in html
    assert "Germany has not voted in 1 of them yet." in html
    assert f'href="/motions/{soon.pk}/"' in html
    assert f'href="/motions/{later.pk}/"' in html
    assert "not voted yet" in html
    assert "Needs action" not in html


def test_a_delegate_without_open_votes_is_told_so():
    """No open vote: the dashboard says so and points to the councils."""
    c5 = make_council5()
    html = browser(c5.heads["FR"]).get("/my/").content.decode()
    assert "No vote is open for you at the moment." in html
    assert 'href="/my/councils/"' in html


def test_secretary_sees_what_needs_action():
    """Certified decisions to publish, drafts to table, past deadlines to close, approvals."""
    # given a certified motion, a draft, an open vote past its deadline and a pending accreditation
    c5 = make_council5()
    certified = c5.close_and_certify(c5.open(title="Certified but not published"))
    draft = c5.motion(title="A draft to table")
    overdue = c5.expire(c5.open(title="Deadline passed"))
    board = CouncilFactory(code="safety-board", kind="safety_board")
    AccreditationFactory(
        user=UserFactory(username="newcomer", first_name="Nina", last_name="Neu"),
        council=board,
        member_state=c5.states["DE"],
        role=DelegateRole.ADVISER,
        approval=AccreditationApproval.PENDING,
    )
    # when the secretary opens the dashboard
    html = browser(c5.secretary).get("/my/").content.decode()
    # then each appears as a sentence with its link
    assert "Needs action" in html
    assert f'href="/motions/{certified.pk}/"' in html
    assert "certified; it waits to be published on the portal." in html
    assert f'href="/motions/{draft.pk}/"' in html
    assert "a draft; table it so that the vote can open." in html
    assert f'href="/motions/{overdue.pk}/"' in html
    assert "the deadline has passed; close and count the vote." in html
    assert "Nina Neu awaits your approval as adviser for Germany in the" in html


def test_the_secretariat_lists_the_same_needs_action():
    """The secretariat page starts with the same list and links to the new-draft page."""
    c5 = make_council5()
    certified = c5.close_and_certify(c5.open(title="Certified but not published"))
    html = browser(c5.secretary).get("/secretariat/").content.decode()
    assert "Needs action" in html
    assert f'href="/motions/{certified.pk}/"' in html
    assert 'href="/secretariat/motions/new/"' in html


@pytest.mark.parametrize(
    ("role", "link", "title"),
    [
        ("finance_officer", 'href="/finance/"', "Finance"),
        ("compute_operator", 'href="/compute/operations/"', "Compute operations"),
        ("safety_officer", 'href="/safety/"', "Safety"),
        ("auditor", 'href="/api/docs/"', "Audit"),
    ],
)
def test_staff_roles_get_a_card_pointing_to_their_area(role, link, title):
    """Finance, compute, safety and audit staff each see a card for their area."""
    # given a staff member in one role
    user = UserFactory(username=f"staff-{role}")
    StaffRoleFactory(user=user, role=role)
    # when they open the dashboard
    html = browser(user).get("/my/").content.decode()
    # then their card is there, with its link
    assert f'<h3 class="usa-card__heading">{title}</h3>' in html
    assert link in html


def test_someone_without_any_role_is_told_what_to_do():
    """A signed-in person with no role learns that the secretariat grants them."""
    html = browser(UserFactory(username="nobody")).get("/my/").content.decode()
    assert "You hold no accreditation or staff role yet." in html


def test_the_dashboard_needs_a_sign_in(client):
    """Anonymous visitors are sent to sign in."""
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/"


def test_needs_action_reads_in_a_flat_number_of_queries():
    """The secretary's list costs the same number of queries for 2 motions as for 8."""
    # given a council with two open votes
    c5 = make_council5()
    for n in range(2):
        c5.open(title=f"Vote {n}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.secretary_actions(user=c5.secretary)
        return len(ctx.captured_queries)

    few = queries()
    # when six more motions in every state are added
    for n in range(2):
        c5.open(title=f"More {n}")
        c5.motion(title=f"Draft {n}")
        c5.close_and_certify(c5.open(title=f"Done {n}"))
    # then the number of queries has not grown
    assert queries() == few
    assert Motion.objects.count() == 8


def test_home_page_has_an_entry_point_for_each_kind_of_user(client):
    """Delegates, secretaries, safety, finance, compute, the public and developers each find theirs."""
    html = client.get("/").content.decode()
    for heading in (
        "For national delegates",
        "For council secretaries",
        "For safety officers and the Safety Board",
        "For finance staff",
        "For compute operators and researchers",
        "For the public",
        "For developers",
    ):
        assert heading in html
    assert 'href="/accounts/login/?next=/my/votes/"' in html
    assert 'href="/portal/"' in html


def test_home_page_sends_a_signed_in_person_to_their_dashboard():
    """Signed in, the home page's first button leads to the dashboard."""
    c5 = make_council5()
    html = browser(c5.heads["DE"]).get("/").content.decode()
    assert 'href="/my/"' in html
    assert "Go to my dashboard" in html

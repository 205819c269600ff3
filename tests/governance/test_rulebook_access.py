"""Wrong hands at attendance, the casting vote and programmes: API, pages and admin all refuse."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from rest_framework.test import APIClient

from core.actors import Actor
from core.models import AuditSource
from governance import rules, services
from governance.models import (
    Attendance,
    CouncilKind,
    Motion,
    Programme,
    StaffRoleKind,
)
from tests.factories import CouncilFactory, StaffRoleFactory, UserFactory
from tests.governance.test_casting_vote import tied
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def signed_in(user, *, api: bool = True):
    from tests.conftest import sign_in

    TOTP.activate(user, generate_totp_secret())
    client = APIClient() if api else Client()
    sign_in(client, user, with_mfa=True)
    return client


@pytest.fixture
def c5():
    return make_council5()


@pytest.fixture
def other_secretary():
    """The secretary of another council, who may run votes there and nowhere else."""
    other = CouncilFactory(code="finance-committee", kind=CouncilKind.FINANCE_COMMITTEE)
    user = UserFactory(username="fc-secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=other)
    return user


def test_attendance_through_the_api_and_its_wrong_hands(c5, other_secretary):
    """The secretary marks, FR checks itself in; DE for FR, another secretary, anonymous: no."""
    motion = c5.open()
    url = f"/api/v1/motions/{motion.pk}/"
    # the secretary marks DE present
    sec = signed_in(c5.secretary)
    response = sec.post(url + "attendance/", {"member_state": "DE", "present": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "secretary"
    # FR's head checks FR in
    fr = signed_in(c5.heads["FR"])
    assert fr.post(url + "check-in/", {"member_state": "FR"}, format="json").status_code == 201
    # DE's head cannot check FR in, nor mark attendance as the secretary
    de = signed_in(c5.heads["DE"])
    refused = de.post(url + "check-in/", {"member_state": "NL"}, format="json")
    assert refused.status_code == 403
    assert "Only a voting delegate of NL" in refused.json()["message"]
    assert (
        de.post(url + "attendance/", {"member_state": "NL", "present": True}, format="json")
    ).status_code == 403
    # another council's secretary cannot mark it
    other = signed_in(other_secretary)
    assert (
        other.post(url + "attendance/", {"member_state": "NL", "present": True}, format="json")
    ).status_code in (403, 404)
    # anonymous: not signed in
    assert APIClient().post(url + "check-in/", {"member_state": "NL"}).status_code in (401, 403)
    # bad input names the field
    bad = sec.post(url + "attendance/", {"member_state": "XX", "present": "maybe"}, format="json")
    assert bad.status_code == 400
    assert {"member_state", "present"} <= set(bad.json()["fields"])
    # the marks read back; nothing was written for NL
    marks = sec.get(url + "attendance/").json()
    assert [(m["member_state"], m["present"]) for m in marks] == [("DE", True), ("FR", True)]
    assert not Attendance.objects.filter(member_state=c5.states["NL"]).exists()


def test_attendance_on_the_pages(c5, other_secretary):
    """The secretary's motion page says present n of m and the quorum; a delegate checks in."""
    quorum = rules.VotingRule.simple_majority(quorum=Fraction(3, 5)).to_dict()
    motion = c5.open(rule=quorum)
    page = f"/motions/{motion.pk}/"
    sec = signed_in(c5.secretary, api=False)
    response = sec.post(page + "attendance/", {"member_state": "DE", "present": "yes"})
    assert response.status_code == 302
    text = sec.get(page).content.decode()
    assert "Present: 1 of 5" in text
    assert "the quorum needs 3" in text
    # FR's head sees the check-in button for FR only, and checks in
    fr = signed_in(c5.heads["FR"], api=False)
    text = fr.get(page).content.decode()
    assert "Check France in as present" in text or "Check State FR in as present" in text
    fr.post(page + "check-in/", {"member_state": "FR"})
    assert Attendance.objects.get(motion=motion, member_state=c5.states["FR"]).present
    # DE's head posting for NL is refused with the reason, and nothing is written
    de = signed_in(c5.heads["DE"], api=False)
    response = de.post(page + "check-in/", {"member_state": "NL"}, follow=True)
    assert "Only a voting delegate of NL may check it in." in response.content.decode()
    other = signed_in(other_secretary, api=False)
    other.post(page + "attendance/", {"member_state": "NL", "present": "yes"})
    assert not Attendance.objects.filter(member_state=c5.states["NL"]).exists()
    # anonymous is sent to sign in
    assert Client().post(page + "check-in/", {"member_state": "NL"}).status_code == 302
    assert not Attendance.objects.filter(member_state=c5.states["NL"]).exists()


def _chair(c5):
    chair = UserFactory(username="chair")
    c5.council.chair = chair
    c5.council.save()
    return chair


def test_the_casting_vote_through_the_api_and_its_wrong_hands(c5):
    """Only the chair gives it; the secretary, a delegate and anonymous are refused."""
    motion = tied(c5)
    chair = _chair(c5)
    url = f"/api/v1/motions/{motion.pk}/casting-vote/"
    for user in (c5.secretary, c5.heads["DE"]):
        refused = signed_in(user).post(url, {"choice": "yes"}, format="json")
        assert refused.status_code == 403
        assert (
            refused.json()["message"] == "Only the chair of this council may give its casting vote."
        )
    assert APIClient().post(url, {"choice": "yes"}).status_code in (401, 403)
    client = signed_in(chair)
    bad = client.post(url, {"choice": "abstain"}, format="json")
    assert bad.status_code == 400 and "choice" in bad.json()["fields"]
    given = client.post(url, {"choice": "yes"}, format="json")
    assert given.status_code == 200, given.json()
    assert given.json()["tally"]["outcome"] == "adopted"
    again = client.post(url, {"choice": "no"}, format="json")
    assert again.status_code == 409


def test_the_casting_vote_on_the_pages(c5):
    """The chair sees the form, confirms on a second page; the secretary sees it is awaited."""
    motion = tied(c5)
    chair = _chair(c5)
    page = f"/motions/{motion.pk}/"
    sec = signed_in(c5.secretary, api=False)
    text = sec.get(page).content.decode()
    assert "Wait for the chair to give it before certifying" in text
    assert "Your casting vote as chair" not in text
    # a non-chair posting the form is refused and nothing changes
    response = sec.post(page + "casting-vote/", {"choice": "yes", "confirmed": "yes"}, follow=True)
    assert "Only the chair of this council may give its casting vote." in response.content.decode()
    assert Motion.objects.get(pk=motion.pk).casting_vote == ""
    client = signed_in(chair, api=False)
    assert "Your casting vote as chair" in client.get(page).content.decode()
    confirm = client.post(page + "casting-vote/", {"choice": "yes"})
    assert confirm.status_code == 200
    assert "Confirm the casting vote" in confirm.content.decode()
    assert Motion.objects.get(pk=motion.pk).casting_vote == ""
    done = client.post(page + "casting-vote/", {"choice": "yes", "confirmed": "yes"}, follow=True)
    assert "Your casting vote is recorded" in done.content.decode()
    motion.refresh_from_db()
    assert (motion.casting_vote, motion.tally["outcome"]) == ("yes", "adopted")
    # published, the decision page says how it was adopted
    services.motion_certify(actor=c5.sec, motion=motion)
    services.motion_publish(actor=c5.sec, motion=motion)
    text = Client().get(f"/portal/decisions/{motion.pk}/").content.decode()
    assert "Adopted on the chair&#x27;s casting vote after a tie of 2 to 2." in text or (
        "Adopted on the chair's casting vote after a tie of 2 to 2." in text
    )
    assert "Yes: adopted on the chair" in text


def _secretariat_actor():
    user = UserFactory(username="secretariat", is_staff=True, is_superuser=False)
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY)
    return user, Actor.for_user(user, source=AuditSource.WEB, mfa_verified=True)


def test_programme_keys_must_sum_to_one_and_only_the_secretariat_sets_them(c5, other_secretary):
    """A key not summing to 1 is refused naming the field; one council's secretary may not set it."""
    from core.errors import NotAllowed, ValidationFailed

    _user, secretariat = _secretariat_actor()
    programme = services.programme_create(
        actor=secretariat, code="lhc", name="Large model programme", council=c5.council
    )
    with pytest.raises(ValidationFailed, match=r"add up to 0\.9") as exc:
        services.programme_key_set(
            actor=secretariat,
            programme=programme,
            valid_from=dt.date(2025, 1, 1),
            shares={"DE": "0.5", "FR": "0.4"},
        )
    assert exc.value.field == "shares"
    services.programme_key_set(
        actor=secretariat,
        programme=programme,
        valid_from=dt.date(2025, 1, 1),
        shares={"DE": "0.6", "FR": "0.4"},
    )
    fc = Actor.for_user(other_secretary, source=AuditSource.WEB, mfa_verified=True)
    with pytest.raises(NotAllowed):
        services.programme_key_set(
            actor=fc, programme=programme, valid_from=dt.date(2026, 1, 1), shares={"DE": "1"}
        )
    with pytest.raises(NotAllowed):
        services.programme_create(actor=c5.actors["DE"], code="x", name="X", council=c5.council)
    # the public portal and API list the participants with their keys
    text = Client().get("/portal/programmes/").content.decode()
    assert "Large model programme" in text and "60" in text
    listed = APIClient().get("/api/v1/programmes/").json()
    assert listed[0]["participants"] == {
        "DE": "0.600000000000000000",
        "FR": "0.400000000000000000",
    }
    # through the API a bad key is a 400 naming the field, and a delegate is refused
    sec_client = signed_in(c5.secretary)
    bad = sec_client.post(
        "/api/v1/programmes/lhc/key/",
        {"valid_from": "2026-01-01", "shares": {"de": "NaN"}},
        format="json",
    )
    assert bad.status_code == 400 and "shares" in bad.json()["fields"]
    refused = signed_in(c5.heads["DE"]).post(
        "/api/v1/programmes/lhc/key/",
        {"valid_from": "2026-01-01", "shares": {"DE": "1"}},
        format="json",
    )
    assert refused.status_code == 403


def test_the_programme_admin_is_read_only_for_other_staff(c5, other_secretary):
    """Staff who are not the whole secretariat may read programmes in the admin, not add or change."""
    user, secretariat = _secretariat_actor()
    programme = services.programme_create(
        actor=secretariat, code="lhc", name="Large model programme", council=c5.council
    )
    # a staff account that is one council's secretary, with the admin's model permissions
    from django.contrib.auth.models import Permission

    other_secretary.is_staff = True
    other_secretary.save()
    other_secretary.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_programme", "add_programme", "change_programme"]
        )
    )
    other = signed_in(other_secretary, api=False)
    assert other.get("/admin/governance/programme/").status_code == 200
    assert other.get("/admin/governance/programme/add/").status_code == 403
    change = other.get(f"/admin/governance/programme/{programme.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    other.post(
        f"/admin/governance/programme/{programme.pk}/change/",
        {"name": "Renamed", "council": c5.council.pk, "description": ""},
    )
    assert Programme.objects.get(pk=programme.pk).name == "Large model programme"
    # the whole secretariat may change it, through the service (audited)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_programme", "change_programme"])
    )
    admin = signed_in(user, api=False)
    response = admin.post(
        f"/admin/governance/programme/{programme.pk}/change/",
        {"name": "Renamed", "council": c5.council.pk, "description": ""},
    )
    assert response.status_code == 302
    assert Programme.objects.get(pk=programme.pk).name == "Renamed"

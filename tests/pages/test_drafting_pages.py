"""The secretary's drafting pages: a new draft with its rule shown first, editing a draft,
withdrawing after a confirmation; and the wrong roles refused on each."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from core.actors import Actor
from core.models import AuditEvent
from governance import services
from governance.models import Motion, MotionStatus
from tests.conftest import sign_in
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db
NEW = "/secretariat/motions/new/"


def browser(user, *, mfa=True) -> Client:
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


def draft_body(**overrides):
    return {
        "council": "governing-council",
        "kind": "general",
        "title": "Data policy",
        "text": "Adopt it.",
        "opens_at": "2030-01-01T10:00",
        "closes_at": "2030-01-03T10:00",
        "procedure": "ordinary",
        **overrides,
    }


def submit_project(c5, title="OpenProof"):
    lead = Actor.for_user(UserFactory(username=f"lead-{title}"), source="web", mfa_verified=True)
    return services.project_submit(
        actor=lead, title=title, abstract="x", host_institution="INRIA",
        host_state=c5.states["FR"], gpu_hours_requested=1000,
        period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 6, 30), safety_self_assessment="x",
    )  # fmt: skip


def test_the_new_draft_page_lists_the_rule_of_each_kind_before_anything_is_made():
    """Without any script, the rule each kind gets in each council is beside the form."""
    c5 = make_council5()
    html = browser(c5.secretary).get(NEW).content.decode()
    assert "Voting rules by kind" in html
    assert "A simple majority" in html  # general motions, by default
    assert "contribution-weighted double majority" in html.lower()  # budgets
    assert 'name="preview"' in html


def test_show_the_voting_rule_previews_it_and_creates_nothing():
    """The preview button shows the rule for the chosen council and kind, and saves nothing."""
    c5 = make_council5()
    page = browser(c5.secretary).post(NEW, {**draft_body(kind="budget"), "preview": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "The voting rule for a budget motion in the" in html
    assert "contribution-weighted double majority" in html.lower()
    assert 'value="Data policy"' in html  # what was typed comes back
    assert not Motion.objects.exists()


def test_the_project_is_chosen_from_the_proposed_projects():
    """Only proposed projects without an approval vote under way are offered; the draft names it."""
    c5 = make_council5()
    free = submit_project(c5, "FreeProject")
    busy = submit_project(c5, "BusyProject")
    c5.motion(kind="project_approval", project=busy, title="Approve busy")
    sec = browser(c5.secretary)
    html = sec.get(NEW).content.decode()
    assert f'<option value="{free.code}">' in html
    assert f'<option value="{busy.code}">' not in html
    created = sec.post(
        NEW, draft_body(kind="project_approval", project=free.code, title="Approve it")
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    motion = Motion.objects.get(title="Approve it")
    assert motion.project == free
    assert motion.gpu_hours == 1000


def test_a_draft_is_made_with_its_translated_titles():
    """The German and French titles typed in the form are stored with the draft."""
    c5 = make_council5()
    created = browser(c5.secretary).post(
        NEW, draft_body(title_de="Datenrichtlinie", title_fr="Politique des données")
    )
    assert created.status_code == 302
    motion = Motion.objects.get()
    assert motion.title_translations == {"de": "Datenrichtlinie", "fr": "Politique des données"}


def test_a_translated_title_that_reads_one_way_and_stores_another_is_refused_on_the_page():
    """A title in another language is checked like the title: a bidi override is refused."""
    c5 = make_council5()
    page = browser(c5.secretary).post(NEW, draft_body(title_de="Daten\u202erichtlinie"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="id_title_de-error"' in html
    assert "U+202E" in html
    assert not Motion.objects.exists()


def test_a_delegate_cannot_reach_the_new_draft_page():
    """Drafting is the secretariat's."""
    c5 = make_council5()
    de = browser(c5.heads["DE"])
    assert de.get(NEW).status_code == 403
    assert de.post(NEW, draft_body()).status_code == 403
    assert not Motion.objects.exists()


def test_the_secretary_edits_a_draft_and_the_change_is_audited():
    """The edit page saves through motion_update, which writes an audit row."""
    # given a draft
    c5 = make_council5()
    draft = c5.motion(title="Old title")
    sec = browser(c5.secretary)
    page = sec.get(f"/motions/{draft.pk}/edit/")
    assert page.status_code == 200
    assert 'value="Old title"' in page.content.decode()
    # when the secretary changes its title and adds a French one
    done = sec.post(
        f"/motions/{draft.pk}/edit/",
        {
            "title": "New title",
            "title_fr": "Nouveau titre",
            "text": draft.text,
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-01-03T10:00",
            "procedure": "ordinary",
        },
    )
    # then it is saved, and the audit trail says what changed
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "New title"
    assert draft.title_translations == {"fr": "Nouveau titre"}
    row = AuditEvent.objects.filter(action="motion.update").latest("id")
    assert row.before["title"] == "Old title"
    assert row.after["title"] == "New title"


def test_a_tabled_motion_can_no_longer_be_edited():
    """Once tabled, the edit page refuses and changes nothing."""
    c5 = make_council5()
    motion = c5.motion(title="Fixed")
    services.motion_table(actor=c5.sec, motion=motion)
    sec = browser(c5.secretary)
    response = sec.post(
        f"/motions/{motion.pk}/edit/",
        {"title": "Changed", "text": "x", "opens_at": "2030-01-01T10:00",
         "closes_at": "2030-01-03T10:00", "procedure": "ordinary"},
        follow=True,
    )  # fmt: skip
    assert "Only a draft can be edited" in response.content.decode()
    motion.refresh_from_db()
    assert motion.title == "Fixed"


def test_the_wrong_roles_cannot_edit_or_withdraw_a_draft():
    """The council's delegate gets a 403, a stranger a 404 (a draft is hidden), nothing changes."""
    c5 = make_council5()
    draft = c5.motion(title="Draft")
    delegate = browser(c5.heads["DE"])
    stranger = browser(UserFactory(username="stranger"))
    finance = UserFactory(username="finance-staff")
    StaffRoleFactory(user=finance, role="finance_officer")
    finance_client = browser(finance)
    for suffix in ("edit/", "withdraw/"):
        url = f"/motions/{draft.pk}/{suffix}"
        assert delegate.get(url).status_code == 403
        assert delegate.post(url, {"title": "Hijacked", "reason": "x"}).status_code == 403
        assert stranger.get(url).status_code == 404
        assert finance_client.post(url, {"title": "Hijacked", "reason": "x"}).status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Draft"
    assert draft.status == MotionStatus.DRAFT


def test_another_councils_secretary_cannot_edit_the_draft():
    """A secretary limited to another council may not edit this council's draft."""
    c5 = make_council5()
    draft = c5.motion(title="Draft")
    from tests.factories import CouncilFactory

    other = CouncilFactory(code="finance-committee", kind="finance_committee")
    limited = UserFactory(username="fc-secretary")
    StaffRoleFactory(user=limited, role="council_secretary", council=other)
    response = browser(limited).get(f"/motions/{draft.pk}/edit/")
    assert response.status_code in (403, 404)


def test_withdrawing_asks_for_a_confirmation_and_a_reason():
    """The withdraw page explains and changes nothing; its form withdraws with the reason."""
    c5 = make_council5()
    draft = c5.motion(title="Draft")
    sec = browser(c5.secretary)
    page = sec.get(f"/motions/{draft.pk}/withdraw/").content.decode()
    assert "Withdraw" in page and "cannot be undone" in page
    draft.refresh_from_db()
    assert draft.status == MotionStatus.DRAFT
    refused = sec.post(f"/motions/{draft.pk}/withdraw/", {"reason": ""})
    assert refused.status_code == 200
    draft.refresh_from_db()
    assert draft.status == MotionStatus.DRAFT
    done = sec.post(f"/motions/{draft.pk}/withdraw/", {"reason": "Superseded by a new text."})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == MotionStatus.WITHDRAWN
    assert draft.withdrawal_reason == "Superseded by a new text."
    assert AuditEvent.objects.filter(action="motion.withdraw").exists()

"""The silence procedure and a programme's motion, as the drafting API and pages show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.actors import Actor
from core.errors import ValidationFailed
from core.models import AuditSource
from governance import services
from governance.models import StaffRoleKind
from tests.factories import CouncilFactory, StaffRoleFactory, UserFactory
from tests.governance.test_rulebook_access import signed_in
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def test_a_silence_motion_says_plainly_that_silence_adopts_it():
    """Drafted over the API with the silence procedure: its rule is silence, and it says so."""
    # given a secretary
    c5 = make_council5()
    client = signed_in(c5.secretary)
    now = timezone.now()
    # when a silence-procedure motion is drafted through the API
    created = client.post(
        "/api/v1/motions/",
        {
            "council": "governing-council",
            "kind": "general",
            "title": "Extend the data-retention period",
            "text": "The retention period is extended by a year.",
            "opens_at": now.isoformat(),
            "closes_at": (now + dt.timedelta(days=3)).isoformat(),
            "procedure": "silence",
        },
        format="json",
    )
    # then it is counted under the silence rule and says what silence does
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["rule"]["kind"] == "silence"
    assert body["procedure_in_words"].startswith(
        "Silence procedure: adopted unless a delegation objects (votes no) by "
    )
    # and the motion page says it in the same words
    page = client.get(f"/motions/{body['id']}/").content.decode()
    assert "Adopted unless a delegation objects by" in page
    # and a secret silence procedure is refused, naming the field
    refused = client.post(
        "/api/v1/motions/",
        {**{k: body[k] for k in ("title", "text", "kind")}, "council": "governing-council",
         "opens_at": now.isoformat(), "closes_at": (now + dt.timedelta(days=3)).isoformat(),
         "procedure": "silence", "secret": True},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "secret" in refused.json()["fields"]


def test_a_silence_motion_fails_on_one_objection():
    """One no by the deadline and the silence procedure fails."""
    c5 = make_council5()
    motion = c5.open(procedure="silence")
    c5.vote(motion, "FR", "no")
    motion = c5.close_and_certify(motion)
    assert motion.outcome == "rejected"


def test_a_programme_motion_belongs_to_the_programmes_council():
    """A programme decided by another council cannot be the matter of this council's motion."""
    c5 = make_council5()
    user = UserFactory(username="secretariat")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY)
    secretariat = Actor.for_user(user, source=AuditSource.WEB, mfa_verified=True)
    other = CouncilFactory(code="scientific-council")
    programme = services.programme_create(
        actor=secretariat, code="optics", name="Optics", council=other
    )
    with pytest.raises(ValidationFailed, match="decided by the") as exc:
        c5.motion(programme=programme)
    assert exc.value.field == "programme"

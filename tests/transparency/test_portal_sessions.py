"""The portal's sessions: past sessions, approved minutes as frozen (HTML and PDF per language,
hashes that match), and each decision linked to the session it was taken in."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from governance import services
from governance.models import Minutes, Motion
from tests.governance.test_sessions import TEXT, convened_and_open, plan, shift_to_now, vote_all
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def held_and_approved():
    """A session that adopted a motion, its minutes approved at the next session; published."""
    c5 = make_council5()
    motion = c5.motion(text=TEXT, title="Adopt the data policy")
    session = convened_and_open(c5, motion)
    final = services.motion_final_vote(actor=c5.sec, motion=motion)
    vote_all(c5, final)
    services.motion_publish(actor=c5.sec, motion=final)
    services.session_close(actor=c5.sec, session=session)
    minutes = services.minutes_draft(actor=c5.sec, session=session)
    services.minutes_summary_set(actor=c5.sec, minutes=minutes, position=2, text="Welcomed.")
    minutes = services.minutes_circulate(actor=c5.sec, minutes=minutes)
    following = plan(c5, days=60, title="Summer session")
    services.minutes_put_on_agenda(actor=c5.sec, minutes=minutes, session=following)
    Minutes.objects.filter(pk=minutes.pk).update(
        comments_until=timezone.now() - dt.timedelta(seconds=1)
    )
    services.session_convene(actor=c5.sec, session=following)
    following = services.session_open(actor=c5.sec, session=shift_to_now(following))
    vote_all(c5, following.agenda_motion)
    version = services.minutes_approve(actor=c5.sec, minutes=minutes)
    return c5, session, Motion.objects.get(pk=final.pk), version


def test_the_portal_lists_the_session_and_shows_its_approved_minutes():
    _c5, session, final, version = held_and_approved()
    client = Client()
    listing = client.get("/portal/sessions/").content.decode()
    assert session.reference in listing and "approved" in listing
    page = client.get(f"/portal/sessions/{session.pk}/").content.decode()
    assert version.sha256 in page
    assert version.html_sha256["en"] in page
    assert final.chain_head in page
    assert f"/portal/decisions/{final.pk}/" in page


def test_the_minutes_download_hashes_to_the_published_sha256():
    """Anyone can hash the downloaded HTML and find the SHA-256 the portal shows."""
    _c5, session, _final, version = held_and_approved()
    for language in ("en", "de", "fr"):
        body = Client().get(f"/portal/sessions/{session.pk}/minutes-{language}.html").content
        assert hashlib.sha256(body).hexdigest() == version.html_sha256[language]


def test_the_minutes_pdf_carries_the_record_and_its_hash():
    _c5, session, final, version = held_and_approved()
    response = Client().get(f"/portal/sessions/{session.pk}/minutes-fr.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = text.replace("\n", "")
    assert final.reference in flat
    assert version.sha256 in flat


def test_the_decision_page_links_to_its_session():
    _c5, session, final, _version = held_and_approved()
    page = Client().get(f"/portal/decisions/{final.pk}/").content.decode()
    assert f"/portal/sessions/{session.pk}/" in page


def test_an_open_session_is_not_on_the_portal():
    c5 = make_council5()
    session = convened_and_open(c5)
    assert Client().get(f"/portal/sessions/{session.pk}/").status_code == 404
    assert Client().get(f"/portal/sessions/{session.pk}/minutes-en.pdf").status_code == 404

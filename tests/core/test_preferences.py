"""A person's time-zone preference: chosen on a page, kept through a service, used on every page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from core import services
from core.actors import Actor
from core.errors import NotAllowed, ValidationFailed
from core.models import AuditEvent, AuditSource, User
from core.timezones import choosable_zones, is_valid_zone
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    sign_in(client, user, with_mfa=False)
    return client


def _times(page: str) -> list[str]:
    return re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page)


def test_the_preferences_page_asks_anonymous_visitors_to_sign_in():
    """Nobody has a preference before signing in: the page sends them to the sign-in page."""
    response = Client().get("/accounts/preferences/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_preselects_the_facility_zone_and_shows_the_time_with_its_zone():
    """Without a choice the facility's zone (Europe/Zurich) is selected and times say CET/CEST."""
    # given
    client = _client(UserFactory(username="reader"))
    # when
    page = client.get("/accounts/preferences/").content.decode()
    # then
    assert '<option value="Europe/Zurich" selected>' in page
    assert '<label class="usa-label" for="id_time_zone">Show times in' in page
    assert 'aria-current="page">Preferences</a>' in page  # the header link, marked
    assert re.search(r"\bCES?T$", _times(page)[0])
    assert '<nav class="usa-breadcrumb"' in page and page.count("<h1") == 1


def test_choosing_a_zone_saves_it_with_an_audit_row_and_every_time_follows_it():
    """Choosing Asia/Tokyo stores it, records who changed what, and the next page says JST."""
    # given
    user = UserFactory(username="reader")
    client = _client(user)
    # when
    response = client.post("/accounts/preferences/", {"time_zone": "Asia/Tokyo"}, follow=True)
    # then
    page = response.content.decode()
    assert "Times are now shown in Asia/Tokyo." in page
    assert _times(page)[0].endswith("JST")
    assert '<option value="Asia/Tokyo" selected>' in page
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"
    row = AuditEvent.objects.get(action="user.time_zone")
    assert (row.actor_label, row.source) == ("reader", AuditSource.WEB)
    assert (row.before, row.after) == ({"time_zone": ""}, {"time_zone": "Asia/Tokyo"})


def test_an_unknown_zone_is_refused_on_the_form_and_nothing_is_saved():
    """A made-up zone gets a message next to the field; the preference and the trail stay."""
    user = UserFactory(username="reader")
    client = _client(user)
    response = client.post("/accounts/preferences/", {"time_zone": "Mars/Olympus_Mons"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "usa-form-group--error" in page
    assert 'id="id_time_zone_error"' in page
    assert 'aria-describedby="id_time_zone_helptext id_time_zone_error"' in page
    user.refresh_from_db()
    assert user.time_zone == ""
    assert not AuditEvent.objects.filter(action="user.time_zone").exists()


def test_the_service_checks_the_zone_with_zoneinfo():
    """The service refuses what zoneinfo does not know, even when a client skips the form."""
    user = UserFactory()
    actor = Actor.for_user(user, source=AuditSource.API)
    for bad in ("Mars/Olympus", "../../etc/passwd", "localtime", "Europe/Berlin\x00"):
        with pytest.raises(ValidationFailed) as caught:
            services.user_time_zone_set(actor=actor, time_zone=bad)
        assert caught.value.field == "time_zone"
    user.refresh_from_db()
    assert user.time_zone == ""


def test_choosing_the_facility_zone_stores_the_default_and_repeating_writes_nothing(settings):
    """The facility's zone is kept as '' (it follows TIME_ZONE); the same choice twice is one row."""
    user = UserFactory()
    actor = Actor.for_user(user, source=AuditSource.WEB)
    services.user_time_zone_set(actor=actor, time_zone="America/New_York")
    services.user_time_zone_set(actor=actor, time_zone="America/New_York")
    services.user_time_zone_set(actor=actor, time_zone=settings.TIME_ZONE)
    user.refresh_from_db()
    assert user.time_zone == ""
    assert AuditEvent.objects.filter(action="user.time_zone").count() == 2


def test_only_a_person_has_a_preference(system_actor):
    with pytest.raises(NotAllowed):
        services.user_time_zone_set(actor=system_actor, time_zone="Europe/Paris")


def test_a_zone_gone_from_the_tz_database_falls_back_to_the_facility_zone():
    """A stored name zoneinfo no longer knows (or one written into the database) breaks nothing."""
    user = UserFactory(username="reader")
    User.objects.filter(pk=user.pk).update(time_zone="Atlantis/Capital")
    page = _client(user).get("/accounts/preferences/").content.decode()
    assert re.search(r"\bCES?T$", _times(page)[0])


def test_one_persons_zone_never_leaks_into_the_next_request():
    """After a Tokyo reader's page, an anonymous page shows the facility's zone again."""
    tokyo = UserFactory(username="tokyo", time_zone="Asia/Tokyo")
    assert _times(_client(tokyo).get("/accounts/preferences/").content.decode())[0].endswith("JST")
    assert timezone.get_current_timezone_name() == "Europe/Zurich"


def test_the_list_offers_places_once_and_every_offered_zone_is_valid():
    zones = choosable_zones()
    assert zones[0] == "UTC" and "Europe/Berlin" in zones and "America/Sao_Paulo" in zones
    assert "US/Eastern" not in zones and "EST5EDT" not in zones
    assert len(zones) == len(set(zones))
    assert all(is_valid_zone(z) for z in zones)
    assert is_valid_zone("US/Eastern")  # an alias stays valid for API clients

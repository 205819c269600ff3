"""The portal's page cache: shared versions, each process's memory, and how soon a change shows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from transparency import cache as portal_cache

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.PORTAL_CACHE_VERSION_TTL = 1.0
    clock = Clock()
    monkeypatch.setattr(portal_cache.time, "monotonic", clock)
    monkeypatch.setattr(portal_cache, "_seen", None)
    return clock


def test_a_page_served_twice_comes_from_memory_without_asking_the_shared_cache(clock, monkeypatch):
    """Within the version's lifetime a cached page costs no round trip to the shared cache."""
    client = Client()
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "miss"
    asked: list[str] = []
    real_get = cache.get

    def spy(key: str, *args: object, **kwargs: object) -> object:
        asked.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", spy)
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "hit"
    assert asked == []


def test_a_change_committed_here_shows_at_once(clock):
    """The process that commits a change bumps the version it remembers: no stale page here."""
    client = Client()
    client.get("/portal/safety/")
    portal_cache.bump()
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "miss"


def test_a_change_made_elsewhere_shows_once_the_version_expires(clock):
    """Another process's change is seen within PORTAL_CACHE_VERSION_TTL seconds, not later."""
    client = Client()
    client.get("/portal/safety/")
    cache.incr(portal_cache.VERSION_KEY)  # as another gunicorn worker's commit would
    clock.now += 0.5
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "hit"  # still within the second
    clock.now += 0.6
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "miss"


def test_a_cleared_cache_never_brings_back_pages_of_an_old_version(clock):
    """After the shared cache is emptied the version starts from a new number, not from 1."""
    client = Client()
    client.get("/portal/safety/")
    before = portal_cache.version()
    cache.clear()
    clock.now += 2
    assert portal_cache.version() != before
    assert client.get("/portal/safety/")["X-Portal-Cache"] == "miss"


def test_open_data_downloads_are_rate_limited_per_client(settings, monkeypatch):
    """Past the limit a client gets 429 with Retry-After; another client and the pages do not."""
    from transparency import throttle

    settings.PORTAL_DATA_RATE = 3
    monkeypatch.setattr(throttle.time, "time", lambda: 1_800_000_010.0)  # 50 s left in the minute
    one = Client(REMOTE_ADDR="192.0.2.1")
    for _ in range(3):
        assert one.get("/portal/data/decisions.csv").status_code == 200
    refused = one.get("/portal/data/decisions.csv")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert "at most 3 downloads a minute" in refused.content.decode()
    assert Client(REMOTE_ADDR="192.0.2.2").get("/portal/data/decisions.csv").status_code == 200
    assert one.get("/portal/decisions/").status_code == 200

"""Every public page costs the same number of SQL queries with 10 rows of its data as with 10,000.

Each case grows the data the page lists (decisions, payments, projects with allocations and
jobs, superseded ballots) to 10 rows, counts the queries of one uncached rendering, grows it to
10,000 rows and counts again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.compute.conftest import make_world
from tests.funding.books import make_books
from tests.governance.voting_fixtures import make_council5
from tests.transparency import bulk
from tests.transparency.test_portal import decide

pytestmark = pytest.mark.django_db
SMALL, LARGE = 10, 10_000


def queries(url: str) -> int:
    cache.clear()  # the page itself, not the cached copy
    with CaptureQueriesContext(connection) as ctx:
        response = Client().get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def world() -> dict[str, Any]:
    """Finances, compute and one roll-call decision, as the pages show them together."""
    books = make_books(first_year=2025, last_year=2027)
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    compute = make_world()  # also gives the states their contribution shares
    c5 = make_council5(with_shares=False)
    motion = decide(c5, "Open-weights policy")
    return {"c5": c5, "books": books, "compute": compute, "motion": motion}


def grow_decisions(w: dict[str, Any], start: int, count: int) -> None:
    bulk.bulk_decisions(w["c5"], count, start=start)


def grow_payments(w: dict[str, Any], start: int, count: int) -> None:
    bulk.bulk_payments(w["books"].states["DE"], count, start=start)


def grow_projects(w: dict[str, Any], start: int, count: int) -> None:
    bulk.bulk_projects(w["compute"], count, start=start)


def grow_ballots(w: dict[str, Any], start: int, count: int) -> None:
    bulk.bulk_superseded_ballots(w["motion"], count, start=start)


CASES: list[tuple[str, Callable[[dict[str, Any], int, int], None]]] = [
    ("/portal/", grow_decisions),
    ("/portal/", grow_payments),
    ("/portal/", grow_projects),
    ("/portal/states/", grow_payments),
    ("/portal/states/DE/", grow_payments),
    ("/portal/states/DE/", grow_decisions),
    ("/portal/decisions/", grow_decisions),
    ("/portal/decisions/{motion}/", grow_ballots),
    ("/portal/safety/", grow_projects),
    ("/portal/compute/", grow_projects),
    ("/portal/feed/decisions.atom", grow_decisions),
]


@pytest.mark.parametrize(("url", "grow"), CASES, ids=[f"{u}-{g.__name__[5:]}" for u, g in CASES])
def test_page_query_count_is_flat_from_10_to_10000_rows(world, url, grow):
    """The page needs as many queries with 10,000 rows as with 10."""
    url = url.format(motion=world["motion"].pk)
    grow(world, 0, SMALL)
    small = queries(url)
    grow(world, SMALL, LARGE - SMALL)
    large = queries(url)
    assert large == small, f"{url}: {small} queries at {SMALL} rows, {large} at {LARGE}"

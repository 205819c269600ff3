"""The OpenAPI document says what the API returns, so clients generated from it work."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken

pytestmark = pytest.mark.django_db

# RFC 3339 `date-time` (what OpenAPI's format means): the offset is Z or ±hh:mm, never seconds.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def openapi() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_a_motion_about_no_project_is_documented_as_such():
    """`MotionOutput.project` is null for most motions, so the schema says it may be null."""
    # given
    schema = openapi()
    # when
    project = schema["components"]["schemas"]["MotionOutput"]["properties"]["project"]
    # then
    assert project["type"] == "string"
    assert project.get("nullable") is True


def test_a_scale_is_documented_as_a_scale_not_as_a_report():
    """`GET /funding/scales/{id}/` is documented with the scale, its inputs and its results."""
    # given
    schema = openapi()
    # when
    ok = schema["paths"]["/api/v1/funding/scales/{scale_id}/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    # then
    body = schema["components"]["schemas"][ref]
    assert {"reference", "first_year", "last_year", "status", "inputs", "results"} <= set(
        body["properties"]
    )
    assert "kind" not in body["properties"]
    assert body["properties"]["motion"].get("nullable") is True  # a draft scale has no motion


def test_the_decision_log_entries_are_documented_as_a_list_of_entries():
    """`GET /public/log/entries/` returns a list; the schema said "object"."""
    # given
    schema = openapi()
    # when
    ok = schema["paths"]["/api/v1/public/log/entries/"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    # then
    assert body["type"] == "array"
    entry = schema["components"]["schemas"][body["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(entry["properties"]) == {"index", "motion", "statement", "signature", "leaf_hash"}


def test_a_date_before_1894_comes_back_in_rfc_3339(api_as, secretary):
    """Before 1894 Zurich's local mean time is +00:34:08; the API writes date-times in UTC."""
    # given: a token whose creation is dated 1890 (any stored date-time would do)
    client = api_as(secretary)
    made = client.post("/api/v1/tokens/", {"name": "old"}, format="json")
    assert made.status_code == 201
    old = dt.datetime(1890, 6, 1, 12, 0, tzinfo=dt.UTC)
    ApiToken.objects.filter(pk=made.json()["token"]["id"]).update(created_at=old)
    # when
    listed = client.get("/api/v1/tokens/").json()
    # then
    created_at = next(t["created_at"] for t in listed if t["name"] == "old")
    assert RFC3339.match(created_at), created_at
    assert created_at == "1890-06-01T12:00:00Z"


def test_recent_date_times_are_written_in_utc_too(api_as, secretary):
    """One zone for every date-time the API writes: the same instant, spelt in UTC."""
    # given
    client = api_as(secretary)
    made = client.post("/api/v1/tokens/", {"name": "new"}, format="json")
    # when
    expires_at = made.json()["token"]["expires_at"]
    # then
    assert expires_at.endswith("Z"), expires_at
    token = ApiToken.objects.get(pk=made.json()["token"]["id"])
    assert dt.datetime.fromisoformat(expires_at) == token.expires_at
    assert timezone.is_aware(token.expires_at)

"""The OpenAPI schema describes what the API returns, so that generated clients work."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PAGINATED_LISTS = [
    "/api/v1/member-states/",
    "/api/v1/councils/",
    "/api/v1/councils/{code}/seats/",
    "/api/v1/delegates/",
    "/api/v1/projects/",
    "/api/v1/motions/",
    "/api/v1/proxies/",
    "/api/v1/audit/",
]


def test_the_schema_builds_without_a_warning(tmp_path):
    """drf-spectacular resolves every view: no free-form guesses, no colliding operation ids."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.stat().st_size > 0


@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_paginated_lists_are_documented_as_pages(tmp_path, path):
    """The lists answer `{count, next, previous, results}`, and the schema says so."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert set(component["properties"]) == {"count", "next", "previous", "results"}
    assert component["properties"]["results"]["type"] == "array"
    names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
    assert {"limit", "offset"} <= names

"""Control characters are refused at the edge, naming the input, before anything reads the database."""

from __future__ import annotations

import pytest
from django.test import Client

from funding.imports import parse_national_income
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/portal/states/%00/", "path"),
        ("/api/v1/member-states/%00/", "path"),
        ("/api/v1/motions/?council=%00", "council"),
        ("/api/v1/motions/?status=%00", "status"),
        ("/portal/decisions/?council=G%01C", "council"),
        ("/api/v1/councils/?x%00=1", "x?"),
    ],
)
def test_a_control_character_in_a_lookup_is_a_400_naming_it(url, field):
    """A NUL in a path or query gave a 500 on PostgreSQL; now a 400 names the input, anonymously too."""
    response = Client().get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        body = response.json()
        assert body["code"] == "control_character"
        assert field in body["fields"]
    else:
        assert "Control characters" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/motions/1/ballots/",
            {"member_state": "D\u0000E", "choice": "yes"},
            "member_state",
        ),
        (
            "/api/v1/funding/payments/",
            {"member_state": "D\u0000E", "amount": "1.00"},
            "member_state",
        ),
        ("/api/v1/proxies/", {"grantor": "DE", "holder": "F\u0000R"}, "holder"),
        ("/api/v1/motions/", {"title": "ok", "text": {"nested": ["a\u0007b"]}}, "text.nested[0]"),
    ],
)
def test_a_control_character_in_a_json_body_is_a_400_naming_the_field(de_head, url, body, field):
    """Ballot, payment and proxy bodies with a NUL in a state code are refused before any lookup."""
    client = Client()
    sign_in(client, de_head, with_mfa=True)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [response.json()["message"]]}


def test_a_control_character_in_a_form_field_is_a_400(de_head):
    """A page form posting a NUL gets the bad-request page, naming the field."""
    client = Client()
    sign_in(client, de_head, with_mfa=True)
    response = client.post("/secretariat/", {"title": "a\x00b"})
    assert response.status_code == 400
    assert "<code>title</code>" in response.content.decode()


def test_tabs_and_newlines_in_free_text_are_ordinary(de_head):
    """Free text keeps its tabs and line breaks: only other control characters are refused."""
    client = Client()
    sign_in(client, de_head, with_mfa=True)
    response = client.post(
        "/api/v1/proxies/", {"note": "line one\r\n\tline two"}, content_type="application/json"
    )
    assert response.status_code != 400 or response.json().get("code") != "control_character"


def test_a_nul_inside_an_uploaded_csv_names_its_line_and_column():
    """A NUL byte in a cell is named by line and column, and nothing of the file is taken."""
    text = "code,year,amount,currency\nDE,2023,100,USD\nD\x00E,2023,100,USD\n"
    result = parse_national_income(text, known_codes={"DE", "FR"})
    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "line 3, column 1: a control character (U+0000) at position 2 of the cell"
    ]
    assert result.rows == []

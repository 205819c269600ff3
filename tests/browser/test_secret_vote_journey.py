"""A secret vote end to end in Chromium, under the site's strict CSP (issue 16).

Three trustee delegations hold the key ceremony in their browsers (each downloads its private
file, which is never posted), five delegations vote with ballots encrypted in the browser (one
changes its vote), the secretary closes the vote, two of the three trustees post their partial
decryptions from their pages, the decision page shows the result with its proofs, and the
offline recompute verifies it from the open-data downloads.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from core.actors import Actor
from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from governance import services
from governance.models import EncryptedBallot, Motion, MotionStatus, SecretVote
from tests.browser.conftest import screenshot, sign_in
from tests.governance.voting_fixtures import make_council5
from transparency import recompute
from transparency.opendata import TABLES

pytestmark = pytest.mark.django_db(transaction=True)
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def council(live_server):
    c5 = make_council5()
    from core import services as core_services

    for user in [*c5.heads.values(), c5.secretary]:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        core_services.user_totp_activate(
            actor=Actor.system("test"), user=user, secret=DEMO_TOTP_SECRET
        )
    return c5


@pytest.fixture
def chromium(browser):
    """The suite's one browser: a second Playwright in the same worker while the session's is
    running fails ("Sync API inside the asyncio loop"), so this journey shares it."""
    return browser


class Person:
    """One signed-in browser, with the site's CSP in force and downloads kept."""

    def __init__(self, browser: Any, base: str, account: str) -> None:
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.base = base
        sign_in(self.page, base, account)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def status(self) -> str:
        return self.page.inner_text("#ceremony-status")


def wait_status(person: Person, text: str) -> None:
    person.page.wait_for_function(
        "t => document.getElementById('ceremony-status').textContent.includes(t)",
        arg=text,
        timeout=60_000,
    )


def test_trustees_delegations_and_the_public_run_a_secret_vote_in_chromium(
    council, chromium, live_server, tmp_path: Path
):
    c5 = council
    base = live_server.url
    motion = c5.motion(secret=True)
    services.motion_table(actor=c5.sec, motion=motion)
    secretary = Person(chromium, base, "secretary")
    # the secretary names three trustees on the page (default threshold: 2 of 3)
    secretary.goto(f"/motions/{motion.pk}/trustees/")
    for state in ("DE", "FR", "IT"):
        secretary.page.click(f"label[for=trustee-{state}]")
    with secretary.page.expect_navigation():
        secretary.page.click("main button[type=submit]")
    assert "The trustees are named." in secretary.page.content()
    # each trustee makes its key in its own browser and downloads its private file
    trustees = {s: Person(chromium, base, f"{s.lower()}-head") for s in ("DE", "FR", "IT")}
    files: dict[str, Path] = {}
    for state, person in trustees.items():
        person.goto(f"/motions/{motion.pk}/ceremony/")
        wait_status(person, "Step 1")
        person.page.fill("#new-passphrase", PASSPHRASE)
        person.page.fill("#new-passphrase-again", PASSPHRASE)
        with person.page.expect_download() as download:
            person.page.click("#make-key")
        files[state] = tmp_path / f"{state}.secret.json"
        download.value.save_as(files[state])
        wait_status(person, "Waiting for the other trustees" if state != "IT" else "Step 2")
    # the private file is sealed with the passphrase, and no part of it reached the server
    sealed = json.loads(files["DE"].read_text())
    assert sealed["format"] == "concordia-secret-file/1" and "coefficients" not in sealed
    screenshot(trustees["DE"].page, "secret-ceremony-1280")
    for state, person in trustees.items():
        person.page.reload()
        wait_status(person, "Step 2")
        person.page.set_input_files("#secret-file", str(files[state]))
        person.page.fill("#passphrase", PASSPHRASE)
        person.page.click("#send-shares")
        wait_status(person, "Your shares are sent" if state != "IT" else "Step 3")
    updated: dict[str, Path] = {}
    for state, person in trustees.items():
        person.page.reload()
        wait_status(person, "Step 3")
        person.page.set_input_files("#secret-file", str(files[state]))
        person.page.fill("#passphrase", PASSPHRASE)
        with person.page.expect_download() as download:
            person.page.click("#check-shares")
        updated[state] = tmp_path / f"{state}.with-share.secret.json"
        download.value.save_as(updated[state])
        wait_status(person, "Your shares are checked" if state != "IT" else "ceremony is complete")
    secret_vote = SecretVote.objects.get(motion=motion)
    assert len(secret_vote.joint_public_key) == 64
    # the secretary opens the vote from the motion page
    secretary.goto(f"/motions/{motion.pk}/")
    with secretary.page.expect_navigation():
        secretary.page.click("form[action$='/step/open/'] button")
    assert Motion.objects.get(pk=motion.pk).status == MotionStatus.VOTING_OPEN
    # five delegations vote in their browsers; Germany changes its vote
    voters = {**trustees}
    for state in ("ES", "NL"):
        voters[state] = Person(chromium, base, f"{state.lower()}-head")
    trackers: dict[str, str] = {}
    for state, choice in [
        ("DE", "no"),
        ("FR", "yes"),
        ("IT", "yes"),
        ("ES", "no"),
        ("NL", "abstain"),
        ("DE", "yes"),
    ]:
        person = voters[state]
        person.goto(f"/motions/{motion.pk}/secret-vote/")
        person.page.click(f"label[for=choice-{state}-{choice}]")
        with person.page.expect_navigation():
            person.page.click("form.secret-ballot button[type=submit]")
        trackers[state] = person.page.input_value("#tracker")
        if state == "DE" and choice == "no":
            screenshot(person.page, "secret-receipt-1280")
    assert EncryptedBallot.objects.filter(motion=motion).count() == 6
    assert (
        EncryptedBallot.objects.get(motion=motion, state="DE", is_current=True).tracker
        == trackers["DE"]
    )
    # every delegation voted: the secretary closes; the count waits for the trustees
    secretary.goto(f"/motions/{motion.pk}/")
    with secretary.page.expect_navigation():
        secretary.page.click("form[action$='/step/close/'] button")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.VOTING_CLOSED and motion.tally is None
    # two of the three trustees decrypt from their pages
    for state in ("DE", "IT"):
        person = trustees[state]
        person.goto(f"/motions/{motion.pk}/ceremony/")
        wait_status(person, "Step 4")
        person.page.set_input_files("#secret-file", str(updated[state]))
        person.page.fill("#passphrase", PASSPHRASE)
        person.page.click("#decrypt")
        wait_status(person, "Waiting for enough trustees" if state == "DE" else "decrypted")
    motion.refresh_from_db()
    assert (motion.tally["yes"], motion.tally["no"], motion.tally["abstain"]) == (3, 1, 1)
    # certify and publish, then the public decision page shows the result with its proofs
    services.motion_certify(actor=c5.sec, motion=motion)
    services.motion_publish(actor=c5.sec, motion=motion)
    public = chromium.new_context().new_page()
    public.goto(f"{base}/portal/decisions/{motion.pk}/")
    html = public.content()
    assert "adopted" in html.lower()
    assert public.inner_text("#decrypted-with") == "1, 3"
    board_url = base + public.get_attribute("#board-link", "href")
    with urllib.request.urlopen(board_url) as response:  # noqa: S310 - the live test server
        board = json.loads(response.read())
    assert {b["tracker"] for b in board["ballots"]} >= set(trackers.values())
    screenshot(public, "secret-decision-1280")
    # the recompute verifies it from the downloads, offline
    for name in TABLES:
        with urllib.request.urlopen(f"{base}/portal/data/{name}.json") as response:  # noqa: S310
            (tmp_path / f"{name}.json").write_bytes(response.read())
    lines: list[str] = []
    assert recompute.check_decisions(tmp_path, lines.append) == 0, lines
    for person in [secretary, *voters.values()]:
        assert person.errors == [], person.errors
        person.context.close()
    # This test's ORM calls ran inside Playwright's event loop, whose context holds connections
    # of its own: close them here, or the test database cannot be dropped after the session.
    connections.close_all()

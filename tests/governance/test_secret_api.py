"""Secret votes through the API and the pages: a documented Python client, and the wrong roles."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from rest_framework.test import APIClient

from governance.ballotcrypto import encrypt_ballot
from governance.ballotcrypto.ballot import encrypt_with
from governance.ballotcrypto.threshold import trustee_generate
from governance.models import EncryptedBallot
from governance.secret_board import verify_board
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.governance import secret_fixtures as sf
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


@pytest.fixture
def c5():
    return make_council5()


def signed_in(user, *, api=True):
    TOTP.activate(user, generate_totp_secret())
    client = APIClient() if api else Client()
    sign_in(client, user, with_mfa=True)
    return client


def test_an_api_client_casts_with_the_python_helper_and_anyone_reads_the_board(c5):
    """encrypt_ballot makes the ballot; the receipt is its tracker; the board recounts."""
    # given an open secret vote, its joint key read from the API as a client would
    ceremony = sf.open_secret(c5)
    motion = ceremony.motion
    de = signed_in(c5.heads["DE"])
    state = de.get(f"/api/v1/secret-votes/{motion.pk}/").json()
    key = bytes.fromhex(state["joint_public_key"])
    # when
    ballot = encrypt_ballot(vote_id=motion.reference, voter="DE", public_key=key, choice="no")
    cast = de.post(
        f"/api/v1/secret-votes/{motion.pk}/ballots/",
        {"member_state": "DE", "ballot": ballot.to_json()},
        format="json",
    )
    # then
    assert cast.status_code == 201, cast.json()
    assert cast.json()["tracker"] == ballot.tracker
    assert "choice" not in cast.json()
    # the board is not public while the vote is open, and is once it closes and is decrypted
    assert APIClient().get(f"/api/v1/public/secret-votes/{motion.pk}/board/").status_code == 404
    sf.cast(c5, ceremony, "FR", "yes")
    sf.close(c5, ceremony)
    sf.decrypt(c5, ceremony)
    board = APIClient().get(f"/api/v1/public/secret-votes/{motion.pk}/board/").json()
    assert board["ballots"][0]["tracker"] == ballot.tracker
    assert verify_board(board).ok
    assert board["totals"]["count.no"] == 1


def test_a_bad_ballot_gets_a_400_naming_the_problem(c5):
    """A ballot encrypting 2 is refused with the failed proof's code and where it failed."""
    ceremony = sf.open_secret(c5)
    bad = encrypt_with(
        vote_id=ceremony.motion.reference,
        voter="DE",
        public_key=ceremony.joint_key,
        plain={"yes": 2, "no": 0, "abstain": -1},
    )
    response = signed_in(c5.heads["DE"]).post(
        f"/api/v1/secret-votes/{ceremony.motion.pk}/ballots/",
        {"member_state": "DE", "ballot": bad.to_json()},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "ballot.zero_or_one_proof_invalid"
    assert "choices.yes" in body["message"]
    assert not EncryptedBallot.objects.exists()


def test_wrong_roles_are_refused_through_the_api(c5):
    """Anonymous, a non-trustee, another state's delegate: each refused, nothing recorded."""
    motion = c5.motion(secret=True)
    sf.name_trustees(c5, motion)
    _secret, key = trustee_generate(vote_id=motion.reference, trustee=3, threshold=2, trustees=3)
    url = f"/api/v1/secret-votes/{motion.pk}/ceremony/key/"
    assert APIClient().post(url, {"key": key.to_json()}, format="json").status_code in (401, 403)
    nl = signed_in(c5.heads["NL"])
    refused = nl.post(url, {"key": key.to_json()}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_trustee"
    assert nl.get(f"/api/v1/secret-votes/{motion.pk}/ceremony/").status_code == 403
    # naming trustees is the secretary's
    assert (
        nl.post(
            f"/api/v1/secret-votes/{motion.pk}/trustees/", {"trustees": ["NL"]}, format="json"
        ).status_code
        == 403
    )
    # France's head cannot cast Germany's ballot
    ceremony = sf.open_secret(c5)
    ballot = sf.ballot(ceremony, "DE", "yes")
    response = signed_in(c5.heads["FR"]).post(
        f"/api/v1/secret-votes/{ceremony.motion.pk}/ballots/",
        {"member_state": "DE", "ballot": ballot},
        format="json",
    )
    assert response.status_code == 403
    assert not EncryptedBallot.objects.exists()


def test_the_ceremony_page_is_only_for_a_trustees_delegate(c5):
    """A trustee's head gets its page; another delegate gets 403; the anonymous sign in."""
    motion = c5.motion(secret=True)
    sf.name_trustees(c5, motion)
    page = signed_in(c5.heads["DE"], api=False).get(f"/motions/{motion.pk}/ceremony/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "js/ceremony.js" in html and "<script>" not in html
    assert (
        signed_in(c5.heads["NL"], api=False).get(f"/motions/{motion.pk}/ceremony/").status_code
        == 403
    )
    anonymous = Client().get(f"/motions/{motion.pk}/ceremony/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    outsider = UserFactory(username="outsider")
    assert signed_in(outsider, api=False).get(f"/motions/{motion.pk}/ceremony/").status_code == 404


def test_the_secret_vote_page_posts_only_the_encrypted_ballot(c5):
    """The page form carries the key and vote id for the browser; a plain choice alone is refused."""
    ceremony = sf.open_secret(c5)
    de = signed_in(c5.heads["DE"], api=False)
    page = de.get(f"/motions/{ceremony.motion.pk}/secret-vote/").content.decode()
    assert f'data-public-key="{ceremony.joint_key.hex()}"' in page
    assert 'data-voter="DE"' in page
    # a browser without JavaScript posts the plain choice: nothing is cast
    response = de.post(
        f"/motions/{ceremony.motion.pk}/secret-vote/",
        {"member_state": "DE", "choice": "yes", "ballot": ""},
        follow=True,
    )
    assert "did not encrypt the ballot" in response.content.decode()
    assert not EncryptedBallot.objects.exists()
    # the encrypted ballot is cast and the receipt page shows the tracker
    ballot = sf.ballot(ceremony, "DE", "yes")
    response = de.post(
        f"/motions/{ceremony.motion.pk}/secret-vote/",
        {"member_state": "DE", "ballot": json.dumps(ballot)},
    )
    assert EncryptedBallot.objects.get().tracker in response.content.decode()


def test_the_admin_offers_no_way_to_write_a_ballot_or_a_key(c5):
    """A superuser with a fresh second factor finds no admin screen for the board's rows."""
    ceremony = sf.open_secret(c5)
    sf.cast(c5, ceremony, "DE", "yes")
    admin = signed_in(
        UserFactory(username="root-admin", is_staff=True, is_superuser=True), api=False
    )
    assert admin.get("/admin/").status_code == 200
    for model in ("encryptedballot", "trustee", "secretvote", "partialdecryption"):
        assert admin.get(f"/admin/governance/{model}/").status_code == 404


def test_a_delegation_sees_its_tracker_and_checks_it_on_the_portal(c5):
    """The motion page shows the state voted and its tracker; the portal says it counted."""
    from governance import services

    ceremony = sf.open_secret(c5)
    first = sf.cast(c5, ceremony, "DE", "no")
    last = sf.cast(c5, ceremony, "DE", "yes")
    de = signed_in(c5.heads["DE"], api=False)
    html = de.get(f"/motions/{ceremony.motion.pk}/").content.decode()
    assert last.tracker in html and first.tracker not in html
    assert "how it voted is not shown, to you or anyone" in html
    for state in ("FR", "IT", "ES", "NL"):
        sf.cast(c5, ceremony, state, "yes")
    sf.close(c5, ceremony)
    motion = services.motion_certify(actor=c5.sec, motion=sf.decrypt(c5, ceremony))
    services.motion_publish(actor=c5.sec, motion=motion)
    counted = Client().get(f"/portal/decisions/{motion.pk}/receipt/?receipt={last.tracker}")
    assert "the last encrypted ballot of Germany" in counted.content.decode()
    replaced = Client().get(f"/portal/decisions/{motion.pk}/receipt/?receipt={first.tracker}")
    assert "replaced by a later ballot" in replaced.content.decode()

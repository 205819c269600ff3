"""A trustee who prefers the command line: python -m governance.trustee, files moved via the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from governance import services
from governance.models import EncryptedBallot, SecretVote, TrusteeShare
from governance.trustee import main as trustee_cli
from tests.governance import secret_fixtures as sf
from tests.governance.test_secret_api import signed_in
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_one_trustee_runs_the_ceremony_and_decrypts_with_the_cli(tmp_path, monkeypatch):
    """Italy's trustee uses the CLI and the API; the others their devices; two decrypt."""
    # given a secret vote whose trustees are DE, FR (Python, as their browsers) and IT (CLI)
    monkeypatch.setattr("governance.ballotcrypto.keyfile.DEFAULT_LOG2_N", 10)  # a quick scrypt
    c5 = make_council5()
    motion = c5.motion(secret=True)
    services.motion_table(actor=c5.sec, motion=motion)
    ceremony = sf.name_trustees(c5, motion)
    it = signed_in(c5.heads["IT"])
    base = f"/api/v1/secret-votes/{motion.pk}/ceremony"
    phrase = write(tmp_path / "phrase.txt", "a passphrase of some length\n")
    secret = tmp_path / "it.secret.json"
    public = tmp_path / "it.public.json"
    number = ceremony.numbers["IT"]

    def cli(*args: str) -> int:
        return trustee_cli([*args, "--passphrase-file", str(phrase)])

    assert (
        cli(
            "keygen",
            "--vote-id",
            motion.reference,
            "--trustee",
            str(number),
            "--threshold",
            "2",
            "--trustees",
            "3",
            "--public",
            str(public),
            "--secret",
            str(secret),
        )
        == 0
    )
    posted = it.post(f"{base}/key/", {"key": json.loads(public.read_text())}, format="json")
    assert posted.status_code == 201, posted.json()
    # the other two trustees make and publish their keys as their browsers would
    from governance.ballotcrypto import receive_shares, share_for
    from governance.ballotcrypto.threshold import TrusteeKey, trustee_generate
    from governance.services import trustees

    for state in ("DE", "FR"):
        made, key = trustee_generate(
            vote_id=motion.reference, trustee=ceremony.numbers[state], threshold=2, trustees=3
        )
        ceremony.secrets[state] = made
        trustees.trustee_key_publish(actor=c5.actors[state], motion=motion, key=key.to_json())
    # when Italy downloads the keys, makes its shares with the CLI and uploads them
    state = it.get(f"{base}/").json()
    keys = write(tmp_path / "keys.json", [t["public_key"] for t in state["trustees"]])
    shares = tmp_path / "shares-it.json"
    assert cli("shares", "--secret", str(secret), "--keys", str(keys), "--out", str(shares)) == 0
    assert (
        it.post(
            f"{base}/shares/", {"shares": json.loads(shares.read_text())}, format="json"
        ).status_code
        == 201
    )
    published = [TrusteeKey.from_json(k) for k in json.loads(keys.read_text())]
    for state_code in ("DE", "FR"):
        made = ceremony.secrets[state_code]
        trustees.trustee_shares_post(
            actor=c5.actors[state_code],
            motion=motion,
            shares=[share_for(made, k) for k in published if k.trustee != made.trustee],
        )
    mine = write(tmp_path / "for-it.json", it.get(f"{base}/").json()["shares_for_me"])
    received = cli("receive", "--secret", str(secret), "--keys", str(keys), "--shares", str(mine))
    assert received == 0
    assert it.post(f"{base}/confirm/", {}, format="json").status_code == 201
    secret_vote = SecretVote.objects.get(motion=motion)
    for state_code in ("DE", "FR"):
        made = ceremony.secrets[state_code]
        messages = [
            s.message
            for s in TrusteeShare.objects.filter(secret_vote=secret_vote, recipient=made.trustee)
        ]
        updated, problems = receive_shares(made, published, messages)
        assert updated is not None, problems
        ceremony.secrets[state_code] = updated
        trustees.trustee_confirm(actor=c5.actors[state_code], motion=motion)
    ceremony.motion = services.motion_open(actor=c5.sec, motion=motion)
    for voter, choice in (("DE", "yes"), ("FR", "no"), ("IT", "yes"), ("NL", "yes")):
        sf.cast(c5, ceremony, voter, choice)
    sf.close(c5, ceremony)
    # then Italy decrypts with the CLI from the downloaded totals, France from its device
    tally = write(tmp_path / "tally.json", it.get(f"{base}/").json()["encrypted_tally"])
    partial = tmp_path / "partial-it.json"
    decrypted = cli(
        "decrypt",
        "--secret",
        str(secret),
        "--keys",
        str(keys),
        "--tally",
        str(tally),
        "--out",
        str(partial),
    )
    assert decrypted == 0
    assert (
        it.post(
            f"{base}/partial/", {"partial": json.loads(partial.read_text())}, format="json"
        ).status_code
        == 201
    )
    motion = sf.decrypt(c5, ceremony, ("FR",))
    assert (motion.tally["yes"], motion.tally["no"]) == (3, 1)


def test_the_database_keeps_one_current_encrypted_ballot_per_state():
    """Two current ballots of one state, or a share to oneself, are refused by the database."""
    c5 = make_council5()
    ceremony = sf.open_secret(c5)
    sf.cast(c5, ceremony, "DE", "yes")
    row = EncryptedBallot.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        EncryptedBallot.objects.create(
            motion=row.motion,
            seq=2,
            state="DE",
            ballot=row.ballot,
            tracker="0" * 64,
            prev_hash=row.entry_hash,
            entry_hash="1" * 64,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TrusteeShare.objects.create(
            secret_vote=SecretVote.objects.get(), sender=1, recipient=1, message={}
        )

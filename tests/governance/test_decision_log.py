"""Results are witnessed outside the database: signed at closing, logged, checkable by anyone."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import chain, merkle, services, signing
from governance.log_keys import public_key, signing_key
from governance.models import Ballot, DecisionStatement, Motion, TreeHead
from governance.verification import recount, verify_motion
from tests.governance.secret_fixtures import open_legacy_secret
from tests.governance.voting_fixtures import make_council5
from tests.transparency.test_recompute import download_json
from transparency import recompute

pytestmark = pytest.mark.django_db


# -- the Merkle tree (RFC 9162) ----------------------------------------------------------


def _mth(leaves: list[bytes]) -> bytes:
    """The recursive definition of RFC 9162 § 2.1.1, to hold the bottom-up `root` to."""
    if not leaves:
        return merkle.root([])
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_proof_checks_and_a_changed_leaf_breaks_it(n, data):
    """Inclusion and consistency proofs verify for every leaf and size; one changed leaf is caught."""
    leaves = [merkle.leaf_hash(f"decision {i}".encode()) for i in range(n)]
    root = merkle.root(leaves)
    assert root == _mth(leaves)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    merkle.verify_inclusion(i, n, leaves[i], merkle.inclusion_proof(i, leaves), root)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_proof(m, leaves)
    merkle.verify_consistency(m, n, merkle.root(leaves[:m]), root, proof)
    # one of the first m leaves rewritten: the new log is no longer consistent with the old head
    j = data.draw(st.integers(min_value=0, max_value=m - 1))
    forged = [*leaves[:j], merkle.leaf_hash(b"rewritten"), *leaves[j + 1 :]]
    if m < n:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(
                m,
                n,
                merkle.root(leaves[:m]),
                merkle.root(forged),
                merkle.consistency_proof(m, forged),
            )
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            j, n, merkle.leaf_hash(b"rewritten"), merkle.inclusion_proof(j, forged), root
        )


# -- a council with two closed votes -----------------------------------------------------


@pytest.fixture
def council():
    c5 = make_council5()
    first = c5.open(title="Adopt the data-retention policy")
    for state, choice in [("DE", "yes"), ("FR", "no"), ("IT", "no"), ("ES", "yes"), ("NL", "no")]:
        c5.vote(first, state, choice)
    first = c5.close_and_certify(first)
    services.motion_publish(actor=c5.sec, motion=first)
    second = c5.open(title="Adopt the travel policy")
    for state in ("DE", "FR", "IT"):
        c5.vote(second, state, "yes")
    second = c5.close_and_certify(second)
    services.motion_publish(actor=c5.sec, motion=second)
    first.refresh_from_db()
    second.refresh_from_db()
    return c5, first, second


def _checkpoint(tmp_path: Path) -> Path:
    """What a watcher does: save the signed tree head the platform serves today."""
    response = Client().get("/api/v1/public/log/")
    assert response.status_code == 200
    path = tmp_path / "checkpoint.json"
    path.write_bytes(response.content)
    return path


def _rewrite_no_into_yes(motion: Motion) -> None:
    """The attack of the review: every "no" rewritten, hashes, head, tally and audit rows redone."""
    with connection.cursor() as cur:
        # A database superuser can switch the append-only triggers off for a transaction.
        cur.execute("SET LOCAL session_replication_role = replica")
        prev = motion.electorate.sha256
        current: dict[str, str] = {}
        for b in Ballot.objects.filter(motion=motion).order_by("seq"):
            choice = "yes" if b.choice == "no" else b.choice
            entry = chain.ballot_entry(
                motion=motion.reference, seq=b.seq, tag=b.tag, choice=choice, proxy_holder=None
            )
            new_hash = chain.entry_hash(prev, entry)
            cur.execute(
                "UPDATE governance_ballot SET choice = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
                [choice, prev, new_hash, b.pk],
            )
            prev, current[b.tag] = new_hash, choice
        entries = motion.electorate.entries
        tally = recount(entries["rule"], entries, current, secret=False).to_dict()
        outcome = str(tally["outcome"])
        cur.execute(
            "UPDATE governance_motion SET chain_head = %s, tally = %s, outcome = %s WHERE id = %s",
            [prev, json.dumps(tally, default=str), outcome, motion.pk],
        )
        cur.execute(
            "UPDATE core_auditevent SET after = jsonb_set(jsonb_set(after, '{chain_head}', to_jsonb(%s::text)),"
            " '{outcome}', to_jsonb(%s::text)) WHERE target_type = 'governance.motion' AND target_id = %s"
            " AND action IN ('motion.close', 'motion.certify')",
            [prev, outcome, str(motion.pk)],
        )
        cur.execute("SET LOCAL session_replication_role = origin")
    motion.refresh_from_db()


def test_a_closed_vote_is_signed_logged_and_mailed(django_capture_on_commit_callbacks):
    """Closing a vote signs its result with the key outside the database, logs it and mails it."""
    # given an open vote
    c5 = make_council5()
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    c5.vote(motion, "FR", "no")
    # when it closes
    with django_capture_on_commit_callbacks(execute=True):
        services.motion_close(actor=c5.sec, motion=c5.expire(motion))
    # then the statement is entry 0 of the log, signed by the platform's key, with the count
    statement = DecisionStatement.objects.get(motion=motion)
    document = json.loads(statement.body)
    signing.verify(public_key(), document, statement.signature)
    assert statement.index == 0
    assert document["chain_head"] == Motion.objects.get(pk=motion.pk).chain_head
    assert document["tally"]["yes"] == 1
    assert document["tally"]["no"] == 1
    # and a tree head of size 1 over it is signed
    head = TreeHead.objects.get()
    assert head.tree_size == 1
    assert head.root_hash == merkle.leaf_hash(statement.body.encode()).hex()
    # and every delegation of the council receives the signed statement
    assert sorted(m.to[0] for m in mail.outbox) == sorted(h.email for h in c5.heads.values())
    assert statement.signature in mail.outbox[0].body
    assert motion.reference in mail.outbox[0].subject


def test_the_log_refuses_edits_even_from_raw_sql(council):
    """Statements and tree heads cannot be changed or deleted with plain SQL on PostgreSQL."""
    for sql in (
        "UPDATE governance_decisionstatement SET body = '{}'",
        "DELETE FROM governance_decisionstatement",
        "UPDATE governance_treehead SET root_hash = 'x'",
        "DELETE FROM governance_treehead",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)


def test_a_rewritten_result_is_named_by_verify_votes_recompute_and_the_public_check(
    council, tmp_path
):
    """The review's rewrite (every "no" to "yes", hashes, head, tally and audit redone) is found."""
    # given a watcher who saved a checkpoint, the key and the open data before the rewrite
    _c5, first, _second = council
    checkpoint = _checkpoint(tmp_path)
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(Client().get("/portal/log/key.pem").content)
    out = io.StringIO()
    call_command("verify_votes", "--checkpoint", str(checkpoint), stdout=out)
    assert "decision log: OK and consistent with your checkpoint" in out.getvalue()
    # when someone with the database rewrites the first result
    _rewrite_no_into_yes(first)
    assert first.outcome == "adopted"
    # then verify_votes with the checkpoint names the motion
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "verify_votes",
            "--checkpoint",
            str(checkpoint),
            "--public-key",
            str(key_file),
            stdout=out,
        )
    text = out.getvalue()
    assert f"{first.reference}: MISMATCH" in text
    assert "the ballots were rewritten" in text
    assert "recount gives yes = 5 but the platform signed yes = 2 at closing" in text
    # and so does the public verification endpoint
    body = Client().get(f"/api/v1/public/motions/{first.pk}/verify/").json()
    assert body["ok"] is False
    assert any(
        p.startswith(f"{first.reference}: the ballot chain ends at") for p in body["problems"]
    )
    # and the offline recompute over the open data, with the pinned key and the checkpoint
    folder = tmp_path / "data"
    folder.mkdir()
    download_json(folder)
    assert (
        recompute.main(
            [str(folder), "--public-key", str(key_file), "--checkpoint", str(checkpoint)]
        )
        == 1
    )
    lines = _captured(folder, key_file, checkpoint)
    assert any(line.startswith(f"{first.reference}: the ballot chain ends at") for line in lines)


def _captured(folder: Path, key_file: Path, checkpoint: Path) -> list[str]:
    lines: list[str] = []
    key = signing.load_public_pem(key_file.read_bytes())
    recompute.check_decisions(folder, lines.append, key)
    recompute.check_log(folder, lines.append, key, json.loads(checkpoint.read_text()))
    return lines


def test_the_key_holder_cannot_rewrite_the_log_unnoticed(council, tmp_path):
    """Even re-signed with the real key, a rewritten result breaks consistency with a checkpoint."""
    # given a checkpoint kept by a watcher
    c5, first, _second = council
    checkpoint = _checkpoint(tmp_path)
    # when the operator rewrites the result, signs a fresh statement and a fresh tree head
    _rewrite_no_into_yes(first)
    from governance.services.decision_log import statement_document

    key = signing_key()
    kid = signing.key_id(key.public_key())
    document = statement_document(first, key_id=kid)
    body = chain.canonical(document)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            "UPDATE governance_decisionstatement SET body = %s, signature = %s, leaf_hash = %s"
            " WHERE motion_id = %s",
            [body.decode(), signing.sign(key, document), merkle.leaf_hash(body).hex(), first.pk],
        )
        cur.execute("SET LOCAL session_replication_role = origin")
    services.tree_head_sign(actor=c5.sec, reason="daily")
    # then without the checkpoint everything looks fine ...
    out = io.StringIO()
    call_command("verify_votes", stdout=out)
    assert "2 motion(s) checked, 0 with differences." in out.getvalue()
    # ... and with it the rewrite is plain
    out = io.StringIO()
    with pytest.raises(CommandError, match="the decision log does not verify"):
        call_command("verify_votes", "--checkpoint", str(checkpoint), stdout=out)
    assert "the log is not consistent with your checkpoint of 2 decisions" in out.getvalue()


def test_a_shrunk_log_is_found(council, tmp_path):
    """Deleting logged decisions (and their tree heads) is found by anyone holding a checkpoint."""
    _c5, _first, second = council
    checkpoint = _checkpoint(tmp_path)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM governance_decisionstatement WHERE motion_id = %s", [second.pk])
        cur.execute("DELETE FROM governance_treehead WHERE tree_size = 2")
        cur.execute("SET LOCAL session_replication_role = origin")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_votes", "--checkpoint", str(checkpoint), stdout=out)
    text = out.getvalue()
    assert "the log has shrunk: your checkpoint holds 2 decisions, the platform now 1" in text
    assert f"{second.reference}: MISMATCH" in text
    assert "signed statement of this result is missing" in text


def test_a_forged_checkpoint_is_refused(council, tmp_path):
    """A tree head not signed by the pinned key proves nothing and is reported as such."""
    path = _checkpoint(tmp_path)
    data = json.loads(path.read_text())
    data["tree_head"]["root_hash"] = "00" * 32
    path.write_text(json.dumps(data))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_votes", "--checkpoint", str(path), stdout=out)
    assert "the checkpoint does not verify" in out.getvalue()


def test_verify_votes_compares_the_audit_trail(council):
    """A chain head that differs from the one the close and certify audit rows recorded is named."""
    _c5, first, _second = council
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            "UPDATE core_auditevent SET after = jsonb_set(after, '{chain_head}', '\"ab\"')"
            " WHERE target_type = 'governance.motion' AND target_id = %s AND action = 'motion.close'",
            [str(first.pk)],
        )
        cur.execute("SET LOCAL session_replication_role = origin")
    result = verify_motion(first)
    assert not result.ok
    assert any(
        p.startswith("the motion.close audit row recorded chain head ab") for p in result.problems
    )


def test_a_secret_recount_refuses_more_tags_than_electors():
    """A secret vote with more counted pseudonyms than states that may vote does not verify."""
    # given a closed secret vote of five states, all voting
    c5 = make_council5(with_shares=False)
    motion = open_legacy_secret(c5)  # pre-issue-16 secret votes keep their path
    for state in c5.states:
        c5.vote(motion, state, "no")
    motion = c5.close_and_certify(motion)
    # when someone with the database adds a sixth ballot under a new pseudonym, chained properly
    last = Ballot.objects.filter(motion=motion).order_by("-seq").first()
    entry = chain.ballot_entry(
        motion=motion.reference, seq=last.seq + 1, tag="f" * 64, choice="yes", proxy_holder=None
    )
    Ballot.objects.create(
        motion=motion, seq=last.seq + 1, tag="f" * 64, choice="yes",
        prev_hash=last.entry_hash, entry_hash=chain.entry_hash(last.entry_hash, entry),
    )  # fmt: skip
    # then the recount refuses it
    result = verify_motion(motion)
    assert not result.ok
    assert "6 secret ballots are counted but only 5 states may vote" in result.problems


# -- the public log over HTTP and on the portal ------------------------------------------


def test_the_public_proofs_check_against_the_signed_heads(council):
    """Inclusion and consistency proofs from the API verify against the signed tree heads."""
    _c5, first, _second = council
    client = Client()
    head = client.get("/api/v1/public/log/").json()
    signing.verify(public_key(), head["tree_head"], head["signature"])  # raises if forged
    root = bytes.fromhex(head["tree_head"]["root_hash"])
    proof = client.get("/api/v1/public/log/proof/inclusion/", {"motion": first.reference}).json()
    merkle.verify_inclusion(
        proof["index"],
        proof["tree_size"],
        merkle.leaf_hash(chain.canonical(proof["statement"])),
        [bytes.fromhex(h) for h in proof["audit_path"]],
        root,
    )
    older = client.get("/api/v1/public/log/", {"tree_size": 1}).json()
    cons = client.get("/api/v1/public/log/proof/consistency/", {"first": 1}).json()
    merkle.verify_consistency(
        1,
        2,
        bytes.fromhex(older["tree_head"]["root_hash"]),
        root,
        [bytes.fromhex(h) for h in cons["proof"]],
    )
    entries = client.get("/api/v1/public/log/entries/").json()
    assert [e["motion"] for e in entries] == [first.reference, _second.reference]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/public/log/?tree_size=-1", "tree_size"),
        ("/api/v1/public/log/proof/consistency/?first=abc", "first"),
        ("/api/v1/public/log/proof/consistency/?first=2&second=1", "second"),
        ("/api/v1/public/log/entries/?start=5&end=2", "end"),
        ("/api/v1/public/log/proof/inclusion/?tree_size=1", "motion"),
    ],
)
def test_bad_questions_to_the_log_get_a_400_naming_the_field(council, url, field):
    """Malformed proof requests are refused with the field at fault, never a server error."""
    response = Client().get(url)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_portal_shows_the_key_the_log_and_the_proof_link(council):
    """/portal/log/ shows the key id and the entries; the decision page links its inclusion proof."""
    _c5, first, _second = council
    client = Client()
    page = client.get("/portal/log/").content.decode()
    assert signing.key_id(public_key()) in page
    assert first.reference in page
    assert "BEGIN PUBLIC KEY" in client.get("/portal/log/key.pem").content.decode()
    decision = client.get(f"/portal/decisions/{first.pk}/").content.decode()
    assert "/api/v1/public/log/proof/inclusion/?motion=" in decision
    feed = client.get("/portal/log/feed.atom").content.decode()
    assert first.reference in feed
    assert DecisionStatement.objects.get(motion=first).signature in feed


def test_the_daily_tree_head_is_signed_by_the_beat_task(council):
    """The daily task signs a fresh tree head of the same log, so watchers see the log is alive."""
    from governance.tasks import tree_head_daily

    assert tree_head_daily() == 2
    head = TreeHead.objects.order_by("-id").first()
    assert head.reason == "daily"
    assert head.tree_size == 2
    signing.verify(public_key(), json.loads(head.body), head.signature)

"""Signing each closed vote's result and logging it in the public append-only decision log.

At every close the platform signs a statement (chain head, electorate hash, tally) with a key
kept outside the database, appends it as a leaf of a Merkle tree, signs the new tree head, and
sends the statement to every delegation of the council. Anyone who kept a copy of a statement or
of a tree head can later prove that a rewritten result is not the one that was published.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.clock import facility_today
from governance import merkle, selectors, signing
from governance.chain import canonical, sha256_hex
from governance.log_keys import signing_key
from governance.models import Consolidation, Motion
from governance.models.decision_log import DecisionStatement, TreeHead, TreeHeadReason
from governance.services.attendance import attendance_taken, present_for_tally

STATEMENT_TYPE = "concordia/decision-statement/v1"
TREE_HEAD_TYPE = "concordia/tree-head/v1"
# The tally figures a statement commits to: what `verify_motion` and the recompute compare.
TALLY_KEYS = ("outcome", "yes", "no", "abstain", "absent")


def statement_document(motion: Motion, *, key_id: str) -> dict[str, Any]:
    """The statement signed when `motion` closed: what anyone can later hold the platform to."""
    assert motion.closed_at is not None  # noqa: S101 - set when the vote closed
    assert motion.tally is not None  # noqa: S101
    document: dict[str, Any] = {
        "type": STATEMENT_TYPE,
        "motion": motion.reference,
        "council": motion.council.code,
        "title": motion.title,
        "secret": motion.secret,
        "closed_at": motion.closed_at.astimezone(dt.UTC).isoformat(),
        "electorate_sha256": motion.electorate.sha256,
        "chain_head": motion.chain_head,
        "chain_length": motion.chain_length,
        "rule": motion.rule,
        "tally": {key: motion.tally[key] for key in TALLY_KEYS},
        "key_id": key_id,
    }
    # Keys added only when they apply, so that statements without them keep their bytes.
    if motion.casting_vote:
        document["casting_vote"] = motion.casting_vote
    # A motion amended in session is adopted as its consolidated text: the statement commits
    # to the exact text voted (and which changes made it), so the text cannot be swapped later.
    consolidation = Consolidation.objects.filter(motion=motion).first()
    if consolidation is not None:
        document["text_sha256"] = sha256_hex(motion.text.encode())
        document["amendments"] = list(consolidation.amendments)
    if attendance_taken(motion) or counts_presence(motion.rule):
        present = motion.tally.get("present_states")
        document["present_states"] = sorted(
            present if present is not None else present_for_tally(motion)
        )
    return document


def counts_presence(rule: dict[str, Any]) -> bool:
    """Whether a rule counts members present (its result then depends on the attendance)."""
    return rule.get("kind") == "qualified_of_present" or rule.get("quorum_base") == "present"


def _lock_log() -> None:
    """Serialise appends: leaf indexes are dense and every tree head covers a prefix."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {DecisionStatement._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
            )
    # SQLite takes one writer at a time already.


def statement_record(*, actor: Actor, motion: Motion) -> DecisionStatement:
    """Sign and log the result of a vote that has just closed (inside `motion_close`), or its
    new tally after the chair's casting vote (inside `casting_vote_give`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("statement_record runs inside the closing service's transaction.")
    _lock_log()
    key = signing_key()
    kid = signing.key_id(key.public_key())
    document = statement_document(motion, key_id=kid)
    body = canonical(document)
    statement = DecisionStatement.objects.create(
        motion=motion,
        index=DecisionStatement.objects.count(),
        body=body.decode(),
        signature=signing.sign(key, document),
        key_id=kid,
        leaf_hash=merkle.leaf_hash(body).hex(),
    )
    audit_record(
        actor=actor,
        action="decision.sign",
        target=motion,
        after={"index": statement.index, "leaf_hash": statement.leaf_hash, "key_id": kid},
    )
    head = tree_head_sign(actor=actor, reason=TreeHeadReason.CLOSE)
    _send_statement(motion, statement)
    # robust: an unreachable timestamp authority must not turn a committed close into an error
    transaction.on_commit(lambda: _timestamp_later(head.pk), robust=True)
    return statement


def tree_head_document(
    *, tree_size: int, root_hash: str, signed_at: dt.datetime, key_id: str
) -> dict[str, Any]:
    return {
        "type": TREE_HEAD_TYPE,
        "tree_size": tree_size,
        "root_hash": root_hash,
        "signed_at": signed_at.astimezone(dt.UTC).isoformat(),
        "key_id": key_id,
    }


@transaction.atomic
def tree_head_sign(*, actor: Actor, reason: str) -> TreeHead:
    """Sign the log's current size and root: after each close, and daily to show it is alive."""
    _lock_log()
    key = signing_key()
    kid = signing.key_id(key.public_key())
    leaves = selectors.decision_log_leaf_hashes()
    document = tree_head_document(
        tree_size=len(leaves),
        root_hash=merkle.root(leaves).hex(),
        signed_at=timezone.now(),
        key_id=kid,
    )
    head = TreeHead.objects.create(
        tree_size=document["tree_size"],
        root_hash=document["root_hash"],
        signed_at=dt.datetime.fromisoformat(document["signed_at"]),
        reason=reason,
        body=canonical(document).decode(),
        signature=signing.sign(key, document),
        key_id=kid,
    )
    audit_record(
        actor=actor,
        action="decision_log.tree_head",
        target=head,
        after={"tree_size": head.tree_size, "root_hash": head.root_hash, "reason": reason},
    )
    return head


def _timestamp_later(tree_head_id: int) -> None:
    if not settings.DECISION_LOG_TSA_URL:
        return
    from governance.tasks import tree_head_timestamp

    tree_head_timestamp.delay(tree_head_id)


@transaction.atomic
def tree_head_timestamp(
    *, actor: Actor, tree_head: TreeHead, token: bytes, authority: str
) -> TreeHead:
    """Keep an RFC 3161 timestamp token of a tree head (set once; the token is its own proof)."""
    locked = TreeHead.objects.select_for_update().get(pk=tree_head.pk)
    if locked.timestamp_token is not None:
        return locked
    locked.timestamp_token = token
    locked.timestamp_authority = authority
    locked.save(update_fields=["timestamp_token", "timestamp_authority"])
    audit_record(
        actor=actor,
        action="decision_log.timestamp",
        target=locked,
        after={"authority": authority, "token_bytes": len(token)},
    )
    return locked


def _send_statement(motion: Motion, statement: DecisionStatement) -> None:
    """Mail the signed statement to every delegation of the council, on commit."""
    delegates = selectors.accreditation_list(council=motion.council, on=facility_today())
    recipients = sorted(
        {(a.user.email, a.user.preferred_language) for a in delegates if a.user.email}
    )
    signed = json.dumps(
        {"statement": json.loads(statement.body), "signature": statement.signature},
        indent=2,
        ensure_ascii=False,
    )
    reference, title = motion.reference, motion.title

    def send() -> None:
        for email, language in recipients:
            with translation.override(language):
                subject = _("Signed result of %(ref)s") % {"ref": reference}
                body = _(
                    "Voting on %(ref)s, “%(title)s”, has closed. Below is the result as the "
                    "platform signed it. Keep this message: if the result shown later ever "
                    "differs, this signed copy proves what was published at closing. Check it "
                    "with `python -m transparency.recompute` or on the portal's decision log page."
                ) % {"ref": reference, "title": title}
            send_mail(
                subject,
                body + "\n\n" + signed + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [email],
                fail_silently=True,
            )

    transaction.on_commit(send)

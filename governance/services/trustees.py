"""A secret vote's trustees: naming them, the key ceremony, and the decryption of the totals.

The trustees' private parts never reach the server: each trustee's device makes its key share,
publishes only the commitments with their proofs, sends the shares for the others encrypted
to their keys (the server only passes them on), checks the shares it received against the
senders' commitments and confirms. Once every trustee has confirmed, the joint key exists and
the vote may open. After the close each trustee posts its partial decryption of the totals
with its proof; the server checks every proof and, with t sound ones, decrypts the totals and
counts them under the rule (`governance.rules.totals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.permissions import require_mfa
from governance import permissions, selectors
from governance.ballotcrypto import Problem, combine, verify_partial_decryption
from governance.ballotcrypto.tally import Tally as EncryptedTally
from governance.ballotcrypto.threshold import (
    MAX_TRUSTEES,
    SHARE_FORMAT,
    TrusteeKey,
    joint_public_key,
    verify_trustee_key,
)
from governance.models import (
    MemberState,
    Motion,
    MotionStatus,
    PartialDecryption,
    SecretVote,
    Trustee,
    TrusteeShare,
)
from governance.rules import Electorate
from governance.rules.totals import Totals, Weighting, tally_from_totals
from governance.services.attendance import present_for_tally
from governance.services.decision_log import statement_record
from governance.services.lifecycle import lock

_BEFORE_OPENING = (MotionStatus.DRAFT, MotionStatus.TABLED)
_SHARE_KEYS = {"format", "vote_id", "from", "to", "ephemeral", "ciphertext", "mac"}


def problem_message(problem: Problem) -> str:
    """A refused object's first problem in words a trustee or delegation can act on."""
    place = f" ({problem.where})" if problem.where else ""
    detail = f": {problem.detail}" if problem.detail else ""
    return _("Refused, %(code)s%(place)s%(detail)s.") % {
        "code": problem.code,
        "place": place,
        "detail": detail,
    }


def _lock_secret_vote(motion: Motion) -> SecretVote:
    try:
        return SecretVote.objects.select_for_update().get(motion=motion)
    except SecretVote.DoesNotExist:
        raise Conflict(
            _("No trustees are named for %(ref)s yet; the secretary names them first.")
            % {"ref": motion.reference},
            code="no_trustees",
        ) from None


@transaction.atomic
def trustees_name(
    *,
    actor: Actor,
    motion: Motion,
    trustees: Sequence[MemberState],
    threshold: int | None = None,
) -> SecretVote:
    """The secretary names the trustee delegations of a secret vote and how many decrypt.

    Allowed until the first trustee publishes its key; naming again replaces the list.
    """
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    if not locked.secret:
        raise Conflict(_("Only a secret vote has trustees."), field="trustees")
    if locked.status not in _BEFORE_OPENING:
        raise Conflict(
            _("Trustees are named before the vote opens."), field="trustees", code="too_late"
        )
    codes = [state.code for state in trustees]
    if len(set(codes)) != len(codes) or not 1 <= len(codes) <= MAX_TRUSTEES:
        raise ValidationFailed(
            _("Name between 1 and %(max)d different delegations as trustees.")
            % {"max": MAX_TRUSTEES},
            field="trustees",
        )
    seated = set(
        selectors.seat_list(council=locked.council, on=selectors.today()).values_list(
            "member_state__code", flat=True
        )
    )
    outside = sorted(set(codes) - seated)
    if outside:
        raise ValidationFailed(
            _("Trustees are delegations seated on the council; %(states)s are not.")
            % {"states": ", ".join(outside)},
            field="trustees",
        )
    t = (
        threshold
        if threshold is not None
        else min(locked.council.secret_vote_threshold, len(codes))
    )
    if not 1 <= t <= len(codes):
        raise ValidationFailed(
            _("The threshold must be between 1 and the number of trustees (%(n)d).")
            % {"n": len(codes)},
            field="threshold",
        )
    existing = SecretVote.objects.select_for_update().filter(motion=locked).first()
    before = None
    if existing is not None:
        if existing.trustees.filter(key_published_at__isnull=False).exists():
            raise Conflict(
                _("The key ceremony has begun; the trustees can no longer be changed."),
                field="trustees",
                code="ceremony_begun",
            )
        before = {
            "trustees": list(existing.trustees.values_list("member_state__code", flat=True)),
            "threshold": existing.threshold,
        }
        existing.trustees.all().delete()
        existing.threshold, existing.trustee_count = t, len(codes)
        existing.save(update_fields=["threshold", "trustee_count"])
        secret_vote = existing
    else:
        secret_vote = SecretVote.objects.create(
            motion=locked, threshold=t, trustee_count=len(codes)
        )
    for number, state in enumerate(sorted(trustees, key=lambda s: s.code), start=1):
        Trustee.objects.create(secret_vote=secret_vote, number=number, member_state=state)
    audit_record(
        actor=actor,
        action="secret_vote.trustees",
        target=locked,
        before=before,
        after={"trustees": sorted(codes), "threshold": t},
    )
    return secret_vote


def trustee_of(actor: Actor, motion: Motion) -> Trustee:
    """The trustee the actor acts for in this vote, or NotAllowed saying why not."""
    own = permissions.voting_delegation(actor, motion.council)
    trustee = (
        Trustee.objects.select_related("secret_vote", "member_state")
        .filter(secret_vote__motion=motion, member_state=own)
        .first()
        if own is not None
        else None
    )
    if trustee is None:
        raise NotAllowed(
            _("Only a voting delegate of a trustee delegation of %(ref)s may do this.")
            % {"ref": motion.reference},
            code="not_a_trustee",
        )
    require_mfa(actor)
    return trustee


def _locked_trustee(actor: Actor, motion: Motion) -> tuple[Motion, SecretVote, Trustee]:
    locked = lock(motion)
    secret_vote = _lock_secret_vote(locked)
    trustee = trustee_of(actor, locked)
    return locked, secret_vote, Trustee.objects.select_for_update().get(pk=trustee.pk)


@transaction.atomic
def trustee_key_publish(*, actor: Actor, motion: Motion, key: Any) -> Trustee:
    """A trustee publishes its commitments with their proofs; a bad key is refused, named."""
    locked, secret_vote, trustee = _locked_trustee(actor, motion)
    if locked.status not in _BEFORE_OPENING:
        raise Conflict(_("The key ceremony ends when the vote opens."), code="too_late")
    if trustee.public_key is not None:
        raise Conflict(
            _("Trustee %(n)d has already published its key.") % {"n": trustee.number},
            code="already_published",
        )
    problems = verify_trustee_key(
        key,
        vote_id=locked.reference,
        threshold=secret_vote.threshold,
        trustees=secret_vote.trustee_count,
        trustee=trustee.number,
    )
    if problems:
        raise ValidationFailed(problem_message(problems[0]), field="key", code=problems[0].code)
    trustee.public_key = TrusteeKey.from_json(key).to_json()
    trustee.key_published_at = timezone.now()
    trustee.save(update_fields=["public_key", "key_published_at"])
    audit_record(
        actor=actor,
        action="secret_vote.key_publish",
        target=locked,
        after={"trustee": trustee.number, "state": trustee.member_state.code},
    )
    return trustee


def _waiting_for_keys(secret_vote: SecretVote) -> list[str]:
    return [
        t.member_state.code
        for t in secret_vote.trustees.select_related("member_state").order_by("number")
        if t.public_key is None
    ]


@transaction.atomic
def trustee_shares_post(*, actor: Actor, motion: Motion, shares: Any) -> Trustee:
    """A trustee hands the server its encrypted shares, one for each other trustee."""
    locked, secret_vote, trustee = _locked_trustee(actor, motion)
    if locked.status not in _BEFORE_OPENING:
        raise Conflict(_("The key ceremony ends when the vote opens."), code="too_late")
    waiting = _waiting_for_keys(secret_vote)
    if waiting:
        raise Conflict(
            _("Not every trustee has published its key yet (waiting for %(states)s).")
            % {"states": ", ".join(waiting)},
            code="keys_missing",
        )
    if trustee.shares_sent_at is not None:
        raise Conflict(_("Your shares were already sent."), code="already_sent")
    others = set(range(1, secret_vote.trustee_count + 1)) - {trustee.number}
    if not isinstance(shares, list) or len(shares) != len(others):
        raise ValidationFailed(
            _("Send exactly one share to each of the other %(n)d trustees.") % {"n": len(others)},
            field="shares",
        )
    seen: set[int] = set()
    for index, message in enumerate(shares):
        if (
            not isinstance(message, dict)
            or set(message) != _SHARE_KEYS
            or message.get("format") != SHARE_FORMAT
            or message.get("vote_id") != locked.reference
            or message.get("from") != trustee.number
            or message.get("to") not in others
            or message.get("to") in seen
            or not all(isinstance(message.get(k), str) for k in ("ephemeral", "ciphertext", "mac"))
        ):
            raise ValidationFailed(
                _("Share %(i)d is not an encrypted share from you to another trustee.")
                % {"i": index + 1},
                field="shares",
            )
        seen.add(message["to"])
    for message in shares:
        TrusteeShare.objects.create(
            secret_vote=secret_vote, sender=trustee.number, recipient=message["to"], message=message
        )
    trustee.shares_sent_at = timezone.now()
    trustee.save(update_fields=["shares_sent_at"])
    audit_record(
        actor=actor,
        action="secret_vote.shares_send",
        target=locked,
        after={"trustee": trustee.number},
    )
    return trustee


@transaction.atomic
def trustee_confirm(*, actor: Actor, motion: Motion) -> Trustee:
    """A trustee's device found every share it received sound: say so; the last makes the key."""
    locked, secret_vote, trustee = _locked_trustee(actor, motion)
    if locked.status not in _BEFORE_OPENING:
        raise Conflict(_("The key ceremony ends when the vote opens."), code="too_late")
    received = TrusteeShare.objects.filter(
        secret_vote=secret_vote, recipient=trustee.number
    ).count()
    if received != secret_vote.trustee_count - 1:
        raise Conflict(_("Not every trustee has sent you its share yet."), code="shares_missing")
    if trustee.confirmed_at is None:
        trustee.confirmed_at = timezone.now()
        trustee.save(update_fields=["confirmed_at"])
    trustees = list(secret_vote.trustees.order_by("number"))
    if all(t.confirmed_at for t in trustees):
        keys = [TrusteeKey.from_json(t.public_key) for t in trustees]
        secret_vote.joint_public_key = joint_public_key(keys).hex()
        secret_vote.save(update_fields=["joint_public_key"])
    audit_record(
        actor=actor,
        action="secret_vote.confirm",
        target=locked,
        after={"trustee": trustee.number, "joint_public_key": secret_vote.joint_public_key},
    )
    return trustee


def ceremony_waiting(secret_vote: SecretVote) -> list[tuple[str, str]]:
    """(state, what it has still to do) for every trustee that has not finished the ceremony."""
    waiting = []
    for t in secret_vote.trustees.select_related("member_state").order_by("number"):
        if t.public_key is None:
            waiting.append((t.member_state.code, _("publish its key")))
        elif t.shares_sent_at is None:
            waiting.append((t.member_state.code, _("send its shares")))
        elif t.confirmed_at is None:
            waiting.append((t.member_state.code, _("check the shares it received")))
    return waiting


def check_ready_to_open(motion: Motion) -> None:
    """A secret vote opens only with its joint key, every trustee's key checked (Conflict)."""
    if not motion.secret:
        return
    secret_vote = SecretVote.objects.filter(motion=motion).first()
    if secret_vote is None:
        raise Conflict(
            _(
                "%(ref)s is a secret vote and has no trustees yet: name the trustee delegations "
                "and let them hold the key ceremony before opening."
            )
            % {"ref": motion.reference},
            code="no_trustees",
        )
    waiting = ceremony_waiting(secret_vote)
    if waiting or not secret_vote.joint_public_key:
        raise Conflict(
            ngettext(
                "The key ceremony of %(ref)s is not finished; the vote cannot open. Still to "
                "act: %(who)s.",
                "The key ceremony of %(ref)s is not finished; the vote cannot open. Still to "
                "act: %(who)s.",
                len(waiting),
            )
            % {
                "ref": motion.reference,
                "who": "; ".join(f"{state} ({todo})" for state, todo in waiting),
            },
            code="ceremony_unfinished",
        )


def check_decrypted(motion: Motion) -> None:
    """A secret vote is certified only once its totals are decrypted and counted."""
    secret_vote = SecretVote.objects.filter(motion=motion).first()
    if secret_vote is None or secret_vote.totals is not None:
        return
    posted = secret_vote.partial_decryptions.count()
    raise Conflict(
        ngettext(
            "The totals are not decrypted yet: %(posted)d of the %(needed)d trustee needed has "
            "posted its partial decryption.",
            "The totals are not decrypted yet: %(posted)d of the %(needed)d trustees needed have "
            "posted their partial decryptions.",
            secret_vote.threshold,
        )
        % {"posted": posted, "needed": secret_vote.threshold},
        code="not_decrypted",
    )


@transaction.atomic
def partial_decryption_post(*, actor: Actor, motion: Motion, partial: Any) -> PartialDecryption:
    """A trustee posts its partial decryption of the totals; with t sound ones, they decrypt."""
    locked, secret_vote, trustee = _locked_trustee(actor, motion)
    if secret_vote.encrypted_tally is None or locked.status != MotionStatus.VOTING_CLOSED:
        raise Conflict(
            _("There are no totals to decrypt until the vote closes."), code="not_closed"
        )
    if PartialDecryption.objects.filter(secret_vote=secret_vote, trustee=trustee).exists():
        raise Conflict(_("Your partial decryption is already posted."), code="already_posted")
    tally = EncryptedTally.from_json(secret_vote.encrypted_tally)
    keys = [TrusteeKey.from_json(t.public_key) for t in secret_vote.trustees.order_by("number")]
    problems = verify_partial_decryption(partial, tally=tally, trustee_keys=keys)
    if not problems and partial.get("trustee") != trustee.number:
        problems = [Problem("partial.wrong_trustee", f"trustee {partial.get('trustee')}")]
    if problems:
        raise ValidationFailed(problem_message(problems[0]), field="partial", code=problems[0].code)
    row = PartialDecryption.objects.create(secret_vote=secret_vote, trustee=trustee, data=partial)
    audit_record(
        actor=actor,
        action="secret_vote.partial_decryption",
        target=locked,
        after={"trustee": trustee.number},
    )
    if secret_vote.totals is None:
        partials = [p.data for p in secret_vote.partial_decryptions.order_by("trustee__number")]
        if len(partials) >= secret_vote.threshold:
            _decrypt(actor=actor, motion=locked, secret_vote=secret_vote, tally=tally, keys=keys)
    return row


def _decrypt(
    *,
    actor: Actor,
    motion: Motion,
    secret_vote: SecretVote,
    tally: EncryptedTally,
    keys: list[TrusteeKey],
) -> None:
    partials = [p.data for p in secret_vote.partial_decryptions.order_by("trustee__number")]
    result = combine(tally=tally, partials=partials, trustee_keys=keys)
    if result.totals is None:
        raise Conflict(
            _("The totals could not be decrypted: %(problems)s")
            % {"problems": "; ".join(str(p) for p in result.problems)},
            code="decryption_failed",
        )
    assert secret_vote.weightings is not None  # noqa: S101 - stored at close
    weighting = Weighting.from_json(secret_vote.weightings)
    electorate = Electorate.from_document(motion.electorate.entries)
    voters = list(motion.encrypted_ballots.filter(is_current=True).values_list("state", flat=True))
    counted = tally_from_totals(
        electorate,
        voters=voters,
        totals=Totals.from_decrypted(result.totals, weighting),
        attendance=present_for_tally(motion),
    )
    secret_vote.totals = result.totals
    secret_vote.decrypted_with = list(result.trustees_used)
    secret_vote.decrypted_at = timezone.now()
    secret_vote.save(update_fields=["totals", "decrypted_with", "decrypted_at"])
    motion.tally = counted.to_dict()
    motion.save(update_fields=["tally"])
    audit_record(
        actor=actor,
        action="secret_vote.decrypt",
        target=motion,
        after={
            "totals": result.totals,
            "trustees": list(result.trustees_used),
            "outcome": counted.outcome.value,
            "summary": counted.summary,
        },
    )
    # The result exists only now: sign it and log it, as a roll-call vote's is at its close.
    statement_record(actor=actor, motion=motion)

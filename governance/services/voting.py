"""A motion's vote: freeze the electorate, open, close and count, certify, publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.actors import Actor
from core.audit import audit_record
from core.clock import facility_date
from core.errors import Conflict, NotAllowed
from core.permissions import require_fresh_mfa
from governance import permissions, rules, selectors
from governance.chain import canonical, sha256_hex
from governance.decisions import decision_carry_out
from governance.models import (
    Ballot,
    ContributionShare,
    ElectorateSnapshot,
    MemberStatus,
    Motion,
    MotionStatus,
    ProxyGrant,
    Recusal,
    VotingRightsSuspension,
)
from governance.services.attendance import present_for_tally
from governance.services.ballots import resolve_tags, states_voted
from governance.services.decision_log import statement_record
from governance.services.lifecycle import lock, require_status, step
from governance.services.secret_ballots import encrypted_motion_close
from governance.services.trustees import check_decrypted, check_ready_to_open
from governance.signals import decision_certified


def _share_of(shares: dict[int, ContributionShare], state_id: int) -> str:
    row = shares.get(state_id)
    return str(Fraction(row.share)) if row else "0"


def freeze_electorate(motion: Motion, now: dt.datetime) -> ElectorateSnapshot:
    """Who may vote, as of now: seated, not suspended; with recusals, proxies and weights.

    A programme's motion (CERN Convention Art. V(6)-(7)) is voted on only by the seated voting
    states that take part in the programme, weighted by the programme's own key; the seated
    states outside it are listed as excluded, with the reason.
    """
    day = facility_date(now)
    seats = list(selectors.seat_list(council=motion.council, on=day))
    key = (
        selectors.programme_key_on(motion.programme, day) if motion.programme is not None else None
    )
    suspended = set(
        VotingRightsSuspension.objects.filter(
            restored_at__isnull=True, suspended_at__lte=now
        ).values_list("member_state_id", flat=True)
    )
    recused = set(Recusal.objects.filter(motion=motion).values_list("member_state_id", flat=True))
    shares: dict[int, ContributionShare] = {}
    for row in ContributionShare.objects.filter(valid_from__lte=day).order_by(
        "member_state_id", "valid_from"
    ):
        shares[row.member_state_id] = row  # the latest valid one wins
    # Associate members and observers sit and speak but do not vote, as at CERN.
    non_voting = {s.member_state_id for s in seats if s.member_state.status != MemberStatus.FULL}
    outside = (
        set()
        if key is None
        else {
            s.member_state_id
            for s in seats
            if s.member_state.code not in key
            and s.member_state_id not in non_voting
            and s.member_state_id not in suspended
        }
    )
    voters = {
        s.member_state_id: s.member_state
        for s in seats
        if s.member_state_id not in suspended
        and s.member_state_id not in non_voting
        and s.member_state_id not in outside
    }
    proxies = ProxyGrant.objects.filter(
        Q(motion=motion) | Q(motion__isnull=True, session_from__lte=day, session_until__gte=day),
        council=motion.council,
        revoked_at__isnull=True,
    ).select_related("grantor", "holder")
    holder_of: dict[int, str] = {}
    for grant in proxies:
        # A proxy counts only if both states may vote and the holder is not itself absent by recusal.
        if (
            grant.grantor_id in voters
            and grant.holder_id in voters
            and grant.holder_id not in recused
        ):
            holder_of[grant.grantor_id] = grant.holder.code
    electors = [
        {
            "state": state.code,
            "population": state.population,
            "share": _share_of(shares, state_id) if key is None else str(Fraction(key[state.code])),
            "recused": state_id in recused,
            "proxy_holder": holder_of.get(state_id),
        }
        for state_id, state in sorted(voters.items(), key=lambda kv: kv[1].code)
    ]
    excluded = sorted(
        [
            {"state": s.member_state.code, "reason": f"{s.member_state.status} member: no vote"}
            for s in seats
            if s.member_state_id in non_voting
        ]
        + [
            {"state": s.member_state.code, "reason": "voting rights suspended"}
            for s in seats
            if s.member_state_id in suspended and s.member_state_id not in non_voting
        ]
        + [
            {"state": s.member_state.code, "reason": "not taking part in the programme"}
            for s in seats
            if s.member_state_id in outside
        ],
        key=lambda e: e["state"],
    )
    document = {
        "motion": motion.reference,
        "council": motion.council.code,
        "frozen_at": now.isoformat(),
        "rule": motion.rule,
        "electors": electors,
        "excluded": excluded,
    }
    if motion.programme is not None:
        # Only where there is one: an electorate without a programme keeps its old bytes.
        document["programme"] = motion.programme.code
    # Read back through the typed electorate: what is stored is what every reader parses.
    document = rules.Electorate.from_document(document).document()
    text = canonical(document).decode()
    return ElectorateSnapshot.objects.create(
        motion=motion,
        entries=document,
        canonical=text,
        sha256=sha256_hex(text.encode()),
        frozen_at=now,
    )


@transaction.atomic
def motion_open(*, actor: Actor, motion: Motion) -> Motion:
    """Open the vote: freeze the electorate and start the ballot chain."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, MotionStatus.TABLED)
    check_ready_to_open(locked)  # a secret vote needs its trustees' joint key (issue 16)
    now = timezone.now()
    if now >= locked.closes_at:
        raise Conflict(
            _("The closing time has passed; change it before opening the vote."), field="closes_at"
        )
    snapshot_ = freeze_electorate(locked, now)
    if not snapshot_.as_electorate().voting_members:
        raise Conflict(_("Nobody could vote: no seated state has voting rights."))
    locked.status = MotionStatus.VOTING_OPEN
    locked.opened_at = now
    if locked.opens_at > now:
        locked.opens_at = (
            now  # opened early by the secretary: the record shows when it really opened
        )
    # New secret votes encrypt their ballots; the HMAC pseudonym key is no longer made.
    locked.secret_key = None
    locked.save(update_fields=["status", "opened_at", "opens_at", "secret_key"])
    audit_record(
        actor=actor,
        action="motion.open",
        target=locked,
        before={"status": "tabled"},
        after={
            "status": "voting_open",
            "electorate_sha256": snapshot_.sha256,
            "electors": len(snapshot_.as_electorate().electors),
        },
    )
    return locked


def count(motion: Motion, current: Iterable[Ballot]) -> rules.Tally:
    """The tally of a motion from its current ballots (tags already resolved to states) and the
    states present for it (marked present; every state that voted is present too)."""
    choices = {b.tag: rules.Choice(b.choice) for b in current}
    return rules.tally(
        motion.electorate.as_electorate(), choices, attendance=present_for_tally(motion)
    )


@transaction.atomic
def motion_close(*, actor: Actor, motion: Motion) -> Motion:
    """Close the vote and count it; a secret ballot's key is erased here."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, MotionStatus.VOTING_OPEN)
    now = timezone.now()
    waiting = selectors.states_not_voted(locked, states_voted(locked))
    if not selectors.close_allowed(locked, waiting=waiting, now=now):
        # Closing early would silence delegations that were promised time until the deadline.
        raise Conflict(
            ngettext(
                "%(n)d state has not voted yet (%(states)s); the vote closes at %(when)s.",
                "%(n)d states have not voted yet (%(states)s); the vote closes at %(when)s.",
                len(waiting),
            )
            % {
                "n": len(waiting),
                "states": ", ".join(waiting),
                "when": timezone.localtime(locked.closes_at).strftime("%Y-%m-%d %H:%M %Z"),
            }
        )
    if selectors.is_encrypted(locked):
        return encrypted_motion_close(actor=actor, motion=locked, now=now)
    current = list(Ballot.objects.filter(motion=locked, is_current=True))
    resolved = resolve_tags(locked, current)
    tally = count(locked, resolved)
    last = Ballot.objects.filter(motion=locked).order_by("-seq").first()
    locked.status = MotionStatus.VOTING_CLOSED
    locked.closed_at = now
    locked.tally = tally.to_dict()
    locked.chain_head = last.entry_hash if last else locked.electorate.sha256
    locked.chain_length = last.seq if last else 0
    locked.secret_key = None
    locked.save(
        update_fields=["status", "closed_at", "tally", "chain_head", "chain_length", "secret_key"]
    )
    audit_record(
        actor=actor,
        action="motion.close",
        target=locked,
        before={"status": "voting_open"},
        after={
            "status": "voting_closed",
            "outcome": tally.outcome.value,
            "summary": tally.summary,
            "turnout": tally.cast,
            "chain_head": locked.chain_head,
        },
    )
    statement_record(actor=actor, motion=locked)
    return locked


@transaction.atomic
def motion_certify(*, actor: Actor, motion: Motion) -> Motion:
    """The secretary certifies the counted result; the decision takes effect on commit."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_fresh_mfa(actor)
    require_status(locked, MotionStatus.VOTING_CLOSED)
    check_decrypted(locked)  # a secret vote's count waits for its trustees (issue 16)
    assert locked.tally is not None  # noqa: S101 - set when the vote closed
    locked.outcome = locked.tally["outcome"]
    locked.status = MotionStatus.CERTIFIED
    locked.certified_at = timezone.now()
    locked.certified_by = actor.user
    locked.save(update_fields=["outcome", "status", "certified_at", "certified_by"])
    # What the decision changes (a project approved, a safety measure carried out) belongs to
    # the service that owns it; each registers its handler in governance.decisions.
    decision_carry_out(actor=actor, motion=locked)
    audit_record(
        actor=actor,
        action="motion.certify",
        target=locked,
        before={"status": "voting_closed"},
        after={
            "status": "certified",
            "outcome": locked.outcome,
            "summary": locked.tally["summary"],
            "chain_head": locked.chain_head,
        },
    )
    payload = {
        "motion_id": locked.pk,
        "kind": locked.kind,
        "outcome": locked.outcome,
        "project_id": locked.project_id,
        "gpu_hours": locked.gpu_hours,
        "council_code": locked.council.code,
    }
    transaction.on_commit(lambda: decision_certified.send(sender=Motion, **payload))
    return locked


@transaction.atomic
def motion_publish(*, actor: Actor, motion: Motion) -> Motion:
    """Publish a certified decision on the transparency portal."""
    return step(
        actor=actor,
        motion=motion,
        before=MotionStatus.CERTIFIED,
        after=MotionStatus.PUBLISHED,
        stamp="published_at",
        action="motion.publish",
    )


def motions_advance(*, actor: Actor, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Open tabled motions whose time has come and close those whose time is up (beat task)."""
    now = now or timezone.now()
    done: dict[str, list[str]] = {"opened": [], "closed": []}
    for motion in Motion.objects.filter(
        status=MotionStatus.TABLED, opens_at__lte=now, closes_at__gt=now
    ):
        try:
            done["opened"].append(motion_open(actor=actor, motion=motion).reference)
        except (Conflict, NotAllowed):
            continue  # recorded nowhere new: the secretary sees it still tabled and why on opening by hand
    for motion in Motion.objects.filter(status=MotionStatus.VOTING_OPEN, closes_at__lte=now):
        done["closed"].append(motion_close(actor=actor, motion=motion).reference)
    return done

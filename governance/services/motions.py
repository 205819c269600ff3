"""A motion's lifecycle: draft → tabled → voting open → voting closed → certified → published."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.actors import Actor
from core.audit import audit_record, changed, snapshot
from core.bounds import check_datetime
from core.clock import facility_date, facility_today
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.permissions import require_fresh_mfa
from core.validators import clean_or_fail
from governance import permissions, rules, selectors
from governance.chain import canonical, sha256_hex
from governance.models import (
    TIGHTENING,
    Ballot,
    ContributionShare,
    Council,
    ElectorateSnapshot,
    Escalation,
    MemberStatus,
    Motion,
    MotionDocument,
    MotionKind,
    MotionStatus,
    Procedure,
    ProjectStatus,
    ProxyGrant,
    Recusal,
    ResearchProject,
    RuleVariant,
    VoteReminder,
    VotingRightsSuspension,
    VotingRulePolicy,
)
from governance.selectors import rule_for
from governance.services.ballots import resolve_tags, states_voted
from governance.services.decision_log import statement_record
from governance.services.projects import project_status_change
from governance.signals import decision_certified

EDITABLE_FIELDS = (
    "title",
    "title_translations",
    "text",
    "opens_at",
    "closes_at",
    "secret",
    "procedure",
    "gpu_hours",
)


def _council_abbreviation(council: Council) -> str:
    return "".join(part[0] for part in council.code.split("-") if part).upper()


def _parse_rule(data: dict[str, Any]) -> rules.VotingRule:
    try:
        return rules.VotingRule.from_dict(data)
    except (rules.RuleError, KeyError, TypeError) as exc:
        raise ValidationFailed(
            _("The voting rule is not valid: %(why)s") % {"why": exc}, field="rule"
        ) from exc


def _check_times(motion: Motion) -> None:
    """Voting opens and closes within a year back and five years ahead of today (settings)."""
    now = timezone.now()
    earliest = now - dt.timedelta(days=settings.MOTION_WINDOW_DAYS_BACK)
    latest = now + dt.timedelta(days=settings.MOTION_WINDOW_DAYS_AHEAD)
    for name in ("opens_at", "closes_at"):
        check_datetime(getattr(motion, name), field=name, earliest=earliest, latest=latest)


def _check_window(motion: Motion) -> None:
    hours = (motion.closes_at - motion.opens_at) / dt.timedelta(hours=1)
    if motion.procedure == Procedure.WRITTEN and hours > settings.WRITTEN_PROCEDURE_MAX_HOURS:
        raise ValidationFailed(
            _("The written procedure runs for at most %(h)d hours.")
            % {"h": settings.WRITTEN_PROCEDURE_MAX_HOURS},
            field="closes_at",
        )
    if motion.procedure == Procedure.ORDINARY and hours < settings.ORDINARY_MIN_VOTING_HOURS:
        raise ValidationFailed(
            _(
                "An ordinary vote stays open at least %(h)d hours; use the emergency written procedure for less."
            )
            % {"h": settings.ORDINARY_MIN_VOTING_HOURS},
            field="closes_at",
        )


def _check_rule_fits(motion: Motion) -> None:
    rule = _parse_rule(motion.rule)
    weighted = rule.kind in (
        rules.RuleKind.DOUBLE_MAJORITY,
        rules.RuleKind.WEIGHTED_DOUBLE_MAJORITY,
    )
    if motion.secret and weighted:
        # A weighted result needs to know which state voted yes; a secret ballot hides it.
        raise ValidationFailed(
            _("A secret ballot cannot be counted under a weighted rule; use a roll-call vote."),
            field="secret",
        )
    if motion.procedure == Procedure.WRITTEN and rule.quorum is None:
        motion.rule = rule.with_quorum(Fraction(settings.WRITTEN_PROCEDURE_QUORUM)).to_dict()


@transaction.atomic
def rule_policy_set(
    *, actor: Actor, council: Council, motion_kind: str, rule: dict[str, Any], variant: str = ""
) -> VotingRulePolicy:
    """Choose the rule a council applies to one kind (and variant) of motion from now on."""
    permissions.check_run_votes(actor, council)
    parsed = _parse_rule(rule)
    policy, _created = VotingRulePolicy.objects.update_or_create(
        council=council,
        motion_kind=motion_kind,
        variant=variant,
        defaults={"rule": parsed.to_dict()},
    )
    audit_record(actor=actor, action="rule_policy.set", target=policy, after={"rule": policy.rule})
    return policy


@transaction.atomic
def motion_create(
    *,
    actor: Actor,
    council: Council,
    kind: str,
    title: str,
    text: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    secret: bool = False,
    procedure: str = Procedure.ORDINARY,
    project: ResearchProject | None = None,
    gpu_hours: int | None = None,
    rule: dict[str, Any] | None = None,
    escalation: Escalation | None = None,
    safety_measure: str = "",
    safety_level: int | None = None,
    title_translations: dict[str, str] | None = None,
) -> Motion:
    """Draft a motion for a council; the rule comes from the council's policy unless given."""
    permissions.check_run_votes(actor, council)
    if kind == MotionKind.PROJECT_APPROVAL:
        if project is None:
            raise ValidationFailed(
                _("A project-approval motion names its project."), field="project"
            )
        if project.status != ProjectStatus.PROPOSED:
            raise ValidationFailed(
                _("Only a proposed project can be put to the vote."), field="project"
            )
        gpu_hours = gpu_hours or project.gpu_hours_requested
    variant = ""
    if safety_measure:
        variant = RuleVariant.TIGHTEN if safety_measure in TIGHTENING else RuleVariant.LOOSEN
    # Locking the council serialises the reference numbers of its motions.
    Council.objects.select_for_update().filter(pk=council.pk).first()
    year = facility_today().year
    prefix = f"{_council_abbreviation(council)}/{year}/"
    number = Motion.objects.filter(reference__startswith=prefix).count() + 1
    motion = Motion(
        reference=f"{prefix}{number:03d}",
        council=council,
        kind=kind,
        title=title,
        title_translations=title_translations or {},
        text=text,
        opens_at=opens_at,
        closes_at=closes_at,
        secret=secret,
        procedure=procedure,
        project=project,
        gpu_hours=gpu_hours,
        rule=_parse_rule(rule).to_dict()
        if rule is not None
        else rule_for(council, kind, variant).to_dict(),
        created_by=actor.user,
        escalation=escalation,
        safety_measure=safety_measure,
        safety_level=safety_level,
    )
    _check_times(motion)
    clean_or_fail(motion)
    _check_window(motion)
    _check_rule_fits(motion)
    motion.save()
    audit_record(
        actor=actor,
        action="motion.create",
        target=motion,
        after=snapshot(
            motion,
            [
                "reference",
                "kind",
                "title",
                "title_translations",
                "rule",
                "opens_at",
                "closes_at",
                "secret",
                "procedure",
            ],
        ),
    )
    return motion


def _lock(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",))
        .select_related("council", "project")
        .get(pk=motion.pk)
    )


def _require_status(motion: Motion, *allowed: str) -> None:
    if motion.status not in allowed:
        raise Conflict(
            _("Motion %(ref)s is %(status)s; this needs it to be %(allowed)s.")
            % {
                "ref": motion.reference,
                "status": motion.get_status_display(),
                "allowed": _(" or ").join(str(MotionStatus(a).label) for a in allowed),
            }
        )


@transaction.atomic
def motion_update(*, actor: Actor, motion: Motion, **values: Any) -> Motion:
    """Change a draft motion's text, times or form; once tabled it is fixed."""
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, MotionStatus.DRAFT)
    unknown = set(values) - set(EDITABLE_FIELDS) - {"rule"}
    if unknown:
        raise ValidationFailed(_("This cannot be changed."), field=sorted(unknown)[0])
    before = snapshot(locked)
    for name, value in values.items():
        setattr(locked, name, _parse_rule(value).to_dict() if name == "rule" else value)
    if "opens_at" in values or "closes_at" in values:
        _check_times(locked)
    clean_or_fail(locked)
    _check_window(locked)
    _check_rule_fits(locked)
    locked.save()
    old, new = changed(before, snapshot(locked))
    if new:
        audit_record(actor=actor, action="motion.update", target=locked, before=old, after=new)
    return locked


@transaction.atomic
def motion_document_add(
    *, actor: Actor, motion: Motion, title: str, file: UploadedFile
) -> MotionDocument:
    """Attach a document to a motion before its vote opens."""
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, MotionStatus.DRAFT, MotionStatus.TABLED)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    document = MotionDocument(
        motion=locked,
        title=title or (file.name or "document"),
        file=file,
        sha256=digest.hexdigest(),
        size=file.size or 0,
        uploaded_by=actor.user,
    )
    clean_or_fail(document)
    document.save()
    audit_record(
        actor=actor,
        action="motion.document_add",
        target=locked,
        after={"title": document.title, "sha256": document.sha256},
    )
    return document


def _step(
    *, actor: Actor, motion: Motion, before: str, after: str, stamp: str, action: str
) -> Motion:
    """One plain move of the lifecycle: check, move, stamp the time, audit."""
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, before)
    locked.status = after
    setattr(locked, stamp, timezone.now())
    locked.save(update_fields=["status", stamp])
    audit_record(
        actor=actor,
        action=action,
        target=locked,
        before={"status": before},
        after={"status": after},
    )
    return locked


@transaction.atomic
def motion_table(*, actor: Actor, motion: Motion) -> Motion:
    """Put a draft on the council's agenda; its text and rule are fixed from now on."""
    return _step(
        actor=actor, motion=motion, before=MotionStatus.DRAFT, after=MotionStatus.TABLED,
        stamp="tabled_at", action="motion.table",
    )  # fmt: skip


@transaction.atomic
def motion_withdraw(*, actor: Actor, motion: Motion, reason: str) -> Motion:
    """Withdraw a motion before its vote opens."""
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, MotionStatus.DRAFT, MotionStatus.TABLED)
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the withdrawal."), field="reason")
    old = locked.status
    locked.status = MotionStatus.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.withdrawal_reason = reason
    locked.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    audit_record(
        actor=actor,
        action="motion.withdraw",
        target=locked,
        before={"status": old},
        after={"status": "withdrawn"},
        reason=reason,
    )
    return locked


def _share_of(shares: dict[int, ContributionShare], state_id: int) -> str:
    row = shares.get(state_id)
    return str(Fraction(row.share)) if row else "0"


def freeze_electorate(motion: Motion, now: dt.datetime) -> ElectorateSnapshot:
    """Who may vote, as of now: seated, not suspended; with recusals, proxies and weights."""
    day = facility_date(now)
    seats = list(selectors.seat_list(council=motion.council, on=day))
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
    voters = {
        s.member_state_id: s.member_state
        for s in seats
        if s.member_state_id not in suspended and s.member_state_id not in non_voting
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
            "share": _share_of(shares, state_id),
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
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, MotionStatus.TABLED)
    now = timezone.now()
    if now >= locked.closes_at:
        raise Conflict(
            _("The closing time has passed; change it before opening the vote."), field="closes_at"
        )
    snapshot_ = freeze_electorate(locked, now)
    if not any(not e["recused"] for e in snapshot_.entries["electors"]):
        raise Conflict(_("Nobody could vote: no seated state has voting rights."))
    locked.status = MotionStatus.VOTING_OPEN
    locked.opened_at = now
    if locked.opens_at > now:
        locked.opens_at = (
            now  # opened early by the secretary: the record shows when it really opened
        )
    locked.secret_key = secrets.token_bytes(32) if locked.secret else None
    locked.save(update_fields=["status", "opened_at", "opens_at", "secret_key"])
    audit_record(
        actor=actor,
        action="motion.open",
        target=locked,
        before={"status": "tabled"},
        after={
            "status": "voting_open",
            "electorate_sha256": snapshot_.sha256,
            "electors": len(snapshot_.entries["electors"]),
        },
    )
    return locked


def electors_of(snapshot_: ElectorateSnapshot) -> list[rules.Elector]:
    return [
        rules.Elector(
            state=e["state"],
            population=e["population"],
            contribution_share=Fraction(e["share"]),
            recused=e["recused"],
        )
        for e in snapshot_.entries["electors"]
    ]


def count(motion: Motion, current: Iterable[Ballot]) -> rules.Tally:
    """The tally of a motion from its current ballots (tags already resolved to states)."""
    electors = electors_of(motion.electorate)
    choices = {b.tag: rules.Choice(b.choice) for b in current}
    return rules.evaluate(rules.VotingRule.from_dict(motion.rule), electors, choices)


@transaction.atomic
def motion_close(*, actor: Actor, motion: Motion) -> Motion:
    """Close the vote and count it; a secret ballot's key is erased here."""
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    _require_status(locked, MotionStatus.VOTING_OPEN)
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
    locked = _lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_fresh_mfa(actor)
    _require_status(locked, MotionStatus.VOTING_CLOSED)
    assert locked.tally is not None  # noqa: S101 - set when the vote closed
    locked.outcome = locked.tally["outcome"]
    locked.status = MotionStatus.CERTIFIED
    locked.certified_at = timezone.now()
    locked.certified_by = actor.user
    locked.save(update_fields=["outcome", "status", "certified_at", "certified_by"])
    if locked.kind == MotionKind.SAFETY_ESCALATION and locked.safety_measure:
        from governance.services.safety import carry_out

        carry_out(actor=actor, motion=locked)
    if locked.kind == MotionKind.PROJECT_APPROVAL and locked.project is not None:
        to = ProjectStatus.APPROVED if locked.outcome == "adopted" else ProjectStatus.REJECTED
        project_status_change(
            actor=actor,
            project=locked.project,
            to=to,
            motion=locked,
            reason=locked.tally["summary"],
        )
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
    return _step(
        actor=actor, motion=motion, before=MotionStatus.CERTIFIED, after=MotionStatus.PUBLISHED,
        stamp="published_at", action="motion.publish",
    )  # fmt: skip


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


def vote_reminders_send(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind delegations that have not voted, 24 h and 1 h before closing; each once."""
    now = now or timezone.now()
    sent = 0
    # A suspension takes effect at once: nobody is reminded of a vote they may no longer cast.
    suspended = selectors.states_suspended()
    for motion in Motion.objects.filter(
        status=MotionStatus.VOTING_OPEN, closes_at__gt=now
    ).select_related("council", "electorate"):
        left = motion.closes_at - now
        kinds = [f"{h}h" for h in settings.VOTE_REMINDER_HOURS if left <= dt.timedelta(hours=h)]
        if not kinds:
            continue
        voted = states_voted(motion)
        for entry in motion.electorate.entries["electors"]:
            if entry["recused"] or entry["state"] in voted:
                continue
            voter_state = entry["proxy_holder"] or entry["state"]
            if entry["state"] in suspended or voter_state in suspended:
                continue
            sent += _remind(actor, motion, entry["state"], voter_state, kinds[-1])
    return sent


@transaction.atomic
def _remind(actor: Actor, motion: Motion, state_code: str, voter_state: str, kind: str) -> int:
    from governance.models import MemberState

    state = MemberState.objects.get(code=state_code)
    # The shortest reminder due is sent; longer ones that were missed are not sent late.
    if VoteReminder.objects.filter(motion=motion, member_state=state, kind=kind).exists():
        return 0
    VoteReminder.objects.create(motion=motion, member_state=state, kind=kind)
    delegates = selectors.accreditation_list(
        council=motion.council, on=facility_today(), approved_only=True
    ).filter(member_state__code=voter_state, role__in=["head", "delegate", "alternate"])
    recipients = [(a.user.email, a.user.preferred_language) for a in delegates if a.user.email]
    audit_record(
        actor=actor,
        action="vote.reminder",
        target=motion,
        after={"state": state_code, "kind": kind, "to": [r[0] for r in recipients]},
    )
    closes = motion.closes_at

    def send() -> None:
        for email, language in recipients:
            with translation.override(language):
                subject = _("Reminder: vote on %(ref)s closes at %(when)s") % {
                    "ref": motion.reference,
                    "when": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M %Z"),
                }
                body = _(
                    "%(state)s has not yet voted on %(ref)s, “%(title)s”. Voting closes at %(when)s."
                ) % {
                    "state": state_code,
                    "ref": motion.reference,
                    "title": motion.title,
                    "when": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M %Z"),
                }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)

    transaction.on_commit(send)
    return 1

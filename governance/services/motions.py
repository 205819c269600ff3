"""A motion's drafting: the rule a council applies, a draft, its documents, tabling, withdrawal.

What follows tabling (the electorate, the vote, the count, certification, publication) is in
:mod:`governance.services.voting`; the reminders to delegations that have not voted are in
:mod:`governance.services.reminders`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, changed, snapshot
from core.bounds import check_datetime
from core.clock import facility_today
from core.errors import ValidationFailed
from core.validators import clean_or_fail
from governance import permissions, rules
from governance.models import (
    TIGHTENING,
    Council,
    Escalation,
    Motion,
    MotionDocument,
    MotionKind,
    MotionStatus,
    Procedure,
    Programme,
    ProjectStatus,
    ResearchProject,
    RuleVariant,
    VotingRulePolicy,
)
from governance.selectors import rule_for
from governance.services.lifecycle import lock, require_status, step

EDITABLE_FIELDS = (
    "title",
    "title_translations",
    "text",
    "opens_at",
    "closes_at",
    "secret",
    "procedure",
    "gpu_hours",
    "programme",
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
    # A secret vote may use any rule, weighted ones too: its encrypted ballots are summed
    # under the rule's public weights and only the totals are decrypted (issue 16).
    rule = _parse_rule(motion.rule)
    if motion.procedure == Procedure.WRITTEN and rule.quorum is None:
        motion.rule = rule.with_quorum(Fraction(settings.WRITTEN_PROCEDURE_QUORUM)).to_dict()
    silence = rules.VotingRule.silence()
    if motion.procedure == Procedure.SILENCE:
        # The procedure is the rule: adopted unless a member objects (votes no) by the deadline.
        motion.rule = silence.to_dict()
        if motion.secret:
            raise ValidationFailed(
                _("A silence procedure is not secret: an objection is made openly."),
                field="secret",
            )
    elif rule.kind is rules.RuleKind.SILENCE:
        raise ValidationFailed(
            _("The silence rule goes with the silence procedure; choose that procedure."),
            field="procedure",
        )


def _check_programme(motion: Motion) -> None:
    """A programme's matter is decided by the council the programme names."""
    programme = motion.programme
    if programme is not None and programme.council_id != motion.council_id:
        raise ValidationFailed(
            _("The programme %(code)s is decided by the %(council)s, not this council.")
            % {"code": programme.code, "council": programme.council.name},
            field="programme",
        )


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
    programme: Programme | None = None,
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
        programme=programme,
    )
    _check_times(motion)
    clean_or_fail(motion)
    _check_window(motion)
    _check_rule_fits(motion)
    _check_programme(motion)
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
                "programme",
            ],
        ),
    )
    return motion


@transaction.atomic
def motion_update(*, actor: Actor, motion: Motion, **values: Any) -> Motion:
    """Change a draft motion's text, times or form; once tabled it is fixed."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, MotionStatus.DRAFT)
    unknown = set(values) - set(EDITABLE_FIELDS) - {"rule"}
    if unknown:
        raise ValidationFailed(_("This cannot be changed."), field=sorted(unknown)[0])
    before = snapshot(locked)
    for name, value in values.items():
        setattr(locked, name, _parse_rule(value).to_dict() if name == "rule" else value)
    leaving_silence = (
        before["procedure"] == Procedure.SILENCE and locked.procedure != Procedure.SILENCE
    )
    if leaving_silence and "rule" not in values:
        # The silence rule came with the procedure; without it, the council's rule applies.
        locked.rule = rule_for(locked.council, locked.kind).to_dict()
    if "opens_at" in values or "closes_at" in values:
        _check_times(locked)
    clean_or_fail(locked)
    _check_window(locked)
    _check_rule_fits(locked)
    _check_programme(locked)
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
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, MotionStatus.DRAFT, MotionStatus.TABLED)
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


@transaction.atomic
def motion_table(*, actor: Actor, motion: Motion) -> Motion:
    """Put a draft on the council's agenda; its text and rule are fixed from now on."""
    return step(
        actor=actor,
        motion=motion,
        before=MotionStatus.DRAFT,
        after=MotionStatus.TABLED,
        stamp="tabled_at",
        action="motion.table",
    )


@transaction.atomic
def motion_withdraw(*, actor: Actor, motion: Motion, reason: str) -> Motion:
    """Withdraw a motion before its vote opens."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, MotionStatus.DRAFT, MotionStatus.TABLED)
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

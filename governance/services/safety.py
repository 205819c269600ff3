"""Safety escalations: raising one, the chair's interim freeze and its lapse, the vote that decides,
and carrying the decision out (level change, freeze, suspension, termination)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.clock import facility_today
from core.errors import Conflict, ValidationFailed
from core.permissions import require_fresh_mfa
from governance import permissions, selectors
from governance.decisions import decision_handler
from governance.models import (
    Council,
    CouncilKind,
    Escalation,
    EscalationEvidence,
    EscalationStatus,
    FreezeStatus,
    InterimFreeze,
    Motion,
    MotionKind,
    ProjectStatus,
    Recusal,
    ResearchProject,
    SafetyDecision,
    SafetyMeasure,
)
from governance.services.motions import motion_create
from governance.services.projects import project_status_change
from governance.signals import compute_freeze_ordered, compute_unfreeze_ordered

FROZEN_BY = (SafetyMeasure.FREEZE, SafetyMeasure.SUSPEND, SafetyMeasure.TERMINATE)


def _on_commit_freeze(
    project_ids: list[int],
    reason: str,
    reference: str,
    *,
    freeze: bool,
    authority: str,
    ordered_by: str = "",
) -> None:
    """Tell compute on commit; ``authority`` is "interim" (the chair, or its lapse) or "decision"."""
    signal = compute_freeze_ordered if freeze else compute_unfreeze_ordered
    transaction.on_commit(
        lambda: signal.send(
            sender=Escalation,
            project_ids=project_ids,
            reason=reason,
            reference=reference,
            authority=authority,
            ordered_by=ordered_by,
        )
    )


@transaction.atomic
def escalation_raise(
    *,
    actor: Actor,
    projects: Sequence[ResearchProject],
    severity: str,
    confidential_account: str,
    public_summary: str,
    proposed_measure: str,
    proposed_level: int | None = None,
    evidence: Sequence[tuple[str, UploadedFile]] = (),
) -> Escalation:
    """A safety officer or a Safety Board delegate raises a concern about projects."""
    permissions.check_raise_escalation(actor)
    assert actor.user is not None  # noqa: S101 - a person raised it
    if not projects:
        raise ValidationFailed(_("Name at least one project."), field="projects")
    if (
        proposed_measure in (SafetyMeasure.RAISE_LEVEL, SafetyMeasure.LOWER_LEVEL)
        and proposed_level is None
    ):
        raise ValidationFailed(
            _("Say which level the project should move to."), field="proposed_level"
        )
    year = facility_today().year
    last = (
        Escalation.objects.select_for_update()
        .filter(reference__startswith=f"SE/{year}/")
        .order_by("-reference")
        .first()
    )
    number = int(last.reference.rsplit("/", 1)[1]) + 1 if last else 1
    escalation = Escalation(
        reference=f"SE/{year}/{number:03d}",
        severity=severity,
        confidential_account=confidential_account,
        reporter=actor.user,
        public_summary=public_summary,
        proposed_measure=proposed_measure,
        proposed_level=proposed_level,
    )
    escalation.full_clean()
    escalation.save()
    escalation.projects.set(projects)
    for title, file in evidence:
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        EscalationEvidence.objects.create(
            escalation=escalation,
            title=title,
            file=file,
            sha256=digest.hexdigest(),
            uploaded_by=actor.user,
        )
    # The audit row holds the public facts only; the confidential account stays in its table.
    audit_record(
        actor=actor,
        action="escalation.raise",
        target=escalation,
        after={
            "reference": escalation.reference,
            "severity": severity,
            "measure": proposed_measure,
            "projects": [p.code for p in projects],
            "evidence_files": len(evidence),
        },
    )
    return escalation


def escalation_read_confidential(*, actor: Actor, escalation: Escalation) -> dict[str, object]:
    """The confidential part, for those entitled; every read is recorded in the audit trail."""
    permissions.check_read_confidential(actor)
    with transaction.atomic():
        audit_record(actor=actor, action="escalation.confidential_read", target=escalation)
    return {
        "confidential_account": escalation.confidential_account,
        "reporter": escalation.reporter.get_username(),
        "evidence": list(escalation.evidence.all()),
    }


@transaction.atomic
def interim_freeze_order(*, actor: Actor, escalation: Escalation) -> InterimFreeze:
    """The chair freezes the projects at once; the sync reaches the scheduler on commit."""
    permissions.check_order_interim_freeze(actor)
    require_fresh_mfa(actor)
    assert actor.user is not None  # noqa: S101
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if InterimFreeze.objects.filter(escalation=locked, status=FreezeStatus.ACTIVE).exists():
        raise Conflict(
            _("An interim freeze for %(ref)s is already in force.") % {"ref": locked.reference}
        )
    now = timezone.now()
    freeze = InterimFreeze.objects.create(
        escalation=locked,
        ordered_by=actor.user,
        ordered_at=now,
        lapses_at=now + dt.timedelta(hours=settings.INTERIM_FREEZE_HOURS),
    )
    project_ids = list(locked.projects.values_list("pk", flat=True))
    audit_record(
        actor=actor,
        action="escalation.interim_freeze",
        target=locked,
        after=snapshot(freeze, ["ordered_at", "lapses_at", "status"]),
    )
    _on_commit_freeze(
        project_ids,
        f"interim freeze {locked.reference}",
        locked.reference,
        freeze=True,
        authority="interim",
        ordered_by=actor.label,
    )
    return freeze


def interim_freezes_lapse(*, actor: Actor, now: dt.datetime | None = None) -> list[str]:
    """Let unconfirmed freezes lapse when their time is up (beat task); each lapse is recorded."""
    now = now or timezone.now()
    lapsed = []
    for freeze in InterimFreeze.objects.filter(status=FreezeStatus.ACTIVE, lapses_at__lte=now):
        with transaction.atomic():
            locked = (
                InterimFreeze.objects.select_for_update()
                .select_related("escalation")
                .get(pk=freeze.pk)
            )
            if locked.status != FreezeStatus.ACTIVE:
                continue
            locked.status = FreezeStatus.LAPSED
            locked.ended_at = now
            locked.save(update_fields=["status", "ended_at"])
            audit_record(
                actor=actor,
                action="escalation.interim_freeze_lapse",
                target=locked.escalation,
                after={"status": "lapsed"},
            )
            free = [
                p.pk
                for p in locked.escalation.projects.all()
                if not selectors.project_still_frozen(p, except_freeze=locked)
            ]
            if free:
                _on_commit_freeze(
                    free,
                    f"interim freeze {locked.escalation.reference} lapsed",
                    locked.escalation.reference,
                    freeze=False,
                    authority="interim",
                )
            lapsed.append(locked.escalation.reference)
    return lapsed


def safety_motion_create(
    *,
    actor: Actor,
    escalation: Escalation,
    measure: str,
    level: int | None,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    procedure: str = "ordinary",
    text: str = "",
) -> Motion:
    """Put a measure to the Safety Board's vote, with the bar its direction calls for."""
    if measure not in SafetyMeasure.values:
        raise ValidationFailed(_("Unknown measure."), field="measure")
    if measure in (SafetyMeasure.RAISE_LEVEL, SafetyMeasure.LOWER_LEVEL) and level is None:
        raise ValidationFailed(_("Say which level to set."), field="level")
    board = selectors.safety_board_get()
    if board is None:
        raise Conflict(_("There is no Safety Board."))
    projects = list(escalation.projects.select_related("host_state"))
    title = _("%(measure)s: %(projects)s (%(ref)s)") % {
        "measure": capfirst(str(SafetyMeasure(measure).label)),
        "projects": ", ".join(p.code for p in projects),
        "ref": escalation.reference,
    }
    motion = motion_create(
        actor=actor,
        council=board,
        kind=MotionKind.SAFETY_ESCALATION,
        title=str(title)[:300],
        text=text or escalation.public_summary,
        opens_at=opens_at,
        closes_at=closes_at,
        procedure=procedure,
        escalation=escalation,
        safety_measure=measure,
        safety_level=level,
    )
    if settings.SAFETY_RECUSE_HOST_NATION:
        seated = {
            s.member_state_id for s in selectors.seat_list(council=board, on=selectors.today())
        }
        for state in {p.host_state for p in projects}:
            if (
                state.pk in seated
                and not Recusal.objects.filter(motion=motion, member_state=state).exists()
            ):
                Recusal.objects.create(
                    motion=motion,
                    member_state=state,
                    reason=_("host nation of the project"),
                    declared_by=actor.label,
                )
                audit_record(
                    actor=actor,
                    action="recusal.declare",
                    target=motion,
                    after={"state": state.code, "reason": "host nation"},
                )
    return motion


@decision_handler(MotionKind.SAFETY_ESCALATION)
def carry_out(*, actor: Actor, motion: Motion) -> list[SafetyDecision]:
    """Apply a certified safety vote to each project; called inside motion_certify's transaction."""
    if not motion.safety_measure:
        return []  # a safety motion without a measure decides nothing to carry out
    escalation = motion.escalation
    measure = motion.safety_measure
    adopted = motion.outcome == "adopted"
    decisions = []
    review_on = facility_today() + dt.timedelta(days=30 * settings.SAFETY_REVIEW_MONTHS)
    projects = (
        list(escalation.projects.all())
        if escalation
        else ([motion.project] if motion.project else [])
    )
    active_freeze = (
        InterimFreeze.objects.select_for_update()
        .filter(escalation=escalation, status=FreezeStatus.ACTIVE)
        .first()
        if escalation
        else None
    )
    to_freeze: list[int] = []
    to_unfreeze: list[int] = []
    for project in projects:
        locked = ResearchProject.objects.select_for_update().get(pk=project.pk)
        decision = SafetyDecision.objects.create(
            motion=motion, escalation=escalation, project=locked, measure=measure, from_level=locked.safety_level,
            to_level=motion.safety_level, adopted=adopted, review_on=review_on if adopted else None,
        )  # fmt: skip
        decisions.append(decision)
        if not adopted:
            continue
        if (
            measure in (SafetyMeasure.RAISE_LEVEL, SafetyMeasure.LOWER_LEVEL)
            and motion.safety_level
        ):
            before = locked.safety_level
            locked.safety_level = motion.safety_level
            locked.save(update_fields=["safety_level"])
            audit_record(
                actor=actor,
                action="project.safety_level",
                target=locked,
                before={"safety_level": before},
                after={"safety_level": locked.safety_level, "motion": motion.reference},
            )
        elif measure == SafetyMeasure.FREEZE:
            to_freeze.append(locked.pk)
        elif measure == SafetyMeasure.SUSPEND and locked.status in (
            ProjectStatus.APPROVED,
            ProjectStatus.ACTIVE,
        ):
            project_status_change(
                actor=actor,
                project=locked,
                to=ProjectStatus.SUSPENDED,
                motion=motion,
                reason=measure,
            )
            to_freeze.append(locked.pk)
        elif measure == SafetyMeasure.TERMINATE and locked.status != ProjectStatus.ENDED:
            project_status_change(
                actor=actor, project=locked, to=ProjectStatus.ENDED, motion=motion, reason=measure
            )
            to_freeze.append(locked.pk)
        elif measure == SafetyMeasure.REOPEN and locked.status == ProjectStatus.SUSPENDED:
            project_status_change(
                actor=actor, project=locked, to=ProjectStatus.ACTIVE, motion=motion, reason=measure
            )
            to_unfreeze.append(locked.pk)
        elif measure == SafetyMeasure.UNFREEZE:
            to_unfreeze.append(locked.pk)
    if active_freeze is not None:
        # The vote on the interim freeze settles it either way.
        confirmed = adopted and measure in FROZEN_BY
        active_freeze.status = FreezeStatus.CONFIRMED if confirmed else FreezeStatus.LIFTED
        active_freeze.ended_at = None if confirmed else timezone.now()
        active_freeze.motion = motion
        active_freeze.save(update_fields=["status", "ended_at", "motion"])
        audit_record(
            actor=actor,
            action="escalation.interim_freeze_" + ("confirm" if confirmed else "lift"),
            target=escalation,
            after={"motion": motion.reference},
        )
        if not confirmed:
            to_unfreeze += [
                p.pk
                for p in projects
                if not selectors.project_still_frozen(p, except_freeze=active_freeze)
            ]
    if adopted and measure == SafetyMeasure.UNFREEZE and escalation is not None:
        # Lifting a confirmed freeze.
        InterimFreeze.objects.filter(
            escalation__projects__in=projects, status=FreezeStatus.CONFIRMED
        ).update(status=FreezeStatus.LIFTED, ended_at=timezone.now())
    if escalation is not None:
        Escalation.objects.filter(pk=escalation.pk).update(status=EscalationStatus.DECIDED)
    reference = motion.reference
    if to_freeze:
        _on_commit_freeze(
            sorted(set(to_freeze)),
            f"{measure} by {reference}",
            reference,
            freeze=True,
            authority="decision",
            ordered_by=motion.council.code,
        )
    if to_unfreeze:
        _on_commit_freeze(
            sorted(set(to_unfreeze)),
            f"{measure} by {reference}",
            reference,
            freeze=False,
            authority="decision",
        )
    return decisions


def _mail(subject: str, recipients: list[str]) -> None:
    send_mail(subject, subject, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)


def safety_reviews_remind(*, actor: Actor, today: dt.date | None = None) -> int:
    """Remind the Safety Board of decisions due for review (beat task); once each."""
    today = today or facility_today()
    due = SafetyDecision.objects.filter(
        adopted=True, review_on__lte=today, review_reminded_at__isnull=True
    ).select_related("motion", "project")
    board = Council.objects.filter(kind=CouncilKind.SAFETY_BOARD).first()
    if board is None:
        return 0
    recipients = [
        a.user.email
        for a in selectors.accreditation_list(council=board, on=today, approved_only=True)
        if a.user.email
    ]
    count = 0
    for decision in due:
        with transaction.atomic():
            SafetyDecision.objects.filter(pk=decision.pk).update(review_reminded_at=timezone.now())
            audit_record(
                actor=actor,
                action="safety_decision.review_reminder",
                target=decision.motion,
                after={"project": decision.project.code},
            )
            subject = _("Safety review due: %(project)s (%(ref)s)") % {
                "project": decision.project.code,
                "ref": decision.motion.reference,
            }
            transaction.on_commit(partial(_mail, str(subject), recipients))
        count += 1
    return count

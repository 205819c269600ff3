"""Reads of safety escalations and the safety levels of projects."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from core.models import User
from governance import registry, wording
from governance.models import (
    TIGHTENING,
    Council,
    CouncilKind,
    Escalation,
    EscalationStatus,
    FreezeStatus,
    InterimFreeze,
    Motion,
    MotionStatus,
    ProjectStatus,
    ResearchProject,
    RuleVariant,
    SafetyDecision,
    SafetyLevel,
    SafetyMeasure,
)
from governance.selectors.membership import council_secretaries
from governance.selectors.motions import rule_for


def projects_under_escalation_for_user(*, user: User) -> QuerySet[ResearchProject]:
    """Projects under an escalation not yet closed that `user` leads or is a member of.

    Leads are governance's own facts; members come from the apps that keep them (compute
    registers its project members in :mod:`governance.registry`).
    """
    member_of = registry.project_ids_of_member(user)
    return (
        ResearchProject.objects.filter(
            escalations__status__in=[EscalationStatus.RAISED, EscalationStatus.DECIDED]
        )
        .filter(Q(lead=user) | Q(pk__in=member_of))
        .distinct()
        .order_by("code")
    )


def escalations_public() -> QuerySet[Escalation]:
    """Escalations with their public facts only (never select the confidential columns)."""
    return (
        Escalation.objects.only(
            "id",
            "reference",
            "severity",
            "public_summary",
            "proposed_measure",
            "proposed_level",
            "status",
            "raised_at",
        )
        .prefetch_related("projects", "decisions__motion")
        .order_by("-raised_at")
    )


def projects_with_levels() -> QuerySet[ResearchProject]:
    return (
        ResearchProject.objects.exclude(status__in=["proposed", "rejected"])
        .select_related("host_state")
        .order_by("code")
    )


@dataclass(frozen=True)
class EscalationOutlook:
    """What happens next with an escalation, and who acts: the panel on its page."""

    board: Council | None
    chair: User | None
    secretaries: tuple[User, ...]
    tightening: bool
    rule_in_words: str
    freeze_hours: int
    review_months: int
    recused_hosts: tuple[str, ...]
    active_freeze: InterimFreeze | None
    live_motions: tuple[Motion, ...]


def escalation_outlook(escalation: Escalation) -> EscalationOutlook:
    """Who decides an escalation, under which bar, and by when (from the rules and settings)."""
    board = safety_board_get()
    tightening = escalation.proposed_measure in TIGHTENING
    rule = (
        wording.rule_in_words(
            rule_for(
                board,
                "safety_escalation",
                RuleVariant.TIGHTEN if tightening else RuleVariant.LOOSEN,
            )
        )
        if board
        else ""
    )
    hosts = (
        tuple(sorted({p.host_state.code for p in escalation.projects.select_related("host_state")}))
        if settings.SAFETY_RECUSE_HOST_NATION
        else ()
    )
    return EscalationOutlook(
        board=board,
        chair=board.chair if board else None,
        secretaries=tuple(council_secretaries(board)) if board else (),
        tightening=tightening,
        rule_in_words=rule,
        freeze_hours=settings.INTERIM_FREEZE_HOURS,
        review_months=settings.SAFETY_REVIEW_MONTHS,
        recused_hosts=hosts,
        active_freeze=InterimFreeze.objects.filter(
            escalation=escalation, status=FreezeStatus.ACTIVE
        ).first(),
        live_motions=tuple(
            escalation.motions.exclude(status=MotionStatus.WITHDRAWN).order_by("-created_at")
        ),
    )


def safety_board_get() -> Council | None:
    """The Safety Board, with its chair; None if the facility has none yet."""
    return Council.objects.filter(kind=CouncilKind.SAFETY_BOARD).select_related("chair").first()


def project_still_frozen(
    project: ResearchProject, *, except_freeze: InterimFreeze | None = None
) -> bool:
    """Whether a freeze (interim or decided), other than ``except_freeze``, still holds the project."""
    active = InterimFreeze.objects.filter(
        escalation__projects=project, status__in=[FreezeStatus.ACTIVE, FreezeStatus.CONFIRMED]
    )
    if except_freeze is not None:
        active = active.exclude(pk=except_freeze.pk)
    if active.exists() or project.status in (ProjectStatus.SUSPENDED, ProjectStatus.ENDED):
        return True
    # A freeze the Board decided without an interim order holds until the Board unfreezes: the
    # lapse of another escalation's interim order must not lift it.
    last = (
        SafetyDecision.objects.filter(
            project=project,
            adopted=True,
            measure__in=[SafetyMeasure.FREEZE, SafetyMeasure.UNFREEZE, SafetyMeasure.REOPEN],
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    return last is not None and last.measure == SafetyMeasure.FREEZE


def safety_levels() -> QuerySet[SafetyLevel]:
    """The safety levels, lowest first."""
    return SafetyLevel.objects.order_by("level")

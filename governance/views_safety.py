"""Pages for safety escalations: raise, read (confidential part recorded), freeze, put to the vote."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.audit import audit_record
from core.errors import DomainError, MfaStale
from core.validators import ABSTRACT_MAX, MOTION_TEXT_MAX
from governance import permissions, selectors, services
from governance.forms import UswdsForm
from governance.models import (
    Council,
    CouncilKind,
    Escalation,
    EscalationEvidence,
    ProjectStatus,
    ResearchProject,
    SafetyLevel,
    SafetyMeasure,
    Severity,
)
from governance.views import crumbs


class EscalationForm(UswdsForm):
    projects = forms.ModelMultipleChoiceField(
        queryset=ResearchProject.objects.exclude(status__in=[ProjectStatus.REJECTED]).order_by(
            "code"
        ),
        label=gettext_lazy("Projects concerned"),
        to_field_name="code",
    )
    severity = forms.ChoiceField(choices=Severity.choices, label=gettext_lazy("Severity"))
    proposed_measure = forms.ChoiceField(
        choices=SafetyMeasure.choices, label=gettext_lazy("Measure proposed")
    )
    proposed_level = forms.TypedChoiceField(
        choices=[("", "—")] + [(n, str(n)) for n in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Level proposed (for a level change)"),
    )
    public_summary = forms.CharField(
        widget=forms.Textarea, label=gettext_lazy("Public summary"), max_length=ABSTRACT_MAX,
        help_text=gettext_lazy("Published on the transparency portal. Name no person and no confidential detail."),
    )  # fmt: skip
    confidential_account = forms.CharField(
        widget=forms.Textarea, label=gettext_lazy("Confidential account"), max_length=MOTION_TEXT_MAX,
        help_text=gettext_lazy("Seen only by the Safety Board and the safety officers; every reading is recorded."),
    )  # fmt: skip
    evidence = forms.FileField(required=False, label=gettext_lazy("Evidence (a file)"))


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


@login_required
def safety_home(request: HttpRequest) -> HttpResponse:
    """Escalations (public facts), the safety levels, and the form to raise one for those entitled."""
    actor = _actor(request)
    entitled = permissions.may_read_confidential(actor)
    form = EscalationForm(request.POST or None, request.FILES or None) if entitled else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            evidence = [(data["evidence"].name, data["evidence"])] if data.get("evidence") else []
            try:
                escalation = services.escalation_raise(
                    actor=actor, projects=list(data["projects"]), severity=data["severity"],
                    confidential_account=data["confidential_account"], public_summary=data["public_summary"],
                    proposed_measure=data["proposed_measure"], proposed_level=data["proposed_level"], evidence=evidence,
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, _("Escalation %(ref)s raised.") % {"ref": escalation.reference}
                )
                return HttpResponseRedirect(
                    reverse("governance:escalation_detail", args=[escalation.pk])
                )
    escalations = Escalation.objects.prefetch_related("projects").order_by("-raised_at")[:100]
    return render(
        request,
        "governance/safety_home.html",
        {
            "form": form,
            "escalations": escalations,
            "levels": SafetyLevel.objects.order_by("level"),
            "mfa_ok": actor.mfa_verified,
            "breadcrumbs": crumbs((_("Safety"), None)),
        },
    )


class SafetyMotionForm(UswdsForm):
    measure = forms.ChoiceField(
        choices=SafetyMeasure.choices, label=gettext_lazy("Measure to vote on")
    )
    level = forms.TypedChoiceField(
        choices=[("", "—")] + [(n, str(n)) for n in range(1, 5)], coerce=int, empty_value=None, required=False,
        label=gettext_lazy("Level to set"),
    )  # fmt: skip
    hours = forms.IntegerField(
        min_value=1, max_value=24 * 30, initial=48, label=gettext_lazy("Voting window (hours)")
    )
    procedure = forms.ChoiceField(
        choices=[
            ("ordinary", gettext_lazy("ordinary procedure")),
            ("written", gettext_lazy("emergency written procedure")),
        ],
        label=gettext_lazy("Procedure"),
    )


def _motion_initial(escalation: Escalation, outlook: selectors.EscalationOutlook) -> dict[str, Any]:
    """The Board's vote as the secretary will most likely draft it.

    Under an interim freeze: the freeze itself, with a window that closes before the freeze
    lapses (the written procedure if too little time is left for an ordinary vote).
    """
    initial: dict[str, Any] = {
        "measure": escalation.proposed_measure,
        "level": escalation.proposed_level,
        "hours": 48,
        "procedure": "ordinary",
    }
    freeze = outlook.active_freeze
    if freeze is not None and not outlook.live_motions:
        left = int((freeze.lapses_at - timezone.now()) / dt.timedelta(hours=1))
        # An hour to spare for certifying the count before the freeze lapses.
        hours = max(1, min(48, left - 1))
        initial.update(
            measure=SafetyMeasure.FREEZE,
            level=None,
            hours=hours,
            procedure="ordinary" if hours >= settings.ORDINARY_MIN_VOTING_HOURS else "written",
        )
    return initial


@login_required
def escalation_detail(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """An escalation's public facts; its confidential part only on request, and each reading is recorded."""
    escalation = get_object_or_404(
        Escalation.objects.prefetch_related("projects", "motions", "freezes"), pk=escalation_id
    )
    actor = _actor(request)
    confidential = None
    if request.GET.get("show") == "confidential":
        try:
            confidential = services.escalation_read_confidential(actor=actor, escalation=escalation)
        except DomainError as exc:
            messages.error(request, exc.message)
    board = Council.objects.filter(kind=CouncilKind.SAFETY_BOARD).first()
    outlook = selectors.escalation_outlook(escalation)
    is_secretary = board is not None and permissions.is_secretary(actor, board)
    # The Board's motions on it as this reader may see them: a draft exists only for its council.
    visible = set(
        selectors.motions_for_user(user=actor.user)
        .filter(pk__in=[m.pk for m in escalation.motions.all()])
        .values_list("pk", flat=True)
    )
    context: dict[str, Any] = {
        "escalation": escalation,
        "motions": [m for m in escalation.motions.all() if m.pk in visible],
        "visible_live_motions": [m for m in outlook.live_motions if m.pk in visible],
        "confidential": confidential,
        "entitled": permissions.may_read_confidential(actor),
        "is_chair": board is not None and board.chair_id == getattr(request.user, "pk", None),
        "is_secretary": is_secretary,
        "outlook": outlook,
        "active_freeze": outlook.active_freeze,
        "needs_confirming_motion": outlook.active_freeze is not None and not outlook.live_motions,
        "motion_form": SafetyMotionForm(initial=_motion_initial(escalation, outlook))
        if is_secretary
        else None,
        "mfa_ok": actor.mfa_verified,
        "breadcrumbs": crumbs(
            (_("Safety"), reverse("governance:safety_home")), (escalation.reference, None)
        ),
        "nav_section": "governance:safety_home",
    }
    return render(request, "governance/escalation_detail.html", context)


@login_required
def evidence_download(request: HttpRequest, escalation_id: int, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(EscalationEvidence, pk=evidence_id, escalation_id=escalation_id)
    actor = _actor(request)
    try:
        permissions.check_read_confidential(actor)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    from django.db import transaction

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="escalation.evidence_read",
            target=evidence.escalation,
            after={"evidence": evidence.title},
        )
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=(evidence.file.name or "evidence").rsplit("/", 1)[-1],
    )


@login_required
@require_POST
def escalation_step(request: HttpRequest, escalation_id: int, action: str) -> HttpResponse:
    """The chair's interim freeze (with a confirmation box) and the secretary's vote on a measure."""
    escalation = get_object_or_404(Escalation, pk=escalation_id)
    actor = _actor(request)
    back = HttpResponseRedirect(reverse("governance:escalation_detail", args=[escalation.pk]))
    try:
        if action == "freeze":
            if not request.POST.get("confirm"):
                messages.error(request, _("Tick the box to confirm the freeze."))
                return back
            freeze = services.interim_freeze_order(actor=actor, escalation=escalation)
            messages.success(
                request,
                _(
                    "Compute of the projects is being frozen now. "
                    "The freeze lapses at %(when)s unless a vote confirms it."
                )
                % {"when": timezone.localtime(freeze.lapses_at).strftime("%Y-%m-%d %H:%M %Z")},
            )
        elif action == "motion":
            form = SafetyMotionForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Check the measure, the level and the voting window."))
                return back
            now = timezone.now()
            motion = services.safety_motion_create(
                actor=actor, escalation=escalation, measure=form.cleaned_data["measure"],
                level=form.cleaned_data["level"],
                opens_at=now, closes_at=now + dt.timedelta(hours=form.cleaned_data["hours"]),
                procedure=form.cleaned_data["procedure"],
            )  # fmt: skip
            messages.success(request, _("Draft %(ref)s created.") % {"ref": motion.reference})
            return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
        else:
            raise PermissionDenied
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        messages.error(request, exc.message)
    return back

"""Server-rendered pages of governance: the dashboard after sign-in, my councils, a project."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from governance import permissions, selectors
from governance.models import (
    Council,
    CouncilKind,
    Escalation,
    EscalationStatus,
    FreezeStatus,
    InterimFreeze,
    ResearchProject,
    StaffRoleKind,
)


def _user(request: HttpRequest) -> Any:
    return request.user


def crumbs(*pairs: tuple[str, str | None]) -> list[dict[str, str | None]]:
    """Breadcrumbs for base.html from (label, url) pairs; Home first, the page itself last."""
    home: dict[str, str | None] = {"label": _("Home"), "url": reverse("home")}
    return [home] + [{"label": label, "url": url} for label, url in pairs]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: what waits for this person, for each role they hold."""
    user = _user(request)
    actor = Actor.from_request(request)
    roles = set(selectors.staff_roles_for_user(user=user).values_list("role", flat=True))
    if user.is_superuser:
        roles |= {r.value for r in StaffRoleKind}
    serves = permissions.serves_any_council(actor)
    safety_reader = permissions.may_read_confidential(actor)
    context: dict[str, Any] = {
        "state_votes": selectors.open_votes_by_state(user=user),
        "accreditations": selectors.accreditations_for_user(user=user),
        "serves": serves,
        "actions": selectors.secretary_actions(user=user) if serves else [],
        "roles": roles,
        "safety_reader": safety_reader,
        "open_escalations": Escalation.objects.filter(status=EscalationStatus.RAISED).count()
        if safety_reader
        else 0,
        "freezes": InterimFreeze.objects.filter(status=FreezeStatus.ACTIVE)
        .select_related("escalation")
        .order_by("lapses_at")
        if safety_reader
        else [],
        "is_chair": Council.objects.filter(kind=CouncilKind.SAFETY_BOARD, chair=user).exists(),
        "led_projects": ResearchProject.objects.filter(lead=user).order_by("code"),
        "now": timezone.now(),
        "mfa_ok": actor.mfa_verified,
        "breadcrumbs": crumbs((_("My dashboard"), None)),
    }
    return render(request, "governance/dashboard.html", context)


@login_required
def my_councils(request: HttpRequest) -> HttpResponse:
    """The signed-in person's accreditations today, and the staff roles they hold."""
    user = request.user
    accreditations = selectors.accreditations_for_user(user=user)  # type: ignore[arg-type]
    staff_roles = selectors.staff_roles_for_user(user=user)  # type: ignore[arg-type]
    return render(
        request,
        "governance/my_councils.html",
        {
            "accreditations": accreditations,
            "staff_roles": staff_roles,
            "breadcrumbs": crumbs(
                (_("My dashboard"), reverse("governance:dashboard")), (_("My councils"), None)
            ),
        },
    )


@login_required
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A research project's proposal, for those with a reason to read it (see the selector)."""
    project = selectors.project_get_for_user(user=_user(request), code=code)
    if project is None:
        raise Http404
    motions = selectors.motions_for_user(user=_user(request)).filter(project=project)
    return render(
        request,
        "governance/project_detail.html",
        {
            "project": project,
            "motions": motions.order_by("-opens_at"),
            "changes": project.status_changes.select_related("motion").order_by("changed_at"),
            "is_lead": project.lead_id == request.user.pk,
            "breadcrumbs": crumbs(
                (_("My dashboard"), reverse("governance:dashboard")), (project.code, None)
            ),
        },
    )

"""Pages of compute: the operators' sync page, a period's quotas, a project's compute."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from compute import permissions, selectors, services
from compute.backends import BackendError, get_backend
from compute.models import Cluster, SyncStatus
from core.actors import Actor
from core.errors import DomainError, MfaRequired, NotAllowed
from core.models import User
from governance.models import ResearchProject


class MemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    """Last sync runs with their diffs and commands, drift now, dry-run and sync buttons."""
    if not permissions.user_is_operator(request.user):
        raise PermissionDenied
    backend = get_backend()
    clusters = []
    for cluster in selectors.cluster_list():
        drift, error = None, ""
        try:
            drift = services.drift(cluster=cluster, backend=backend)
        except BackendError as exc:
            error = str(exc)
        runs = list(selectors.sync_run_list(cluster=cluster)[:10])
        clusters.append(
            {
                "cluster": cluster,
                "drift": drift,
                "drift_error": error,
                "runs": runs,
                "running": any(r.status == SyncStatus.RUNNING for r in runs),
                "period": selectors.period_current(cluster=cluster),
            }
        )
    return render(
        request,
        "compute/operations.html",
        {
            "backend": backend,
            "clusters": clusters,
            "refresh": any(c["running"] for c in clusters),
            "refusals": selectors.refusals()[:20],
            "freezes": selectors.freeze_list_in_force(),
        },
    )


@login_required
@require_POST
def unfreeze(request: HttpRequest, code: str) -> HttpResponse:
    """Lift a project's operational freeze; a Safety Board freeze is refused and stays."""
    target = get_object_or_404(ResearchProject, code=code)
    reason = (request.POST.get("reason") or "").strip() or _("lifted on the operators' page")
    try:
        services.project_compute_unfreeze(
            actor=Actor.from_request(request), project=target, reason=reason
        )
    except MfaRequired as exc:
        messages.error(request, exc.message)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        holding = selectors.freeze_in_force(target)
        if holding is None:
            messages.success(request, _("%(code)s may run jobs again.") % {"code": target.code})
        else:
            messages.warning(
                request,
                _("The operational freeze of %(code)s is lifted, but it stays frozen.")
                % {"code": target.code}
                + " "
                + services.safety_freeze_message(holding),
            )
    return HttpResponseRedirect(reverse("compute:operations") + "#freezes")


@login_required
@require_POST
def sync(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Run a sync (or a dry run) now; the page shows its progress while it runs."""
    cluster = get_object_or_404(Cluster, pk=cluster_id)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        run = services.sync_run(actor=Actor.from_request(request), cluster=cluster, dry_run=dry_run)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if run.status == SyncStatus.SUCCEEDED:
            messages.success(
                request,
                _("Dry run: %(n)d change(s) planned.") % {"n": len(run.diff)}
                if dry_run
                else _("Sync finished: %(n)d change(s) applied.") % {"n": len(run.diff)},
            )
        else:
            messages.error(request, _("Sync failed: %(error)s") % {"error": run.error})
    return HttpResponseRedirect(reverse("compute:operations") + f"#cluster-{cluster.pk}")


@login_required
def period_quotas(request: HttpRequest, period_id: int) -> HttpResponse:
    """A period's national quotas and allocations with used and left (operators)."""
    if not permissions.user_is_operator(request.user):
        raise PermissionDenied
    period = get_object_or_404(selectors.period_list(), pk=period_id)
    return render(
        request,
        "compute/period.html",
        {
            "period": period,
            "quotas": selectors.quota_lines(period=period),
            "allocations": selectors.allocation_lines(period=period),
        },
    )


@login_required
def project(request: HttpRequest, code: str) -> HttpResponse:
    """A project's quota, usage and members; its lead adds and removes members here."""
    target = get_object_or_404(ResearchProject.objects.select_related("lead"), code=code)
    if not permissions.may_view_project(request.user, target):
        raise PermissionDenied
    form = MemberForm()
    if request.method == "POST":
        form = MemberForm(request.POST)
        if form.is_valid():
            user = User.objects.filter(username=form.cleaned_data["username"]).first()
            actor = Actor.from_request(request)
            try:
                if user is None:
                    raise DomainError(_("There is no user with that name."), field="username")
                if request.POST.get("action") == "remove":
                    services.project_member_remove(actor=actor, project=target, user=user)
                    messages.success(request, _("%(u)s removed.") % {"u": user.username})
                else:
                    services.project_member_add(actor=actor, project=target, user=user)
                    messages.success(request, _("%(u)s added.") % {"u": user.username})
                return HttpResponseRedirect(reverse("compute:project", args=[target.code]))
            except DomainError as exc:
                form.add_error("username", exc.message)
    context: dict[str, Any] = {
        "project": target,
        "allocations": selectors.project_allocations(project=target),
        "members": selectors.project_members(project=target),
        "freezes": selectors.freezes_in_force(target),
        "daily": selectors.usage_daily(project=target),
        "form": form,
        "is_lead": request.user.pk == target.lead_id,
    }
    return render(request, "compute/project.html", context)

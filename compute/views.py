"""Pages of compute: the operators' sync page, a period's quotas, a project's compute."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from compute import permissions, selectors, services
from compute.backends import BackendError, get_backend
from compute.models import Cluster, SyncStatus
from compute.reconcile import Change
from core import l10n
from core.actors import Actor
from core.errors import DomainError, MfaRequired, NotAllowed
from core.models import User
from core.uswds import UswdsFormMixin
from governance import selectors as governance_selectors
from governance.choices import ProjectStatus

if TYPE_CHECKING:
    pass

# A run's diff can hold every account of the cluster; the page shows this many, the API all.
DIFF_SHOWN = 200


class MemberForm(UswdsFormMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)


class LoginForm(UswdsFormMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("User name on the platform"), max_length=150)
    login = forms.CharField(label=gettext_lazy("Cluster login"), max_length=32)


def login_reason(reason: str) -> str:
    """Why a person has no usable cluster login, in words."""
    return {
        "invalid": _("the user name is not a valid cluster login"),
        "taken": _("the user name is another person's cluster login"),
        "ambiguous": _("another user name gives the same login"),
    }.get(reason, reason)


@dataclass(frozen=True)
class DiffLine:
    """One line of a sync plan or a run's diff, written for the operator reading the page."""

    account: str
    change: str
    label: str
    before: str
    after: str
    hours_change: str  # signed GPU-hours the change adds to or takes from the account's quota
    frozen: bool  # the account is frozen once the change is made


def _hours(minutes: Any) -> str:
    if minutes is None:
        return _("no limit")
    return _("%(hours)s GPU-hours") % {"hours": l10n.gpu_hours(minutes)}


def _signed_hours(minutes: int) -> str:
    sign = "+" if minutes > 0 else "−" if minutes < 0 else "±"
    return sign + l10n.gpu_hours(abs(minutes))


def _caps(caps: Any) -> str:
    """A GrpTRES GPU cap as read: "16 GPUs", "16 GPUs (h100: 8)", or "no cap"."""
    if not isinstance(caps, dict) or not caps:
        return _("no cap")
    total = caps.get("gres/gpu")
    parts = [
        f"{tres.partition(':')[2]}: {l10n.number(n)}"
        for tres, n in sorted(caps.items())
        if tres.startswith("gres/gpu:")
    ]
    text = (
        ngettext("%(n)s GPU", "%(n)s GPUs", total) % {"n": l10n.number(total)}
        if total is not None
        else ""
    )
    if parts:
        text = f"{text} ({', '.join(parts)})" if text else ", ".join(parts)
    return text


def _users(n: int) -> str:
    return ngettext("%(n)s user", "%(n)s users", n) % {"n": l10n.number(n)}


def diff_line(change: Change) -> DiffLine:
    """How a change reads: what it is, the account before and after, the GPU-hours it moves."""
    dash = "—"
    kind, before, after = change.change, change.before, change.after
    if kind == "add":
        spec = after if isinstance(after, dict) else {}
        minutes = spec.get("gpu_minutes")
        where = _("new, under %(parent)s") % {"parent": spec.get("parent", "")}
        users = len(spec.get("users") or [])
        return DiffLine(
            account=change.account,
            change=kind,
            label=_("New account"),
            before=dash,
            after=f"{where}; {_hours(minutes)}"
            + (f"; {_caps(spec.get('gpu_caps'))}" if spec.get("gpu_caps") else "")
            + (f"; {_users(users)}" if users else ""),
            hours_change=_signed_hours(int(minutes)) if minutes is not None else dash,
            frozen=bool(spec.get("frozen")),
        )
    if kind == "limit":
        moved = (
            _signed_hours(int(after) - int(before))
            if isinstance(before, int) and isinstance(after, int)
            else dash
        )
        return DiffLine(
            change.account, kind, _("Quota changed"), _hours(before), _hours(after), moved, False
        )
    simple = {
        "freeze": (_("Frozen"), _("open"), _("frozen: no job may start"), True),
        "unfreeze": (_("Unfrozen"), _("frozen"), _("open"), False),
        "retire": (_("Retired"), _("open"), _("frozen until its jobs end"), True),
        "delete": (_("Removed"), _("frozen, no jobs left"), _("removed from Slurm"), False),
    }
    if kind == "adopt":
        return DiffLine(
            account=change.account,
            change=kind,
            label=_("Marked as the platform's"),
            before=_("organisation %(name)s") % {"name": before or dash},
            after=_("organisation %(name)s") % {"name": after},
            hours_change=dash,
            frozen=False,
        )
    if kind == "cap":
        return DiffLine(
            account=change.account,
            change=kind,
            label=_("GPUs at once"),
            before=_caps(before),
            after=_caps(after),
            hours_change=dash,
            frozen=False,
        )
    if kind in simple:
        label, was, becomes, frozen = simple[kind]
        return DiffLine(change.account, kind, label, was, becomes, dash, frozen)
    if kind == "parent":
        return DiffLine(
            account=change.account,
            change=kind,
            label=_("Moved"),
            before=_("under %(parent)s") % {"parent": before},
            after=_("under %(parent)s") % {"parent": after},
            hours_change=dash,
            frozen=False,
        )
    if kind == "add_user":
        return DiffLine(change.account, kind, _("User added"), dash, str(after), dash, False)
    if kind == "remove_user":
        return DiffLine(change.account, kind, _("User removed"), str(before), dash, dash, False)
    return DiffLine(
        change.account, kind, kind, str(before or dash), str(after or dash), dash, False
    )


def diff_lines(changes: Iterable[Change | dict[str, Any]]) -> list[DiffLine]:
    return [diff_line(c if isinstance(c, Change) else Change.from_dict(c)) for c in changes]


def _by_name(lines: list[selectors.QuotaLine]) -> list[selectors.QuotaLine]:
    """States by their name in the reader's language; the facility programme last."""
    states = [line for line in lines if line.key != "programme"]
    rest = [line for line in lines if line.key == "programme"]
    return l10n.sorted_by_name(states, lambda q: l10n.country_name(q.key, q.label)) + rest


def _home_crumbs(*more: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("Home"), "url": reverse("home")}, *more]


def _operations_crumbs(*more: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"label": _("Home"), "url": reverse("home")},
        {"label": _("Compute operations"), "url": reverse("compute:operations")},
        *more,
    ]


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
            drift = services.drift(cluster=cluster, backend=get_backend(cluster=cluster.name))
        except BackendError as exc:
            error = str(exc)
        runs = list(selectors.sync_run_list(cluster=cluster)[:10])
        clusters.append(
            {
                "cluster": cluster,
                "drift": drift,
                "drift_lines": diff_lines(drift.changes) if drift else [],
                "drift_error": error,
                "runs": [(run, diff_lines(run.diff[:DIFF_SHOWN])) for run in runs],
                "running": any(r.status == SyncStatus.RUNNING for r in runs),
                "period": selectors.period_current(cluster=cluster),
                "fair": selectors.fair_shares(cluster=cluster),
                "login_problems": [
                    (p, login_reason(p.reason)) for p in selectors.login_problems(cluster=cluster)
                ],
                "limits": [
                    (line, _caps(dict(line.gpu_caps)))
                    for line in selectors.account_limits(cluster=cluster)
                ],
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
            "diff_shown": DIFF_SHOWN,
            "login_form": LoginForm(),
            "breadcrumbs": [
                {"label": _("Home"), "url": reverse("home")},
                {"label": _("Compute operations")},
            ],
        },
    )


@login_required
@require_POST
def login_set(request: HttpRequest) -> HttpResponse:
    """An operator gives a person their cluster login."""
    if not permissions.user_is_operator(request.user):
        raise PermissionDenied
    form = LoginForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a user name and a login."))
    else:
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
        try:
            if user is None:
                raise DomainError(_("There is no user with that name."), field="username")
            row = services.cluster_login_set(
                actor=Actor.from_request(request), user=user, login=form.cleaned_data["login"]
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(user)s runs jobs as %(login)s from the next sync.")
                % {"user": user.username, "login": row.login},
            )
    return HttpResponseRedirect(reverse("compute:operations") + "#logins")


@login_required
def my_login(request: HttpRequest) -> HttpResponse:
    """A person's own cluster login, or why they have none."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    logins, problems = selectors.cluster_logins({user.pk})
    return render(
        request,
        "compute/my_login.html",
        {
            "login": logins.get(user.pk),
            "explicit": selectors.cluster_login_of(user),
            "problem": login_reason(problems[user.pk]) if user.pk in problems else "",
            "breadcrumbs": _home_crumbs({"label": _("Your cluster login")}),
        },
    )


@login_required
@require_POST
def unfreeze(request: HttpRequest, code: str) -> HttpResponse:
    """Lift a project's operational freeze; a Safety Board freeze is refused and stays."""
    target = get_object_or_404(governance_selectors.project_list(), code=code)
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
    frozen = selectors.frozen_project_ids()
    caps = selectors.project_caps(cluster=period.cluster)
    return render(
        request,
        "compute/period.html",
        {
            "period": period,
            "quotas": _by_name(selectors.quota_lines(period=period)),
            "allocations": [
                (
                    a,
                    line,
                    a.project_id in frozen or a.project.status == ProjectStatus.SUSPENDED,
                    caps.get(a.project.code.lower()),
                )
                for a, line in selectors.allocation_lines(period=period)
            ],
            "burst": l10n.number(str(settings.COMPUTE_BURST_FACTOR)),
            "breadcrumbs": _operations_crumbs(
                {"label": _("Quotas of %(period)s") % {"period": period.name}}
            ),
        },
    )


@login_required
def project(request: HttpRequest, code: str) -> HttpResponse:
    """A project's quota, usage and members; its lead adds and removes members here."""
    target = get_object_or_404(
        governance_selectors.project_list().select_related("lead"), code=code
    )
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
        "breadcrumbs": (
            _operations_crumbs if permissions.user_is_operator(request.user) else _home_crumbs
        )({"label": _("Compute of %(code)s") % {"code": target.code}}),
    }
    return render(request, "compute/project.html", context)

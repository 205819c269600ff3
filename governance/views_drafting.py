"""The secretary's drafting pages: a new draft (with its voting rule shown before it is made),
editing a draft, and withdrawing a motion after a confirmation. Every write goes through a
service, which checks the secretary's role and second factor again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError, MfaStale
from governance import permissions, selectors, services, wording
from governance.forms import MotionEditForm, MotionForm, WithdrawForm
from governance.models import Motion, MotionKind, MotionStatus
from governance.views import crumbs


def _user(request: HttpRequest) -> Any:
    return request.user


def _report(form: Any, exc: DomainError) -> None:
    """A service's refusal, shown on the field it names (or above the form)."""
    form.add_error(exc.field if exc.field and exc.field in form.fields else None, exc.message)


def _secretary_motion(request: HttpRequest, motion_id: int) -> tuple[Motion, Actor]:
    """The motion, if the viewer may read it (else 404) and is its council's secretary (else 403)."""
    motion = get_object_or_404(selectors.motions_for_user(user=_user(request)), pk=motion_id)
    actor = Actor.from_request(request)
    if not permissions.is_secretary(actor, motion.council):
        raise PermissionDenied
    return motion, actor


def _motion_crumbs(motion: Motion, here: str) -> list[dict[str, str | None]]:
    return crumbs(
        (_("Secretariat"), reverse("governance:secretariat")),
        (motion.reference, reverse("governance:motion_detail", args=[motion.pk])),
        (here, None),
    )


@login_required
def motion_new(request: HttpRequest) -> HttpResponse:
    """Draft a motion. "Show the voting rule" redisplays the form with the rule it would get."""
    actor = Actor.from_request(request)
    if not permissions.serves_any_council(actor):
        raise PermissionDenied
    councils = selectors.councils_served(user=_user(request))
    now = timezone.localtime()
    form = MotionForm(
        request.POST or None,
        councils=councils,
        initial={
            "opens_at": (now + dt.timedelta(hours=1)).replace(second=0, microsecond=0),
            "closes_at": (now + dt.timedelta(days=7)).replace(second=0, microsecond=0),
        },
    )
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        # Only a look at the rule: the form comes back as typed, without complaints yet.
        form = MotionForm(councils=councils, initial=request.POST.dict())
    if request.method == "POST":
        council = councils.filter(code=request.POST.get("council", "")).first()
        kind = request.POST.get("kind", "")
        if council is not None and kind in MotionKind.values:
            preview = {
                "council": council,
                "kind": MotionKind(kind).label,
                "rule": wording.rule_in_words(selectors.rule_for(council, kind)),
            }
        if "preview" not in request.POST and form.is_valid():
            data = dict(form.cleaned_data)
            translations = form.title_translations()
            for lang in ("de", "fr"):
                data.pop(f"title_{lang}", None)
            try:
                motion = services.motion_create(
                    actor=actor, title_translations=translations, **data
                )
            except MfaStale:
                raise  # FreshMfaMiddleware asks for a current code, then replays this POST
            except DomainError as exc:
                _report(form, exc)
            else:
                messages.success(request, _("Draft %(ref)s created.") % {"ref": motion.reference})
                return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    return render(
        request,
        "governance/motion_new.html",
        {
            "form": form,
            "preview": preview,
            "rules_table": selectors.voting_rules_table(councils),
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:secretariat",
            "breadcrumbs": crumbs(
                (_("Secretariat"), reverse("governance:secretariat")), (_("Draft a motion"), None)
            ),
        },
    )


@login_required
def motion_edit(request: HttpRequest, motion_id: int) -> HttpResponse:
    """Change a draft's words, window or form; only its council's secretary, only while a draft."""
    motion, actor = _secretary_motion(request, motion_id)
    if motion.status != MotionStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited; once tabled its text is fixed."))
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    translations = motion.title_translations or {}
    form = MotionEditForm(
        request.POST or None,
        initial={
            "title": motion.title,
            "title_de": translations.get("de", ""),
            "title_fr": translations.get("fr", ""),
            "text": motion.text,
            "opens_at": timezone.localtime(motion.opens_at),
            "closes_at": timezone.localtime(motion.closes_at),
            "procedure": motion.procedure,
            "secret": motion.secret,
            "programme": motion.programme,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {
            name: data[name]
            for name in (
                "title",
                "text",
                "opens_at",
                "closes_at",
                "procedure",
                "secret",
                "programme",
            )
        }
        values["title_translations"] = form.title_translations()
        changed = {k: v for k, v in values.items() if getattr(motion, k) != v}
        try:
            if changed:
                services.motion_update(actor=actor, motion=motion, **changed)
        except MfaStale:
            raise  # FreshMfaMiddleware asks for a current code, then replays this POST
        except DomainError as exc:
            _report(form, exc)
        else:
            messages.success(
                request,
                _("The draft is saved.") if changed else _("Nothing was changed."),
            )
            return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    return render(
        request,
        "governance/motion_edit.html",
        {
            "motion": motion,
            "form": form,
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:secretariat",
            "breadcrumbs": _motion_crumbs(motion, _("Edit the draft")),
        },
    )


@login_required
def motion_withdraw(request: HttpRequest, motion_id: int) -> HttpResponse:
    """Withdraw a motion before its vote opens, after a page that says what that means."""
    motion, actor = _secretary_motion(request, motion_id)
    if motion.status not in (MotionStatus.DRAFT, MotionStatus.TABLED):
        messages.error(request, _("Only a motion whose vote has not opened can be withdrawn."))
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.motion_withdraw(actor=actor, motion=motion, reason=form.cleaned_data["reason"])
        except MfaStale:
            raise  # FreshMfaMiddleware asks for a current code, then replays this POST
        except DomainError as exc:
            _report(form, exc)
        else:
            messages.success(request, _("The motion is withdrawn."))
            return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    return render(
        request,
        "governance/motion_withdraw.html",
        {
            "motion": motion,
            "form": form,
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:secretariat",
            "breadcrumbs": _motion_crumbs(motion, _("Withdraw")),
        },
    )

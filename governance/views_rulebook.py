"""Pages for the rule-book features on a motion: attendance, check-in and the casting vote.

Thin: every write goes through a service; the motion page shows what these forms need.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import l10n
from core.actors import Actor
from core.errors import DomainError, MfaStale
from governance import permissions, selectors, services
from governance.forms import UswdsForm
from governance.models import CastingVote, MemberState, Motion, MotionStatus
from governance.services.attendance import OPEN_FOR_ATTENDANCE
from governance.services.casting_vote import casting_vote_open
from governance.views import crumbs


class AttendanceForm(UswdsForm):
    member_state = forms.RegexField(regex=r"^[A-Z]{2}$", max_length=2)
    present = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])


class CheckInForm(UswdsForm):
    member_state = forms.RegexField(regex=r"^[A-Z]{2}$", max_length=2)


class CastingVoteForm(UswdsForm):
    choice = forms.ChoiceField(choices=CastingVote.choices, widget=forms.RadioSelect)


def motion_context(actor: Actor, motion: Motion, voted: set[str]) -> dict[str, Any]:
    """What the motion page adds for attendance and the casting vote, for this viewer."""
    is_secretary = permissions.is_secretary(actor, motion.council)
    taking = motion.status in OPEN_FOR_ATTENDANCE
    context: dict[str, Any] = {
        "attendance": selectors.attendance_summary(motion, voted) if is_secretary else None,
        "attendance_marks": list(selectors.attendance_marks(motion))
        if is_secretary and taking
        else [],
        "attendance_open": taking,
        "check_in_for": [],
        "casting_vote_form": None,
        "is_chair": permissions.is_chair(actor, motion.council),
        "casting_vote_awaited": False,
    }
    if is_secretary and taking and motion.status == MotionStatus.VOTING_OPEN:
        members = [e.state for e in motion.electorate.as_electorate().voting_members]
        context["attendance_states"] = l10n.sorted_by_name(members, l10n.country_name)
    own = permissions.voting_delegation(actor, motion.council)
    if own is not None and taking:
        present = selectors.states_present(motion, voted)
        context["check_in_for"] = [own.code] if own.code not in present else []
        context["checked_in"] = own.code in present
    if casting_vote_open(motion):
        context["casting_vote_awaited"] = True
        if context["is_chair"]:
            context["casting_vote_form"] = CastingVoteForm()
    return context


def _back(motion: Motion) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))


def _run(request: HttpRequest, motion: Motion, call: Any, done: str) -> HttpResponse:
    try:
        call()
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(motion)


@login_required
@require_POST
def attendance_mark(request: HttpRequest, motion_id: int) -> HttpResponse:
    """The secretary marks a state present or absent for the vote."""
    motion = get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a state and whether it is present."))
        return _back(motion)
    state = get_object_or_404(MemberState, code=form.cleaned_data["member_state"])
    present = form.cleaned_data["present"] == "yes"
    done = (_("%(state)s is marked present.") if present else _("%(state)s is marked absent.")) % {
        "state": l10n.country_name(state.code)
    }
    return _run(
        request,
        motion,
        lambda: services.attendance_mark(
            actor=Actor.from_request(request), motion=motion, member_state=state, present=present
        ),
        done,
    )


@login_required
@require_POST
def attendance_check_in(request: HttpRequest, motion_id: int) -> HttpResponse:
    """A voting delegate checks their own state in as present."""
    motion = get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]
    form = CheckInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the state to check in."))
        return _back(motion)
    state = get_object_or_404(MemberState, code=form.cleaned_data["member_state"])
    return _run(
        request,
        motion,
        lambda: services.attendance_check_in(
            actor=Actor.from_request(request), motion=motion, member_state=state
        ),
        _("%(state)s is checked in as present.") % {"state": l10n.country_name(state.code)},
    )


@login_required
@require_POST
def casting_vote(request: HttpRequest, motion_id: int) -> HttpResponse:
    """The chair's casting vote: a confirmation page first, given only on the second POST."""
    motion = get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]
    actor = Actor.from_request(request)
    form = CastingVoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes or no before continuing."))
        return _back(motion)
    if not permissions.is_chair(actor, motion.council):
        messages.error(request, _("Only the chair of this council may give its casting vote."))
        return _back(motion)
    choice = form.cleaned_data["choice"]
    if request.POST.get("confirmed") != "yes":
        return render(
            request,
            "governance/casting_vote_confirm.html",
            {
                "motion": motion,
                "choice": choice,
                "choice_label": CastingVote(choice).label,
                "nav_section": "governance:my_councils",
                "breadcrumbs": crumbs(
                    (_("My councils"), reverse("governance:my_councils")),
                    (motion.reference, reverse("governance:motion_detail", args=[motion.pk])),
                    (_("Confirm the casting vote"), None),
                ),
            },
        )
    return _run(
        request,
        motion,
        lambda: services.casting_vote_give(actor=actor, motion=motion, choice=choice),
        _("Your casting vote is recorded; the result is counted and signed again."),
    )

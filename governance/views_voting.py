"""Pages for voting: my open votes, the motion page, the vote with its confirmation and receipt,
and the secretary's steps. Thin: every write goes through a service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.bounds import DateTimeFormField
from core.errors import DomainError, MfaStale
from core.validators import MOTION_TEXT_MAX, validate_name
from governance import permissions, selectors, services, wording
from governance.models import (
    BallotChoice,
    Council,
    MemberState,
    Motion,
    MotionDocument,
    MotionKind,
    MotionStatus,
    Procedure,
)
from governance.services.ballots import states_voted


def _user(request: HttpRequest) -> Any:
    return request.user


@login_required
def my_open_votes(request: HttpRequest) -> HttpResponse:
    """Every open vote the signed-in delegate may cast, soonest deadline first."""
    rows = [
        {"motion": motion, "states": states, "done": [s for s in states if s in voted]}
        for motion, states, voted in selectors.open_votes_for_user(user=_user(request))
    ]
    return render(request, "governance/my_open_votes.html", {"rows": rows})


ROLL_CALL_LABELS = {
    **{c.value: c.label for c in BallotChoice},
    "recused": gettext_lazy("recused"),
    "absent": gettext_lazy("absent"),
}


def _roll_call(motion: Motion) -> list[dict[str, Any]]:
    return [
        {**row, "choice_label": ROLL_CALL_LABELS[str(row["choice"])]}
        for row in selectors.roll_call(motion)
    ]


@login_required
def motion_detail(request: HttpRequest, motion_id: int) -> HttpResponse:
    """A motion with its documents, the rule in plain words, and what the viewer may do now."""
    user = _user(request)
    # Drafts are for the council's delegates and its secretariat: to anyone else they do not exist.
    motion = get_object_or_404(
        selectors.motions_for_user(user=user).prefetch_related("documents"), pk=motion_id
    )
    actor = Actor.from_request(request)
    may_vote_for: list[str] = []
    voted: set[str] = set()
    if motion.status == MotionStatus.VOTING_OPEN:
        for open_motion, states, done in selectors.open_votes_for_user(user=user):
            if open_motion.pk == motion.pk:
                may_vote_for, voted = states, done
    is_secretary = permissions.is_secretary(actor, motion.council)
    electorate = getattr(motion, "electorate", None)
    context = {
        "motion": motion,
        "rule_in_words": wording.rule_in_words(motion.rule),
        "electorate_rule": selectors.electorate_rule_in_words(),
        "may_vote_for": may_vote_for,
        "voted": voted,
        "choices": BallotChoice.choices,
        "is_secretary": is_secretary,
        "mfa_ok": actor.mfa_verified,
        "turnout": len(states_voted(motion)) if electorate else None,
        "electors": len([e for e in electorate.entries["electors"] if not e["recused"]])
        if electorate
        else None,
        "roll_call": _roll_call(motion),
        "tally": motion.tally if motion.closed_at else None,
        "now": timezone.now(),
        "document_form": DocumentForm() if is_secretary else None,
    }
    return render(request, "governance/motion_detail.html", context)


class VoteForm(forms.Form):
    member_state = forms.CharField(max_length=2)
    choice = forms.ChoiceField(choices=BallotChoice.choices, label=gettext_lazy("Your vote"))


@login_required
@require_POST
def vote_confirm(request: HttpRequest, motion_id: int) -> HttpResponse:
    """The confirmation step: show exactly what will be cast, and cast it only on a second POST."""
    motion = get_object_or_404(selectors.motions_for_user(user=_user(request)), pk=motion_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes, no or abstain before continuing."))
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    state = MemberState.objects.filter(code=form.cleaned_data["member_state"]).first()
    if state is None:
        raise Http404
    if request.POST.get("confirmed") != "yes":
        return render(
            request,
            "governance/vote_confirm.html",
            {
                "motion": motion,
                "state": state,
                "choice": form.cleaned_data["choice"],
                "choice_label": BallotChoice(form.cleaned_data["choice"]).label,
            },
        )
    try:
        receipt = services.ballot_cast(
            actor=Actor.from_request(request),
            motion=motion,
            member_state=state,
            choice=form.cleaned_data["choice"],
        )
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    label = BallotChoice(receipt.choice).label if receipt.choice else None
    context = {"motion": motion, "receipt": receipt, "choice_label": label}
    return render(request, "governance/vote_receipt.html", context)


@login_required
def document_download(request: HttpRequest, motion_id: int, document_id: int) -> FileResponse:
    # The document is found through a motion the viewer may read: a draft's files stay hidden.
    motion = get_object_or_404(selectors.motions_for_user(user=_user(request)), pk=motion_id)
    document = get_object_or_404(MotionDocument, pk=document_id, motion=motion)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=(document.file.name or "document").rsplit("/", 1)[-1],
    )


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=300, label=gettext_lazy("Title"), validators=[validate_name])
    file = forms.FileField(label=gettext_lazy("File"))


def _step(request: HttpRequest, motion: Motion, call: Callable[[], Any], done: str) -> HttpResponse:
    try:
        call()
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))


@login_required
@require_POST
def motion_step(request: HttpRequest, motion_id: int, action: str) -> HttpResponse:
    """The secretary's buttons: table, open, close, certify, publish, withdraw, attach a document."""
    motion = get_object_or_404(selectors.motions_for_user(user=_user(request)), pk=motion_id)
    actor = Actor.from_request(request)
    steps: dict[str, tuple[Callable[[], Any], str]] = {
        "table": (
            lambda: services.motion_table(actor=actor, motion=motion),
            _("The motion is tabled."),
        ),
        "open": (lambda: services.motion_open(actor=actor, motion=motion), _("Voting is open.")),
        "close": (
            lambda: services.motion_close(actor=actor, motion=motion),
            _("Voting is closed and counted."),
        ),
        "certify": (
            lambda: services.motion_certify(actor=actor, motion=motion),
            _("The result is certified."),
        ),
        "publish": (
            lambda: services.motion_publish(actor=actor, motion=motion),
            _("The decision is published."),
        ),
        "withdraw": (
            lambda: services.motion_withdraw(
                actor=actor, motion=motion, reason=request.POST.get("reason", "")
            ),
            _("The motion is withdrawn."),
        ),
    }
    if action == "document":
        form = DocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Give the document a title and choose a file."))
            return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
        return _step(
            request,
            motion,
            lambda: services.motion_document_add(
                actor=actor,
                motion=motion,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            ),
            _("The document is attached."),
        )
    if action not in steps:
        raise Http404
    if action == "certify" and not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that you checked the count."))
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    call, done = steps[action]
    return _step(request, motion, call, done)


class MotionForm(forms.Form):
    council = forms.ModelChoiceField(
        queryset=Council.objects.all(), label=gettext_lazy("Council"), to_field_name="code"
    )
    kind = forms.ChoiceField(choices=MotionKind.choices, label=gettext_lazy("Kind"))
    title = forms.CharField(max_length=300, label=gettext_lazy("Title"), validators=[validate_name])
    text = forms.CharField(
        widget=forms.Textarea, label=gettext_lazy("Text"), max_length=MOTION_TEXT_MAX
    )
    opens_at = DateTimeFormField(
        label=gettext_lazy("Voting opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = DateTimeFormField(
        label=gettext_lazy("Voting closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    procedure = forms.ChoiceField(choices=Procedure.choices, label=gettext_lazy("Procedure"))
    secret = forms.BooleanField(required=False, label=gettext_lazy("Secret ballot"))
    project = forms.CharField(
        required=False, max_length=40, label=gettext_lazy("Project code (for a project approval)")
    )


@login_required
def secretariat(request: HttpRequest) -> HttpResponse:
    """The secretary's desk for the councils they serve: motions, new drafts, approvals.

    A secretary of one council sees and drafts for that council only; the council-wide
    secretariat sees every council.
    """
    actor = Actor.from_request(request)
    if not permissions.serves_any_council(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    councils = selectors.councils_served(user=_user(request))
    form = MotionForm(
        request.POST or None,
        initial={
            "opens_at": timezone.localtime() + dt.timedelta(hours=1),
            "closes_at": timezone.localtime() + dt.timedelta(days=7),
        },
    )
    form.fields["council"].queryset = councils  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("project")
        from governance.models import ResearchProject

        data["project"] = ResearchProject.objects.filter(code=code).first() if code else None
        try:
            motion = services.motion_create(actor=actor, **data)
        except DomainError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft %(ref)s created.") % {"ref": motion.reference})
            return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    motions = (
        selectors.motions_for_user(user=_user(request))
        .filter(council__in=councils)
        .order_by("-opens_at")[:200]
    )
    return render(
        request,
        "governance/secretariat.html",
        {
            "form": form,
            "motions": motions,
            "pending": selectors.accreditations_pending(councils=councils),
            "mfa_ok": actor.mfa_verified,
        },
    )


@login_required
@require_POST
def accreditation_approve(request: HttpRequest, accreditation_id: int) -> HttpResponse:
    """The council's secretary approves an accreditation awaiting approval (with MFA)."""
    accreditation = get_object_or_404(selectors.accreditation_list(), pk=accreditation_id)
    try:
        services.accreditation_approve(
            actor=Actor.from_request(request), accreditation=accreditation
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(user)s is now accredited to %(council)s.")
            % {"user": accreditation.user.get_username(), "council": accreditation.council.name},
        )
    return HttpResponseRedirect(reverse("governance:secretariat"))

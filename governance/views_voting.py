"""Pages for voting: my open votes, the motion page, the vote with its confirmation and receipt,
and the secretary's steps. Thin: every write goes through a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import l10n
from core.actors import Actor
from core.errors import DomainError, MfaStale
from governance import permissions, selectors, services, views_rulebook, wording
from governance.forms import DocumentForm, VoteForm
from governance.models import (
    BallotChoice,
    MemberState,
    Motion,
    MotionDocument,
    MotionStatus,
)
from governance.services.ballots import states_voted
from governance.views import crumbs


def _user(request: HttpRequest) -> Any:
    return request.user


@login_required
def my_open_votes(request: HttpRequest) -> HttpResponse:
    """Every open vote the signed-in delegate may cast, soonest deadline first."""
    rows = [
        {"motion": motion, "states": states, "done": [s for s in states if s in voted]}
        for motion, states, voted in selectors.open_votes_for_user(user=_user(request))
    ]
    return render(
        request,
        "governance/my_open_votes.html",
        {
            "rows": rows,
            "breadcrumbs": crumbs(
                (_("My dashboard"), reverse("governance:dashboard")), (_("My open votes"), None)
            ),
        },
    )


ROLL_CALL_LABELS = {
    **{c.value: c.label for c in BallotChoice},
    "recused": gettext_lazy("recused"),
    "absent": gettext_lazy("absent"),
}


def _roll_call(motion: Motion) -> list[dict[str, Any]]:
    """The roll call in the order a reader looks a country up: by its name in their language."""
    rows = [
        {**row, "choice_label": ROLL_CALL_LABELS[str(row["choice"])]}
        for row in selectors.roll_call(motion)
    ]
    return l10n.sorted_by_name(rows, lambda row: l10n.country_name(str(row["state"])))


# The lifecycle as the step indicator shows it, each step explained in one sentence.
STEPS: tuple[tuple[str, Any], ...] = (
    (
        MotionStatus.DRAFT,
        gettext_lazy(
            "The secretary prepares the text; it can still be edited, and only the council's "
            "delegates and the secretariat can read it."
        ),
    ),
    (
        MotionStatus.TABLED,
        gettext_lazy(
            "The motion is on the council's agenda: its text and voting rule are fixed, and "
            "every signed-in person can read it."
        ),
    ),
    (
        MotionStatus.VOTING_OPEN,
        gettext_lazy(
            "The delegations vote until the closing time; each may change its vote until then."
        ),
    ),
    (
        MotionStatus.VOTING_CLOSED,
        gettext_lazy(
            "The ballots are counted under the voting rule; the secretary checks the count."
        ),
    ),
    (
        MotionStatus.CERTIFIED,
        gettext_lazy(
            "The secretary certifies the result: the decision takes effect and cannot be undone."
        ),
    ),
    (
        MotionStatus.PUBLISHED,
        gettext_lazy("The decision and its ballot chain are published on the transparency portal."),
    ),
)
REACHED_AT: dict[str, str] = {
    MotionStatus.DRAFT: "created_at",
    MotionStatus.TABLED: "tabled_at",
    MotionStatus.VOTING_OPEN: "opened_at",
    MotionStatus.VOTING_CLOSED: "closed_at",
    MotionStatus.CERTIFIED: "certified_at",
    MotionStatus.PUBLISHED: "published_at",
}


def _steps(motion: Motion) -> list[dict[str, Any]]:
    """The step indicator: each step complete, current or to come; a withdrawn motion stops."""
    order = [status for status, _sentence in STEPS]
    if motion.status == MotionStatus.WITHDRAWN:
        current = order.index(MotionStatus.TABLED) if motion.tabled_at else 0
    else:
        current = order.index(motion.status)
    return [
        {
            "status": status,
            "label": MotionStatus(status).label,
            "sentence": sentence,
            "number": i + 1,
            "state": "complete" if i < current else "current" if i == current else "upcoming",
            "at": getattr(motion, REACHED_AT[status]) if i <= current else None,
        }
        for i, (status, sentence) in enumerate(STEPS)
    ]


@login_required
def motion_detail(request: HttpRequest, motion_id: int) -> HttpResponse:
    """A motion: where it stands, its documents, the rule, the viewer's vote, the next step."""
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
    now = timezone.now()
    cast = states_voted(motion) if electorate else set()
    waiting = selectors.states_not_voted(motion, cast)
    context = {
        "motion": motion,
        "rule_in_words": wording.rule_in_words(motion.rule),
        "electorate_rule": selectors.electorate_rule_in_words(),
        "may_vote_for": may_vote_for,
        "voted": voted,
        "choices": BallotChoice.choices,
        "is_secretary": is_secretary,
        "mfa_ok": actor.mfa_verified,
        "turnout": len(cast) if electorate else None,
        "electors": len(electorate.as_electorate().voting_members) if electorate else None,
        # Who has not voted yet is the secretary's to chase; delegates see the turnout only.
        "waiting": l10n.sorted_by_name(waiting, l10n.country_name) if is_secretary else [],
        "close_allowed": selectors.close_allowed(motion, waiting=waiting, now=now),
        "deadline_passed": now >= motion.closes_at,
        # While the vote is open, a state that has not voted yet is said by the vote form.
        "own_ballots": [
            b
            for b in selectors.own_ballots(user=user, motion=motion)
            if b.voted or motion.status != MotionStatus.VOTING_OPEN
        ],
        "steps": _steps(motion),
        "secret_vote": selectors.secret_vote_of(motion) if motion.secret else None,
        "roll_call": _roll_call(motion),
        "tally": motion.tally if motion.closed_at else None,
        "now": now,
        "document_form": DocumentForm() if is_secretary else None,
        "nav_section": "governance:secretariat" if is_secretary else "governance:my_open_votes",
        "breadcrumbs": crumbs(
            (_("Secretariat"), reverse("governance:secretariat"))
            if is_secretary
            else (_("My open votes"), reverse("governance:my_open_votes")),
            (motion.reference, None),
        ),
        **views_rulebook.motion_context(actor, motion, cast),
    }
    return render(request, "governance/motion_detail.html", context)


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
    motion_crumbs = crumbs(
        (_("My open votes"), reverse("governance:my_open_votes")),
        (motion.reference, reverse("governance:motion_detail", args=[motion.pk])),
        (_("Confirm your vote"), None),
    )
    if request.POST.get("confirmed") != "yes":
        return render(
            request,
            "governance/vote_confirm.html",
            {
                "motion": motion,
                "state": state,
                "choice": form.cleaned_data["choice"],
                "choice_label": BallotChoice(form.cleaned_data["choice"]).label,
                "breadcrumbs": motion_crumbs,
                "nav_section": "governance:my_open_votes",
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
    context = {
        "motion": motion,
        "receipt": receipt,
        "state": state,
        "choice_label": label,
        # The same hash in groups of eight, for reading it out or comparing it by eye.
        "receipt_groups": [receipt.entry_hash[i : i + 8] for i in range(0, 64, 8)],
        "breadcrumbs": [*motion_crumbs[:-1], {"label": _("Your receipt"), "url": None}],
        "nav_section": "governance:my_open_votes",
    }
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


@login_required
@require_GET
def secretariat(request: HttpRequest) -> HttpResponse:
    """The secretary's desk for the councils they serve: what needs action, the motions, approvals.

    A secretary of one council sees that council only; the council-wide secretariat sees every
    council. New drafts are made on their own page (governance:motion_new).
    """
    actor = Actor.from_request(request)
    if not permissions.serves_any_council(actor):
        raise PermissionDenied
    councils = selectors.councils_served(user=_user(request))
    motions = (
        selectors.motions_for_user(user=_user(request))
        .filter(council__in=councils)
        .order_by("-opens_at")[:200]
    )
    return render(
        request,
        "governance/secretariat.html",
        {
            "actions": selectors.secretary_actions(user=_user(request)),
            "motions": motions,
            "pending": selectors.accreditations_pending(councils=councils),
            "mfa_ok": actor.mfa_verified,
            "now": timezone.now(),
            "breadcrumbs": crumbs((_("Secretariat"), None)),
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

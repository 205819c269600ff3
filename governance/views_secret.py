"""Pages of a secret vote with encrypted ballots: its trustees, a trustee's ceremony, the vote.

The cryptography runs in the browser (static/js/ceremony.js, static/js/secret-ballot.js over
static/js/ballot-crypto.js); these views only render the pages and hand the browser's results
to the services. Nothing secret is ever posted: a trustee's private file stays on its device.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import l10n
from core.actors import Actor
from core.errors import DomainError, MfaStale
from governance import permissions, selectors
from governance.models import BallotChoice, MemberState, Motion, MotionStatus
from governance.services import secret_ballots, trustees
from governance.views import crumbs


def _motion(request: HttpRequest, motion_id: int) -> Motion:
    return get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]


def _motion_crumbs(motion: Motion, label: str) -> list[dict[str, str | None]]:
    return crumbs(
        (motion.reference, reverse("governance:motion_detail", args=[motion.pk])), (label, None)
    )


@login_required
def secret_vote_trustees(request: HttpRequest, motion_id: int) -> HttpResponse:
    """Who holds the key of a secret vote and how far their ceremony is; the secretary names them."""
    motion = _motion(request, motion_id)
    if not motion.secret:
        raise Http404
    actor = Actor.from_request(request)
    is_secretary = permissions.is_secretary(actor, motion.council)
    if request.method == "POST":
        if not is_secretary:
            raise PermissionDenied
        codes = request.POST.getlist("trustees")
        states = list(MemberState.objects.filter(code__in=codes))
        threshold_text = request.POST.get("threshold", "")
        try:
            trustees.trustees_name(
                actor=actor,
                motion=motion,
                trustees=states,
                threshold=int(threshold_text) if threshold_text.isdigit() else None,
            )
        except MfaStale:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The trustees are named."))
        return HttpResponseRedirect(reverse("governance:secret_vote_trustees", args=[motion.pk]))
    secret_vote = selectors.secret_vote_of(motion)
    own = permissions.voting_delegation(actor, motion.council)
    rows = selectors.trustee_rows(secret_vote) if secret_vote else []
    seated = sorted(
        {
            s.member_state.code: s.member_state for s in selectors.seat_list(council=motion.council)
        }.values(),
        key=lambda s: s.code,
    )
    named = {t.member_state.code for t in rows}
    context = {
        "motion": motion,
        "secret_vote": secret_vote,
        "rows": rows,
        "waiting": trustees.ceremony_waiting(secret_vote) if secret_vote else [],
        "is_trustee": own is not None and own.code in named,
        "may_name": is_secretary
        and motion.status in (MotionStatus.DRAFT, MotionStatus.TABLED)
        and not any(t.key_published_at for t in rows),
        "seated": l10n.sorted_by_name(
            [(s, s.code in named) for s in seated],
            lambda pair: l10n.country_name(pair[0].code, pair[0].name_en),
        ),
        "default_threshold": secret_vote.threshold
        if secret_vote
        else motion.council.secret_vote_threshold,
        "nav_section": "governance:secretariat" if is_secretary else "governance:my_open_votes",
        "breadcrumbs": _motion_crumbs(motion, _("Trustees")),
    }
    return render(request, "governance/secret_trustees.html", context)


@login_required
def ceremony(request: HttpRequest, motion_id: int) -> HttpResponse:
    """A trustee's page: make the key share, exchange shares, check them, decrypt the totals."""
    motion = _motion(request, motion_id)
    # The page is for a voting delegate of a trustee delegation; the API checks the second
    # factor on every step, and the page says when it is missing.
    own = permissions.voting_delegation(Actor.from_request(request), motion.council)
    secret_vote_ = selectors.secret_vote_of(motion)
    trustee = (
        secret_vote_.trustees.filter(member_state=own).first() if secret_vote_ and own else None
    )
    if trustee is None:
        raise PermissionDenied(_("Only a voting delegate of a trustee delegation may do this."))
    api = {
        "state": reverse("v1:secret-vote-ceremony", args=[motion.pk]),
        "key": reverse("v1:secret-vote-key", args=[motion.pk]),
        "shares": reverse("v1:secret-vote-shares", args=[motion.pk]),
        "confirm": reverse("v1:secret-vote-confirm", args=[motion.pk]),
        "partial": reverse("v1:secret-vote-partial", args=[motion.pk]),
    }
    context: dict[str, Any] = {
        "motion": motion,
        "trustee": trustee,
        "api": api,
        "mfa_ok": Actor.from_request(request).mfa_verified,
        "nav_section": "governance:my_open_votes",
        "breadcrumbs": _motion_crumbs(motion, _("Key ceremony")),
    }
    return render(request, "governance/secret_ceremony.html", context)


@login_required
def secret_vote(request: HttpRequest, motion_id: int) -> HttpResponse:
    """Cast an encrypted ballot: the browser encrypts the choice, the server checks the proofs."""
    motion = _motion(request, motion_id)
    secret_vote_ = selectors.secret_vote_of(motion)
    if secret_vote_ is None:
        raise Http404
    user = request.user
    may_vote_for: list[str] = []
    voted: set[str] = set()
    if motion.status == MotionStatus.VOTING_OPEN:
        for open_motion, states, done in selectors.open_votes_for_user(user=user):  # type: ignore[arg-type]
            if open_motion.pk == motion.pk:
                may_vote_for, voted = states, done
    if request.method == "POST":
        state = MemberState.objects.filter(code=request.POST.get("member_state", "")).first()
        if state is None:
            raise Http404
        try:
            ballot = json.loads(request.POST.get("ballot", ""))
        except ValueError:
            messages.error(
                request,
                _(
                    "Your browser did not encrypt the ballot (JavaScript is needed for a secret "
                    "vote); nothing was cast."
                ),
            )
            return HttpResponseRedirect(reverse("governance:secret_vote", args=[motion.pk]))
        try:
            receipt = secret_ballots.encrypted_ballot_cast(
                actor=Actor.from_request(request), motion=motion, member_state=state, ballot=ballot
            )
        except MfaStale:
            raise  # FreshMfaMiddleware asks for a current code, then replays this POST
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("governance:secret_vote", args=[motion.pk]))
        return render(
            request,
            "governance/secret_receipt.html",
            {
                "motion": motion,
                "receipt": receipt,
                "state": state,
                "tracker_groups": [receipt.tracker[i : i + 8] for i in range(0, 64, 8)],
                "nav_section": "governance:my_open_votes",
                "breadcrumbs": _motion_crumbs(motion, _("Your receipt")),
            },
        )
    context = {
        "motion": motion,
        "secret_vote": secret_vote_,
        "may_vote_for": may_vote_for,
        "voted": voted,
        "choices": BallotChoice.choices,
        "mfa_ok": Actor.from_request(request).mfa_verified,
        "nav_section": "governance:my_open_votes",
        "breadcrumbs": _motion_crumbs(motion, _("Secret ballot")),
    }
    return render(request, "governance/secret_vote.html", context)

"""Pages of council sessions: the list, planning, the session with its agenda and attendance,
amendments to a motion, the minutes, and the personal calendar feed. Thin: every write goes
through a service, which checks the role and second factor again."""

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
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.errors import DomainError, MfaStale
from governance import calendar, permissions, selectors, services
from governance.forms import DocumentForm
from governance.forms_sessions import (
    AgendaItemForm,
    AmendmentForm,
    ArrangeForm,
    CheckInForm,
    CommentForm,
    MarkForm,
    SessionForm,
    SummaryForm,
)
from governance.models import (
    Amendment,
    CalendarSubscription,
    MemberState,
    Minutes,
    Motion,
    MotionStatus,
    Session,
    SessionDocument,
    SessionStatus,
)
from governance.rules import amendments as text_rules
from governance.selectors.sessions import presence, session_detail, sessions_for_user
from governance.services.amendments import change_of, consolidated_text
from governance.services.sessions import agenda_adopted, agenda_sha256, subscription_for
from governance.views import crumbs


def _user(request: HttpRequest) -> Any:
    return request.user


def _session(request: HttpRequest, session_id: int) -> Session:
    """The session if the viewer follows its council (a delegate or its secretary), else 404."""
    return get_object_or_404(session_detail(sessions_for_user(user=_user(request))), pk=session_id)


def _do(request: HttpRequest, call: Callable[[], object], done: str) -> bool:
    """Run one service call; a refusal is shown as a message (a stale factor asks again)."""
    try:
        call()
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


def _own_state(actor: Actor, session: Session) -> MemberState | None:
    return permissions.voting_delegation(actor, session.council)


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """My councils' sessions, my calendar feed and my choice of session e-mails."""
    actor = Actor.from_request(request)
    subscription = subscription_for(_user(request)) if request.method == "GET" else None
    feed = (
        request.build_absolute_uri(reverse("governance:calendar_feed", args=[subscription.token]))
        if subscription
        else ""
    )
    return render(
        request,
        "governance/sessions/list.html",
        {
            "sessions": sessions_for_user(user=_user(request)),
            "may_plan": permissions.serves_any_council(actor),
            "subscription": subscription,
            "feed_url": feed,
            "nav_section": "governance:session_list",
            "breadcrumbs": crumbs((_("Sessions"), None)),
        },
    )


@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    """Plan a session of a council the secretary serves."""
    actor = Actor.from_request(request)
    if not permissions.serves_any_council(actor):
        raise PermissionDenied
    councils = selectors.councils_served(user=_user(request))
    form = SessionForm(request.POST or None, councils=councils)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=actor, **form.cleaned_data)
        except MfaStale:
            raise
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Session %(ref)s planned.") % {"ref": session.reference})
            return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))
    return render(
        request,
        "governance/sessions/new.html",
        {
            "form": form,
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:session_list",
            "breadcrumbs": crumbs(
                (_("Sessions"), reverse("governance:session_list")), (_("Plan a session"), None)
            ),
        },
    )


def _people_of(session: Session, state: MemberState) -> list[tuple[int, str]]:
    return [
        (a.pk, f"{a.user.get_full_name() or a.user.username} ({a.get_role_display()})")
        for a in selectors.accreditation_list(
            council=session.council,
            member_state=state,
            on=selectors.today(),
            approved_only=True,
        )
    ]


@login_required
def session_detail_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session: its agenda, documents, the quorum of presence, and the steps for each role."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    secretary = permissions.is_secretary(actor, session.council)
    own = _own_state(actor, session)
    attendance = {row.member_state_id: row for row in session.attendance.all()}
    members = services_voting_members(session)
    states = [{"state": member, "row": attendance.get(member.pk)} for member in members]
    motions = (
        Motion.objects.filter(
            council=session.council,
            status__in=(MotionStatus.DRAFT, MotionStatus.TABLED),
            agenda_item__isnull=True,
        )
        .exclude(adopts_agenda_of__isnull=False)
        .order_by("reference")
    )
    return render(
        request,
        "governance/sessions/detail.html",
        {
            "session": session,
            "items": list(session.items.all()),
            "presence": presence(session),
            "states": states,
            "secretary": secretary,
            "own_state": own,
            "own_row": attendance.get(own.pk) if own else None,
            "check_in_form": CheckInForm(people=_people_of(session, own)) if own else None,
            "item_form": AgendaItemForm(motions=motions) if secretary else None,
            "document_form": DocumentForm() if secretary else None,
            "proxy_states": [m for m in members if own is not None and m.pk != own.pk],
            "agenda_sha256": agenda_sha256(session),
            "agenda_adopted": agenda_adopted(session),
            "minutes": getattr(session, "minutes", None),
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:session_list",
            "breadcrumbs": crumbs(
                (_("Sessions"), reverse("governance:session_list")), (session.reference, None)
            ),
        },
    )


def services_voting_members(session: Session) -> list[MemberState]:
    from governance.services.sessions import voting_members

    return voting_members(session)


SESSION_STEPS: dict[str, tuple[Callable[..., object], str]] = {}


@login_required
@require_POST
def session_step(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    """Convene, open or close the session (the secretary)."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    steps: dict[str, tuple[Callable[..., object], str]] = {
        "convene": (services.session_convene, _("The convocation is sent.")),
        "open": (services.session_open, _("The session is open; the agenda is put to the vote.")),
        "close": (services.session_close, _("The session is closed.")),
    }
    if action not in steps:
        raise Http404
    call, done = steps[action]
    _do(request, lambda: call(actor=actor, session=session), done)
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


@login_required
@require_POST
def agenda_item_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    form = AgendaItemForm(request.POST, motions=Motion.objects.filter(council=session.council))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(str(e) for e in errors)}",
            )
    else:
        data = form.cleaned_data
        _do(
            request,
            lambda: services.agenda_item_add(
                actor=actor,
                session=session,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                motion=data["motion"],
            ),
            _("The item is on the agenda."),
        )
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


@login_required
@require_POST
def agenda_item_step(
    request: HttpRequest, session_id: int, item_id: int, action: str
) -> HttpResponse:
    """Move an item up or down, or put a late item to the vote of admission."""
    session = _session(request, session_id)
    item = get_object_or_404(session.items.all(), pk=item_id)
    actor = Actor.from_request(request)
    if action == "up":
        _do(
            request,
            lambda: services.agenda_item_move(
                actor=actor, item=item, position=max(item.position - 1, 1)
            ),
            _("Moved."),
        )
    elif action == "down":
        _do(
            request,
            lambda: services.agenda_item_move(
                actor=actor, item=item, position=min(item.position + 1, session.items.count())
            ),
            _("Moved."),
        )
    elif action == "admit":
        _do(
            request,
            lambda: services.late_item_put_to_vote(actor=actor, item=item),
            _("The admission of the late item is put to the vote."),
        )
    else:
        raise Http404
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


@login_required
@require_POST
def session_check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """A delegation checks itself in, naming who of it is present."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    own = _own_state(actor, session)
    if own is None:
        raise PermissionDenied
    form = CheckInForm(request.POST, people=_people_of(session, own))
    if not form.is_valid():
        messages.error(request, _("Choose people of your delegation."))
    else:
        people = [int(p) for p in form.cleaned_data["people"]]
        _do(
            request,
            lambda: services.session_check_in(
                actor=actor, session=session, member_state=own, people=people
            ),
            _("%(state)s is checked in.") % {"state": own.code},
        )
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


@login_required
@require_POST
def session_mark(request: HttpRequest, session_id: int) -> HttpResponse:
    """The secretary marks a delegation present or absent."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    form = MarkForm(request.POST)
    state = None
    if form.is_valid():
        state = MemberState.objects.filter(code=form.cleaned_data["member_state"]).first()
    if state is None:
        messages.error(request, _("Choose a member state."))
    else:
        present = form.cleaned_data["present"] == "1"
        _do(
            request,
            lambda: services.session_attendance_mark(
                actor=actor, session=session, member_state=state, present=present
            ),
            _("Attendance recorded."),
        )
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


# -- amendments -------------------------------------------------------------------------------


def _motion_on_agenda(request: HttpRequest, motion_id: int) -> tuple[Motion, Session]:
    motion = get_object_or_404(selectors.motions_for_user(user=_user(request)), pk=motion_id)
    item = getattr(motion, "agenda_item", None)
    if item is None:
        raise Http404
    return motion, _session(request, item.session_id)


@login_required
def amendments_page(request: HttpRequest, motion_id: int) -> HttpResponse:
    """The motion's text with line numbers, each amendment with its diff, and the forms."""
    motion, session = _motion_on_agenda(request, motion_id)
    actor = Actor.from_request(request)
    secretary = permissions.is_secretary(actor, session.council)
    own = _own_state(actor, session)
    base = motion.consolidation.original_text if hasattr(motion, "consolidation") else motion.text
    rows = []
    for amendment in motion.amendments.select_related("member_state", "vote").order_by(
        "position", "number"
    ):
        try:
            lines = text_rules.change_diff(base, change_of(amendment))
        except text_rules.AmendmentError:
            lines = []
        rows.append({"amendment": amendment, "diff": lines})
    try:
        consolidated, applied = (
            consolidated_text(motion)
            if not hasattr(motion, "consolidation")
            else (motion.text, motion.consolidation.amendments)
        )
        whole_diff = text_rules.diff(base, consolidated)
    except DomainError as exc:
        consolidated, applied, whole_diff = "", [], []
        messages.error(request, exc.message)
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        as_secretariat = request.POST.get("as") == "recommendation"
        if not as_secretariat and own is None:
            raise PermissionDenied
        state = own

        def call() -> object:
            if as_secretariat:
                return services.recommendation_propose(actor=actor, motion=motion, **data)
            assert state is not None  # noqa: S101 - checked above
            return services.amendment_propose(
                actor=actor, motion=motion, member_state=state, **data
            )

        if _do(request, call, _("The amendment is proposed.")):
            return HttpResponseRedirect(reverse("governance:amendments", args=[motion.pk]))
    return render(
        request,
        "governance/sessions/amendments.html",
        {
            "motion": motion,
            "session": session,
            "numbered": text_rules.numbered(base),
            "rows": rows,
            "consolidated": consolidated,
            "consolidated_sha256": text_rules.text_sha256(consolidated) if consolidated else "",
            "applied": applied,
            "whole_diff": whole_diff,
            "form": form,
            "arrange_form": ArrangeForm(),
            "secretary": secretary,
            "own_state": own,
            "may_propose": motion.status == MotionStatus.DRAFT and (secretary or own is not None),
            "agenda_adopted": agenda_adopted(session) and session.status == SessionStatus.OPEN,
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:session_list",
            "breadcrumbs": crumbs(
                (_("Sessions"), reverse("governance:session_list")),
                (session.reference, reverse("governance:session_detail", args=[session.pk])),
                (_("Amendments to %(ref)s") % {"ref": motion.reference}, None),
            ),
        },
    )


@login_required
@require_POST
def amendment_step(
    request: HttpRequest, motion_id: int, amendment_id: int, action: str
) -> HttpResponse:
    """Arrange, withdraw, accept or put an amendment to the vote."""
    motion, _unused = _motion_on_agenda(request, motion_id)
    amendment = get_object_or_404(Amendment.objects.filter(motion=motion), pk=amendment_id)
    actor = Actor.from_request(request)
    if action == "arrange":
        form = ArrangeForm(request.POST)
        if form.is_valid():
            _do(
                request,
                lambda: services.amendment_arrange(
                    actor=actor, amendment=amendment, **form.cleaned_data
                ),
                _("Arranged."),
            )
        else:
            messages.error(request, _("Give a group and a whole number for the order."))
    elif action == "withdraw":
        _do(
            request,
            lambda: services.amendment_withdraw(actor=actor, amendment=amendment),
            _("Withdrawn."),
        )
    elif action == "accept":
        _do(
            request,
            lambda: services.recommendation_accept(actor=actor, amendment=amendment),
            _("The recommendation is taken over."),
        )
    elif action == "vote":
        _do(
            request,
            lambda: services.amendment_put_to_vote(actor=actor, amendment=amendment),
            _("The amendment is put to the vote."),
        )
    else:
        raise Http404
    return HttpResponseRedirect(reverse("governance:amendments", args=[motion.pk]))


@login_required
@require_POST
def motion_final_vote(request: HttpRequest, motion_id: int) -> HttpResponse:
    motion, _unused = _motion_on_agenda(request, motion_id)
    actor = Actor.from_request(request)
    if _do(
        request,
        lambda: services.motion_final_vote(actor=actor, motion=motion),
        _("The consolidated text is put to the final vote."),
    ):
        return HttpResponseRedirect(reverse("governance:motion_detail", args=[motion.pk]))
    return HttpResponseRedirect(reverse("governance:amendments", args=[motion.pk]))


# -- minutes ----------------------------------------------------------------------------------


@login_required
def minutes_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """The minutes: the draft with each item's summary, comments, circulation and approval."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    secretary = permissions.is_secretary(actor, session.council)
    own = _own_state(actor, session)
    minutes = Minutes.objects.filter(session=session).first()
    if request.method == "POST":
        action = request.POST.get("action", "")
        back = HttpResponseRedirect(reverse("governance:minutes", args=[session.pk]))
        if action == "draft":
            _do(
                request,
                lambda: services.minutes_draft(actor=actor, session=session),
                _("The minutes are drafted from the record."),
            )
            return back
        if minutes is None:
            raise Http404
        if action == "summary":
            form = SummaryForm(request.POST)
            if form.is_valid():
                _do(
                    request,
                    lambda: services.minutes_summary_set(
                        actor=actor, minutes=minutes, **form.cleaned_data
                    ),
                    _("The summary is saved."),
                )
            else:
                messages.error(request, _("The summary could not be read."))
        elif action == "circulate":
            _do(
                request,
                lambda: services.minutes_circulate(actor=actor, minutes=minutes),
                _("The draft minutes are circulated for comments."),
            )
        elif action == "comment" and own is not None:
            comment = CommentForm(request.POST)
            if comment.is_valid():
                _do(
                    request,
                    lambda: services.minutes_comment(
                        actor=actor,
                        minutes=minutes,
                        member_state=own,
                        text=comment.cleaned_data["text"],
                    ),
                    _("Your comment is recorded."),
                )
            else:
                messages.error(request, _("Write the comment."))
        elif action == "schedule":
            target = Session.objects.filter(
                pk=request.POST.get("session", "0")
                if str(request.POST.get("session", "")).isdigit()
                else 0
            ).first()
            if target is None:
                messages.error(request, _("Choose the next session."))
            else:
                _do(
                    request,
                    lambda: services.minutes_put_on_agenda(
                        actor=actor, minutes=minutes, session=target
                    ),
                    _("The approval is the first item of the next session."),
                )
        elif action == "approve":
            _do(
                request,
                lambda: services.minutes_approve(actor=actor, minutes=minutes),
                _("The minutes are approved and frozen."),
            )
        else:
            raise PermissionDenied
        return back
    from governance.services.minutes import render_minutes

    later = Session.objects.filter(
        council=session.council, starts_at__gt=session.starts_at, status=SessionStatus.PLANNED
    ).order_by("starts_at")
    return render(
        request,
        "governance/sessions/minutes.html",
        {
            "session": session,
            "minutes": minutes,
            "preview": render_minutes(
                minutes.record, minutes.summary, language=request.LANGUAGE_CODE[:2]
            )
            if minutes and minutes.record
            else "",
            "items": minutes.record.get("items", []) if minutes else [],
            "summary": minutes.summary if minutes else {},
            "comments": minutes.comments.select_related("member_state") if minutes else [],
            "versions": minutes.versions.all() if minutes else [],
            "later_sessions": later,
            "secretary": secretary,
            "own_state": own,
            "comment_form": CommentForm(),
            "now": timezone.now(),
            "mfa_ok": actor.mfa_verified,
            "nav_section": "governance:session_list",
            "breadcrumbs": crumbs(
                (_("Sessions"), reverse("governance:session_list")),
                (session.reference, reverse("governance:session_detail", args=[session.pk])),
                (_("Minutes"), None),
            ),
        },
    )


# -- calendar and e-mail ----------------------------------------------------------------------


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal feed at its secret address (no sign-in: calendar apps cannot sign in)."""
    subscription = (
        CalendarSubscription.objects.select_related("user").filter(token=token).first()
        if len(token) <= 64
        else None
    )
    if subscription is None or not subscription.user.is_active:
        raise Http404
    from django.utils import translation

    with translation.override(subscription.user.preferred_language):
        body = calendar.feed_for(subscription.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="concordia.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    _do(
        request,
        lambda: services.calendar_feed_rotate(actor=actor),
        _("Your calendar has a new address; the old one no longer works."),
    )
    return HttpResponseRedirect(reverse("governance:session_list"))


@login_required
@require_POST
def session_emails(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    wanted = request.POST.get("wanted") == "1"
    _do(
        request,
        lambda: services.session_emails_set(actor=actor, wanted=wanted),
        _("Your choice is saved."),
    )
    return HttpResponseRedirect(reverse("governance:session_list"))


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop session e-mails from the link in one, without signing in (confirmed by a button)."""
    known = (
        len(token) <= 64 and CalendarSubscription.objects.filter(unsubscribe_token=token).exists()
    )
    if not known:
        raise Http404
    done = False
    if request.method == "POST":
        done = services.session_emails_unsubscribe(token=token) is not None
    return render(request, "governance/sessions/unsubscribe.html", {"done": done})


# -- documents and proxies --------------------------------------------------------------------


@login_required
@require_POST
def session_document_add(request: HttpRequest, session_id: int) -> HttpResponse:
    """The secretary attaches a document (its SHA-256 is kept and shown)."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give the document a title and choose its file."))
    else:
        _do(
            request,
            lambda: services.session_document_add(
                actor=actor,
                session=session,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            ),
            _("The document is attached."),
        )
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))


@login_required
def session_document_download(
    request: HttpRequest, session_id: int, document_id: int
) -> FileResponse:
    session = _session(request, session_id)
    document = get_object_or_404(SessionDocument, pk=document_id, session=session)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=(document.file.name or "document").rsplit("/", 1)[-1],
    )


@login_required
@require_POST
def session_proxy(request: HttpRequest, session_id: int) -> HttpResponse:
    """A delegation gives its vote to another delegation for the whole session."""
    session = _session(request, session_id)
    actor = Actor.from_request(request)
    own = _own_state(actor, session)
    holder = MemberState.objects.filter(code=str(request.POST.get("holder", ""))[:2]).first()
    if own is None:
        raise PermissionDenied
    if holder is None:
        messages.error(request, _("Choose a member state."))
    else:
        _do(
            request,
            lambda: services.session_proxy_grant(
                actor=actor, session=session, grantor=own, holder=holder
            ),
            _("%(holder)s holds your vote for this session.") % {"holder": holder.code},
        )
    return HttpResponseRedirect(reverse("governance:session_detail", args=[session.pk]))

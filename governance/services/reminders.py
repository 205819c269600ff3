"""Reminders to delegations that have not yet voted, shortly before a vote closes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.clock import facility_today
from governance import selectors
from governance.models import MemberState, Motion, MotionStatus, VoteReminder
from governance.services.ballots import states_voted


def vote_reminders_send(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind delegations that have not voted, 24 h and 1 h before closing; each once."""
    now = now or timezone.now()
    sent = 0
    # A suspension takes effect at once: nobody is reminded of a vote they may no longer cast.
    suspended = selectors.states_suspended()
    for motion in Motion.objects.filter(
        status=MotionStatus.VOTING_OPEN, closes_at__gt=now
    ).select_related("council", "electorate"):
        left = motion.closes_at - now
        kinds = [f"{h}h" for h in settings.VOTE_REMINDER_HOURS if left <= dt.timedelta(hours=h)]
        if not kinds:
            continue
        voted = states_voted(motion)
        for elector in motion.electorate.as_electorate().voting_members:
            if elector.state in voted:
                continue
            voter_state = elector.proxy_holder or elector.state
            if elector.state in suspended or voter_state in suspended:
                continue
            sent += _remind(actor, motion, elector.state, voter_state, kinds[-1])
    return sent


@transaction.atomic
def _remind(actor: Actor, motion: Motion, state_code: str, voter_state: str, kind: str) -> int:
    state = MemberState.objects.get(code=state_code)
    # The shortest reminder due is sent; longer ones that were missed are not sent late.
    if VoteReminder.objects.filter(motion=motion, member_state=state, kind=kind).exists():
        return 0
    VoteReminder.objects.create(motion=motion, member_state=state, kind=kind)
    delegates = selectors.accreditation_list(
        council=motion.council, on=facility_today(), approved_only=True
    ).filter(member_state__code=voter_state, role__in=["head", "delegate", "alternate"])
    recipients = [(a.user.email, a.user.preferred_language) for a in delegates if a.user.email]
    audit_record(
        actor=actor,
        action="vote.reminder",
        target=motion,
        after={"state": state_code, "kind": kind, "to": [r[0] for r in recipients]},
    )
    closes = motion.closes_at

    def send() -> None:
        for email, language in recipients:
            with translation.override(language):
                subject = _("Reminder: vote on %(ref)s closes at %(when)s") % {
                    "ref": motion.reference,
                    "when": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M %Z"),
                }
                body = _(
                    "%(state)s has not yet voted on %(ref)s, “%(title)s”. Voting closes at %(when)s."
                ) % {
                    "state": state_code,
                    "ref": motion.reference,
                    "title": motion.title,
                    "when": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M %Z"),
                }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)

    transaction.on_commit(send)
    return 1

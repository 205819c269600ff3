"""Payment due dates in the finance officers' calendar feeds (governance.calendar's registry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from core.actors import Actor
from core.models import AuditSource, User
from funding.models import ContributionCall
from funding.permissions import is_finance_officer
from governance.calendar import FeedEvent


def payment_due_dates(user: User, since: dt.datetime) -> Iterator[FeedEvent]:
    """Each call for contributions falling due, as a whole day, for the finance officers."""
    if not is_finance_officer(Actor.for_user(user, source=AuditSource.WEB)):
        return
    for call in ContributionCall.objects.filter(due_on__gte=since.date()).select_related(
        "member_state", "fiscal_year"
    ):
        yield FeedEvent(
            uid=str(call.pk),
            summary=_("Contribution due: %(state)s, %(ref)s")
            % {"state": call.member_state.code, "ref": call.reference},
            start=call.due_on,
            end=call.due_on + dt.timedelta(days=1),
            url=reverse("funding:state_account", args=[call.member_state.code]),
        )

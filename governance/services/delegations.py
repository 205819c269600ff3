"""What delegations declare or are subject to: proxies, recusals, voting rights, contribution shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day
from core.clock import facility_date
from core.errors import Conflict, ValidationFailed
from governance import permissions, selectors
from governance.models import (
    ContributionShare,
    Council,
    MemberState,
    Motion,
    MotionStatus,
    ProxyGrant,
    Recusal,
    VotingRightsSuspension,
)

BEFORE_VOTING = (MotionStatus.DRAFT, MotionStatus.TABLED)


def _active_proxies(council: Council) -> Q:
    return Q(council=council, revoked_at__isnull=True)


@transaction.atomic
def proxy_grant(
    *,
    actor: Actor,
    council: Council,
    grantor: MemberState,
    holder: MemberState,
    motion: Motion | None = None,
    session_from: dt.date | None = None,
    session_until: dt.date | None = None,
    instruction: str = "",
) -> ProxyGrant:
    """State `grantor` gives its vote to `holder` for one motion or a council session."""
    permissions.check_speak_for_state(actor, council, grantor)
    check_day(session_from, field="session_from", years_ahead=5)
    check_day(session_until, field="session_until", years_ahead=5)
    # Lock both states in code order so concurrent grants between them cannot deadlock.
    list(
        MemberState.objects.select_for_update()
        .filter(pk__in=[grantor.pk, holder.pk])
        .order_by("code")
    )
    if motion is not None:
        if motion.council_id != council.pk:
            raise ValidationFailed(_("The motion belongs to another council."), field="motion")
        if motion.status not in BEFORE_VOTING:
            raise Conflict(
                _("Proxies for a motion are given before its vote opens."), field="motion"
            )
    seated = {s.member_state_id for s in selectors.seat_list(council=council, on=selectors.today())}
    if grantor.pk not in seated or holder.pk not in seated:
        raise ValidationFailed(_("Both states must hold a seat on the council."), field="holder")
    grant = ProxyGrant(
        council=council,
        grantor=grantor,
        holder=holder,
        motion=motion,
        session_from=session_from,
        session_until=session_until,
        instruction=instruction,
        granted_by=actor.label,
    )
    grant.full_clean()
    active = ProxyGrant.objects.filter(_active_proxies(council))
    overlapping = _overlapping(active, grant)
    if overlapping.filter(grantor=grantor).exists():
        raise Conflict(
            _("%(state)s has already given its vote for that motion or session.")
            % {"state": grantor.code}
        )
    if overlapping.filter(grantor=holder).exists():
        raise Conflict(
            _("%(state)s has given its own vote away and cannot hold another's.")
            % {"state": holder.code}
        )
    limit = settings.PROXY_MAX_PER_HOLDER
    if overlapping.filter(holder=holder).count() >= limit:
        raise Conflict(
            ngettext(
                "%(state)s already holds %(n)d proxy; a delegation may hold at most %(limit)d.",
                "%(state)s already holds %(n)d proxies; a delegation may hold at most %(limit)d.",
                limit,
            )
            % {"state": holder.code, "n": limit, "limit": limit},
            field="holder",
        )
    grant.save()
    audit_record(actor=actor, action="proxy.grant", target=grant, after=snapshot(grant))
    return grant


def _overlapping(active: QuerySet[ProxyGrant], grant: ProxyGrant) -> QuerySet[ProxyGrant]:
    """Active grants whose scope meets the new grant's (same motion, or sessions that overlap)."""
    if grant.motion_id is not None:
        motion = grant.motion
        assert motion is not None  # noqa: S101
        day = facility_date(motion.opens_at)
        return active.filter(Q(motion=motion) | Q(session_from__lte=day, session_until__gte=day))
    return active.filter(
        Q(session_from__lte=grant.session_until, session_until__gte=grant.session_from)
        | Q(
            motion__opens_at__date__gte=grant.session_from,
            motion__opens_at__date__lte=grant.session_until,
        )
    )


@transaction.atomic
def proxy_revoke(*, actor: Actor, proxy: ProxyGrant) -> ProxyGrant:
    """Take a proxy back; a vote already frozen with it stays as it was frozen."""
    locked = (
        ProxyGrant.objects.select_for_update().select_related("council", "grantor").get(pk=proxy.pk)
    )
    permissions.check_speak_for_state(actor, locked.council, locked.grantor)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor.label
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="proxy.revoke",
            target=locked,
            after=snapshot(locked, ["revoked_at"]),
        )
    return locked


@transaction.atomic
def recusal_declare(
    *, actor: Actor, motion: Motion, member_state: MemberState, reason: str
) -> Recusal:
    """A state declares a conflict of interest on a motion before its vote opens."""
    locked = Motion.objects.select_for_update().get(pk=motion.pk)
    permissions.check_speak_for_state(actor, locked.council, member_state)
    if locked.status not in BEFORE_VOTING:
        raise Conflict(_("A recusal is declared before the vote opens."), field="motion")
    if not reason.strip():
        raise ValidationFailed(_("Say what the conflict of interest is."), field="reason")
    if Recusal.objects.filter(motion=locked, member_state=member_state).exists():
        raise Conflict(_("%(state)s has already recused itself.") % {"state": member_state.code})
    recusal = Recusal.objects.create(
        motion=locked, member_state=member_state, reason=reason, declared_by=actor.label
    )
    audit_record(
        actor=actor,
        action="recusal.declare",
        target=locked,
        after={"state": member_state.code, "reason": reason},
    )
    return recusal


@transaction.atomic
def voting_rights_suspend(
    *, actor: Actor, member_state: MemberState, reason: str, reference: str = ""
) -> VotingRightsSuspension:
    """Suspend a state's votes from now on; already suspended states stay as they are."""
    permissions.check_voting_rights(actor)
    MemberState.objects.select_for_update().filter(pk=member_state.pk).first()
    current = VotingRightsSuspension.objects.filter(
        member_state=member_state, restored_at__isnull=True
    ).first()
    if current is not None:
        return current
    suspension = VotingRightsSuspension.objects.create(
        member_state=member_state, reason=reason, reference=reference, suspended_by=actor.label
    )
    audit_record(
        actor=actor,
        action="voting_rights.suspend",
        target=member_state,
        after={"reason": reason, "reference": reference},
    )
    return suspension


@transaction.atomic
def voting_rights_restore(
    *, actor: Actor, member_state: MemberState, reason: str
) -> VotingRightsSuspension | None:
    """Restore a suspended state's votes (votes already open keep their frozen electorate)."""
    permissions.check_voting_rights(actor)
    MemberState.objects.select_for_update().filter(pk=member_state.pk).first()
    current = VotingRightsSuspension.objects.filter(
        member_state=member_state, restored_at__isnull=True
    ).first()
    if current is None:
        return None
    current.restored_at = timezone.now()
    current.restored_by = actor.label
    current.restore_reason = reason
    current.save(update_fields=["restored_at", "restored_by", "restore_reason"])
    audit_record(
        actor=actor, action="voting_rights.restore", target=member_state, after={"reason": reason}
    )
    return current


@transaction.atomic
def contribution_shares_set(
    *, actor: Actor, shares: dict[str, Decimal], valid_from: dt.date, source: str
) -> list[ContributionShare]:
    """Record the contribution shares the weighted voting rules use from `valid_from` on."""
    permissions.check_set_contribution_shares(actor)
    states = {s.code: s for s in MemberState.objects.filter(code__in=list(shares))}
    unknown = sorted(set(shares) - set(states))
    if unknown:
        raise ValidationFailed(
            _("Unknown member state: %(codes)s.") % {"codes": ", ".join(unknown)}, field="shares"
        )
    rows = []
    for code, share in sorted(shares.items()):
        row, _created = ContributionShare.objects.update_or_create(
            member_state=states[code],
            valid_from=valid_from,
            defaults={"share": share, "source": source},
        )
        rows.append(row)
    audit_record(
        actor=actor,
        action="contribution_shares.set",
        after={
            "valid_from": valid_from.isoformat(),
            "source": source,
            "shares": {k: str(v) for k, v in shares.items()},
        },
    )
    return rows

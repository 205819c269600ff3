"""Optional programmes: their deciding council, participants and contribution key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, changed, snapshot
from core.bounds import check_date
from core.errors import Conflict, ValidationFailed
from core.validators import clean_or_fail
from governance import permissions
from governance.models import (
    Council,
    MemberState,
    MemberStatus,
    Programme,
    ProgrammeParticipation,
)

PROGRAMME_FIELDS = ("name", "council", "description")
# As the column stores a share: 18 decimal places.
SHARE_PLACES = Decimal(1).scaleb(-18)


@transaction.atomic
def programme_create(
    *, actor: Actor, code: str, name: str, council: Council, description: str = ""
) -> Programme:
    """Create a programme whose matters `council` decides; participants come with its first key."""
    permissions.check_manage_programmes(actor)
    if Programme.objects.filter(code=code).exists():
        raise ValidationFailed(_("A programme with this code exists already."), field="code")
    programme = Programme(code=code, name=name, council=council, description=description)
    clean_or_fail(programme)
    programme.save()
    audit_record(
        actor=actor,
        action="programme.create",
        target=programme,
        after={"code": code, "name": name, "council": council.code},
    )
    return programme


@transaction.atomic
def programme_update(*, actor: Actor, programme: Programme, **values: object) -> Programme:
    """Change a programme's name, deciding council or description (its code is fixed)."""
    permissions.check_manage_programmes(actor)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    unknown = set(values) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationFailed(_("This cannot be changed."), field=sorted(unknown)[0])
    before = snapshot(locked, list(PROGRAMME_FIELDS))
    for name, value in values.items():
        setattr(locked, name, value)
    clean_or_fail(locked)
    locked.save()
    old, new = changed(before, snapshot(locked, list(PROGRAMME_FIELDS)))
    if new:
        audit_record(actor=actor, action="programme.update", target=locked, before=old, after=new)
    return locked


def _share(code: str, value: object) -> Decimal:
    try:
        share = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(
            _("The share of %(state)s is not a number.") % {"state": code}, field="shares"
        ) from exc
    if not share.is_finite() or not Decimal(0) < share <= Decimal(1):
        raise ValidationFailed(
            _("The share of %(state)s must be more than 0 and at most 1.") % {"state": code},
            field="shares",
        )
    if share != share.quantize(SHARE_PLACES):
        raise ValidationFailed(
            _("The share of %(state)s has more than 18 decimal places.") % {"state": code},
            field="shares",
        )
    return share


@transaction.atomic
def programme_key_set(
    *,
    actor: Actor,
    programme: Programme,
    valid_from: dt.date,
    shares: Mapping[str, object],
) -> list[ProgrammeParticipation]:
    """Set the programme's participants and their key from a date, all at once.

    The shares of the participants must sum to exactly 1: a key that does not would weigh a
    programme vote against a whole that does not exist. The key in force until then ends the
    day before; an earlier key cannot be rewritten (a vote may have been weighted by it).
    """
    permissions.check_manage_programmes(actor)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    check_date(valid_from, field="valid_from")
    if not shares:
        raise ValidationFailed(_("Name at least one participating state."), field="shares")
    codes = [str(code).upper() for code in shares]
    states = {s.code: s for s in MemberState.objects.filter(code__in=codes)}
    parsed: dict[str, Decimal] = {}
    for raw_code, value in shares.items():
        code = str(raw_code).upper()
        state = states.get(code)
        if state is None:
            raise ValidationFailed(
                _("%(state)s is not a member state.") % {"state": str(raw_code)[:10]},
                field="shares",
            )
        if state.status != MemberStatus.FULL:
            raise ValidationFailed(
                _("%(state)s is not a full member and cannot take part with a vote.")
                % {"state": code},
                field="shares",
            )
        parsed[code] = _share(code, value)
    total = sum(parsed.values(), Decimal(0))
    if total != 1:
        raise ValidationFailed(
            _("The shares add up to %(total)s; a programme's key must add up to exactly 1.")
            % {"total": total.normalize()},
            field="shares",
        )
    latest = ProgrammeParticipation.objects.filter(programme=locked).order_by("-valid_from").first()
    if latest is not None and valid_from <= latest.valid_from:
        raise Conflict(
            _("A key from %(day)s is in place; a new key must start after it.")
            % {"day": latest.valid_from.isoformat()},
            field="valid_from",
        )
    previous = list(
        ProgrammeParticipation.objects.filter(programme=locked, valid_until__isnull=True)
    )
    before = {p.member_state.code: str(p.share) for p in previous}
    ProgrammeParticipation.objects.filter(programme=locked, valid_until__isnull=True).update(
        valid_until=valid_from - dt.timedelta(days=1)
    )
    rows = [
        ProgrammeParticipation(
            programme=locked, member_state=states[code], share=share, valid_from=valid_from
        )
        for code, share in sorted(parsed.items())
    ]
    for row in rows:
        clean_or_fail(row, validate_unique=False)
    created = ProgrammeParticipation.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="programme.key_set",
        target=locked,
        before={"key": before} if before else None,
        after={"valid_from": valid_from.isoformat(), "key": {c: str(s) for c, s in parsed.items()}},
    )
    return created

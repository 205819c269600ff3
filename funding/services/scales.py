"""Contribution scales: computed from the imported statistics, frozen, adopted by a council vote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.models import AuditSource
from funding import fx, permissions, scale_io, selectors
from funding.errors import ScaleNotComputable
from funding.models import ContributionScale, NationalIncomeFigure, ScaleShare, ScaleStatus
from funding.rules import (
    ExchangeRate,
    IncomeFigure,
    Member,
    MemberStatus,
    ScaleError,
    ScaleInputs,
    ScaleParameters,
    ScaleResult,
    compute_scale,
    fraction_to_decimal,
    fraction_to_str,
)
from funding.selectors import base_currency
from governance import selectors as governance_selectors
from governance import services as governance
from governance.choices import MemberStatus as StateStatus
from governance.choices import MotionKind, MotionOutcome, MotionStatus

if TYPE_CHECKING:
    from governance.models import Motion

SHARE_PLACES = 18


def _members(year: int, reference_years: tuple[int, ...]) -> tuple[Member, ...]:
    states = governance_selectors.member_state_list(
        statuses=[StateStatus.FULL, StateStatus.ASSOCIATE], acceded_by_year=year
    )
    figures: dict[int, list[IncomeFigure]] = {}
    for row in NationalIncomeFigure.objects.filter(
        member_state__in=states, year__in=reference_years
    ).order_by("year"):
        figures.setdefault(row.member_state_id, []).append(
            IncomeFigure(
                year=row.year,
                currency=row.currency,
                national_income=row.national_income,
                gdp=row.gdp,
            )
        )
    return tuple(
        Member(
            code=state.code,
            status=MemberStatus.ASSOCIATE
            if state.status == StateStatus.ASSOCIATE
            else MemberStatus.FULL,
            accession_year=state.accession_date.year,
            figures=tuple(figures.get(state.pk, ())),
        )
        for state in states
    )


def _reference_years(years_averaged: int, last_year: int | None) -> tuple[int, ...]:
    """The latest ``years_averaged`` years with national-income figures (up to ``last_year``)."""
    qs = NationalIncomeFigure.objects.filter(national_income__isnull=False)
    if last_year is not None:
        qs = qs.filter(year__lte=last_year)
    reported = sorted(set(qs.values_list("year", flat=True)))
    if len(reported) < years_averaged:
        raise ScaleNotComputable(
            _("National income is imported for %(n)d year(s); the scale averages %(m)d.")
            % {"n": len(reported), "m": years_averaged}
        )
    return tuple(reported[-years_averaged:])


def _rates(
    members: tuple[Member, ...], years: tuple[int, ...], budget_currency: str
) -> tuple[ExchangeRate, ...]:
    """Each year's average rate for every currency the figures use, against the budget currency."""
    needed = {(f.year, f.currency) for m in members for f in m.figures if f.year in years}
    rates = []
    for year, currency in sorted(needed):
        if currency == budget_currency:
            continue
        leg = selectors.annual_rate_per_eur(currency, year)
        base = selectors.annual_rate_per_eur(budget_currency, year)
        missing = currency if leg is None else budget_currency if base is None else None
        if leg is None or base is None:
            raise ScaleNotComputable(
                _("No average exchange rate for %(currency)s in %(year)d; import it first.")
                % {"currency": missing, "year": year}
            )
        rates.append(ExchangeRate(year, currency, fx.cross_rate(leg[0], base[0])))
    return tuple(rates)


def scale_inputs_for(
    year: int, parameters: ScaleParameters, *, budget_cents: int = 0
) -> ScaleInputs:
    """Gather the inputs of one scale year from the imported statistics and rates."""
    members = _members(year, parameters.reference_years or ())
    return ScaleInputs(
        scale_year=year,
        budget_cents=budget_cents,
        members=members,
        rates=_rates(members, parameters.reference_years or (), parameters.budget_currency),
        parameters=parameters,
    )


def _parameters(values: Mapping[str, Any], budget_currency: str) -> ScaleParameters:
    def fraction(name: str) -> Fraction | None:
        value = values.get(name)
        if value in (None, ""):
            return None
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise ValidationFailed(
                _("Write %(name)s as a fraction (1/4) or a decimal (0.25).") % {"name": name},
                field=name,
            ) from None

    try:
        phase_in = tuple(Fraction(str(p)) for p in values.get("phase_in", ()) or ())
    except (ValueError, ZeroDivisionError):
        raise ValidationFailed(
            _("Write each phase-in rate as 1/2 or 0.5."), field="phase_in"
        ) from None
    return ScaleParameters(
        budget_currency=budget_currency,
        years_averaged=int(values.get("years_averaged", 3)),
        gdp_ratio=fraction("gdp_ratio"),
        ceiling=fraction("ceiling"),
        floor=fraction("floor"),
        phase_in=phase_in,
        associate_share=fraction("associate_share"),
    )


@transaction.atomic
def scale_compute(
    *,
    actor: Actor,
    reference: str,
    first_year: int,
    last_year: int,
    parameters: Mapping[str, Any] | None = None,
    indicative_budget_cents: int = 0,
) -> ContributionScale:
    """Compute a draft scale for a period from the statistics imported now, and freeze its inputs.

    ``parameters``: years_averaged, gdp_ratio, ceiling, floor, phase_in (list), associate_share,
    each a fraction ("1/4") or decimal ("0.25"). The reference years are the latest years with
    national income up to the year before the period; they are the same for every year.
    """
    permissions.check_handle_money(actor)
    if last_year < first_year:
        raise ValidationFailed(_("The period must end after it starts."), field="last_year")
    params = _parameters(parameters or {}, base_currency())
    years = _reference_years(params.years_averaged, first_year - 1)
    params = replace(params, reference_years=years)
    inputs: dict[str, Any] = {}
    results: dict[str, ScaleResult] = {}
    for year in range(first_year, last_year + 1):
        year_inputs = scale_inputs_for(year, params, budget_cents=indicative_budget_cents)
        try:
            results[str(year)] = compute_scale(year_inputs)
        except ScaleError as exc:
            raise ScaleNotComputable(f"{year}: {exc}") from exc
        inputs[str(year)] = scale_io.inputs_to_dict(year_inputs)
    scale = ContributionScale(
        reference=reference,
        first_year=first_year,
        last_year=last_year,
        budget_currency=params.budget_currency,
        parameters=scale_io.parameters_to_dict(params),
        inputs=inputs,
        inputs_sha256=scale_io.sha256_of(inputs),
        results={year: result.to_dict() for year, result in results.items()},
        created_by_label=actor.label[:200],
    )
    scale.full_clean()
    scale.save()
    states = {s.code: s for s in governance_selectors.member_state_list()}
    ScaleShare.objects.bulk_create(
        [
            ScaleShare(
                scale=scale,
                year=int(year),
                member_state=states[line.code],
                share_exact=fraction_to_str(line.applied_share),
                share=fraction_to_decimal(line.applied_share, SHARE_PLACES),
                full_share=fraction_to_decimal(line.full_share, SHARE_PLACES),
                reasons=[reason.value for reason in line.reasons],
            )
            for year, result in results.items()
            for line in result.members
        ]
    )
    audit_record(
        actor=actor,
        action="scale.compute",
        target=scale,
        after={
            "reference": reference,
            "period": [first_year, last_year],
            "reference_years": list(years),
            "inputs_sha256": scale.inputs_sha256,
        },
    )
    return scale


def scale_verify(scale: ContributionScale) -> bool:
    """Whether recomputing every year from the frozen inputs gives exactly the stored results."""
    if scale_io.sha256_of(scale.inputs) != scale.inputs_sha256:
        return False
    for year, data in scale.inputs.items():
        if compute_scale(scale_io.inputs_from_dict(data)).to_dict() != scale.results[year]:
            return False
    return True


def check_budget_motion(motion: Motion) -> None:
    if motion.kind != MotionKind.BUDGET or motion.council.code != settings.FUNDING_FINANCE_COUNCIL:
        raise ValidationFailed(
            _("Scales and budgets are decided by a budget motion of the %(council)s.")
            % {"council": settings.FUNDING_FINANCE_COUNCIL},
            field="motion",
        )


@transaction.atomic
def scale_propose(*, actor: Actor, scale: ContributionScale, motion: Motion) -> ContributionScale:
    """Put a draft scale before the finance committee under a budget motion not yet voted on."""
    permissions.check_handle_money(actor)
    locked = ContributionScale.objects.select_for_update().get(pk=scale.pk)
    if locked.status != ScaleStatus.DRAFT:
        raise Conflict(_("Only a draft scale can be proposed."))
    check_budget_motion(motion)
    if motion.status not in (MotionStatus.DRAFT, MotionStatus.TABLED):
        raise Conflict(_("The motion's vote has already opened."), field="motion")
    locked.status = ScaleStatus.PROPOSED
    locked.motion = motion
    locked.full_clean()
    locked.save(update_fields=["status", "motion"])
    audit_record(
        actor=actor,
        action="scale.propose",
        target=locked,
        before={"status": "draft"},
        after={"status": "proposed", "motion": motion.reference},
    )
    return locked


@transaction.atomic
def scale_decide(*, actor: Actor, scale: ContributionScale) -> ContributionScale:
    """Carry out the certified decision on a proposed scale: adopt it (and its shares) or not."""
    permissions.check_handle_money(actor)
    locked = ContributionScale.objects.select_for_update().get(pk=scale.pk)
    if locked.status != ScaleStatus.PROPOSED or locked.motion is None:
        raise Conflict(_("Only a proposed scale awaits a decision."))
    motion = locked.motion
    if motion.status not in (MotionStatus.CERTIFIED, MotionStatus.PUBLISHED):
        raise Conflict(_("The council's decision is not certified yet."))
    if motion.outcome != MotionOutcome.ADOPTED:
        locked.status = ScaleStatus.REJECTED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=actor, action="scale.reject", target=locked, after={"outcome": motion.outcome}
        )
        return locked
    overlapping = ContributionScale.objects.filter(
        status=ScaleStatus.ADOPTED,
        first_year__lte=locked.last_year,
        last_year__gte=locked.first_year,
    )
    if overlapping.exists():
        raise Conflict(
            _("An adopted scale already covers part of %(first)d–%(last)d.")
            % {"first": locked.first_year, "last": locked.last_year}
        )
    locked.status = ScaleStatus.ADOPTED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    # Weighted budget votes use the adopted shares from the first day of each year on. Only
    # the platform may set them (governance refuses people): the council has decided.
    system = Actor.system("funding.scale_adopt", source=AuditSource.SYSTEM)
    for year in locked.years:
        shares: dict[str, Decimal] = {
            row.member_state.code: row.share
            for row in ScaleShare.objects.filter(scale=locked, year=year).select_related(
                "member_state"
            )
        }
        governance.contribution_shares_set(
            actor=system,
            shares=shares,
            valid_from=_first_day(year),
            source=f"contribution scale {locked.reference} ({motion.reference}), {year}",
        )
    audit_record(
        actor=actor,
        action="scale.adopt",
        target=locked,
        after={"motion": motion.reference, "inputs_sha256": locked.inputs_sha256},
    )
    return locked


def _first_day(year: int) -> dt.date:
    return dt.date(year, 1, 1)

"""Contribution scales: compute a draft, read its working, put it to the finance committee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import l10n
from core.actors import Actor
from core.uswds import UswdsFormMixin
from funding import selectors, services
from funding.models import ContributionScale, ScaleShare
from funding.views.common import attempt, context, finance_page
from funding.views.years import open_budget_motions
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

FRACTION_HELP = gettext_lazy("A fraction (1/4) or a decimal (0.25); leave empty for none.")


# A fraction such as 1/4 or 0.283 needs a few characters; nobody types a page of them.
FRACTION_MAX = 40


class ScaleForm(UswdsFormMixin, forms.Form):
    reference = forms.CharField(max_length=40, label=gettext_lazy("Reference"))
    first_year = forms.IntegerField(
        min_value=1900, max_value=2200, label=gettext_lazy("First year")
    )
    last_year = forms.IntegerField(min_value=1900, max_value=2200, label=gettext_lazy("Last year"))
    years_averaged = forms.IntegerField(
        min_value=1, max_value=10, initial=3, label=gettext_lazy("Years of statistics averaged")
    )
    ceiling = forms.CharField(
        required=False,
        max_length=FRACTION_MAX,
        label=gettext_lazy("Ceiling"),
        help_text=FRACTION_HELP,
    )
    floor = forms.CharField(
        required=False,
        max_length=FRACTION_MAX,
        label=gettext_lazy("Floor"),
        help_text=FRACTION_HELP,
    )
    associate_share = forms.CharField(
        required=False,
        max_length=FRACTION_MAX,
        label=gettext_lazy("Share of each associate member"),
        help_text=FRACTION_HELP,
    )
    gdp_ratio = forms.CharField(
        required=False,
        max_length=FRACTION_MAX,
        label=gettext_lazy("Ratio of national income to GDP, for estimates"),
        help_text=FRACTION_HELP,
    )
    phase_in = forms.CharField(
        required=False,
        max_length=20 * FRACTION_MAX,
        label=gettext_lazy("Phase-in for new members"),
        help_text=gettext_lazy(
            "Rates for the 1st, 2nd, … year, separated by commas: 1/4, 1/2, 3/4"
        ),
    )


@finance_page
def scales(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = ScaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parameters: dict[str, Any] = {
            key: data[key]
            for key in ("years_averaged", "ceiling", "floor", "associate_share", "gdp_ratio")
        }
        parameters["phase_in"] = [p.strip() for p in data["phase_in"].split(",") if p.strip()]
        ok, scale = attempt(
            request,
            lambda: services.scale_compute(
                actor=actor,
                reference=data["reference"],
                first_year=data["first_year"],
                last_year=data["last_year"],
                parameters=parameters,
            ),
            form=form,
        )
        if ok:
            messages.success(request, _("Draft scale %(ref)s computed.") % {"ref": scale.reference})
            return HttpResponseRedirect(reverse("funding:scale", args=[scale.pk]))
    return render(
        request,
        "funding/scales.html",
        context(actor, crumbs=[(_("Scales"), None)], form=form, scales=selectors.scale_list()),
    )


def _share_name(share: ScaleShare) -> str:
    return l10n.country_name(share.member_state.code, share.member_state.name)


def _parameters_in_words(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """The scale's parameters with the labels of the form that set them ("Ceiling: 1/4")."""
    shown = []
    for key, field in ScaleForm.base_fields.items():
        value = parameters.get(key)
        if value in (None, "", []):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        shown.append((str(field.label), text))
    return shown


@finance_page
def scale_detail(request: HttpRequest, scale_id: int, *, actor: Actor) -> HttpResponse:
    scale = get_object_or_404(ContributionScale.objects.select_related("motion"), pk=scale_id)
    by_year: dict[int, list[ScaleShare]] = {}
    for share in ScaleShare.objects.filter(scale=scale).select_related("member_state"):
        by_year.setdefault(share.year, []).append(share)
    return render(
        request,
        "funding/scale_detail.html",
        context(
            actor,
            crumbs=[(_("Scales"), reverse("funding:scales")), (scale.reference, None)],
            scale=scale,
            by_year=[
                (year, l10n.sorted_by_name(shares, _share_name))
                for year, shares in sorted(by_year.items())
            ],
            reference_years=scale.parameters.get("reference_years") or [],
            parameters=_parameters_in_words(scale.parameters),
            motions=open_budget_motions(),
            verified=services.scale_verify(scale),
        ),
    )


@finance_page
@require_POST
def scale_step(request: HttpRequest, scale_id: int, action: str, *, actor: Actor) -> HttpResponse:
    scale = get_object_or_404(ContributionScale, pk=scale_id)
    if action == "propose":
        motion = governance_selectors.motion_get(motion_id=request.POST.get("motion") or 0)
        if motion is None:
            messages.error(request, _("Choose the budget motion."))
        elif attempt(
            request, lambda: services.scale_propose(actor=actor, scale=scale, motion=motion)
        )[0]:
            messages.success(request, _("The scale is before the finance committee."))
    elif action == "decide":
        ok, decided = attempt(request, lambda: services.scale_decide(actor=actor, scale=scale))
        if ok:
            messages.success(
                request,
                _("The decision is carried out: %(status)s.")
                % {"status": decided.get_status_display()},
            )
    else:
        messages.error(request, _("Unknown step."))
    return HttpResponseRedirect(reverse("funding:scale", args=[scale.pk]))

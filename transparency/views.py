"""The public portal: no sign-in; reads only, through the other apps' selectors."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from governance import rules, selectors
from governance.models import BallotChoice, SafetyLevel
from governance.verification import chain_file
from transparency import opendata
from transparency.cache import cached

CHOICE_LABELS = {
    **{c.value: c.label for c in BallotChoice},
    "recused": _("recused"),
    "absent": _("absent"),
}


@cached
def portal_home(request: HttpRequest) -> HttpResponse:
    decisions = list(selectors.decisions_published()[:10])
    return render(request, "transparency/home.html", {"decisions": decisions})


@cached
def decision_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.decisions_published(), 50).get_page(request.GET.get("page"))
    return render(request, "transparency/decisions.html", {"page": page})


@cached
def decision_detail(request: HttpRequest, motion_id: int) -> HttpResponse:
    motion = selectors.decisions_published().filter(pk=motion_id).first()
    if motion is None:
        raise Http404
    roll = [
        {**row, "label": CHOICE_LABELS[str(row["choice"])]} for row in selectors.roll_call(motion)
    ]
    context: dict[str, Any] = {
        "motion": motion,
        "rule_in_words": rules.VotingRule.from_dict(motion.rule).describe(),
        "tally": motion.tally,
        "roll_call": roll,
    }
    return render(request, "transparency/decision.html", context)


@cached
def decision_chain_file(request: HttpRequest, motion_id: int) -> HttpResponse:
    """The ballot chain as a text file: "<entry hash> <canonical JSON>" per line, in order."""
    motion = selectors.decisions_published().filter(pk=motion_id).first()
    if motion is None:
        raise Http404
    response = HttpResponse(chain_file(motion), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="chain-{motion.reference.replace("/", "-")}.txt"'
    )
    response["X-Electorate-SHA256"] = motion.electorate.sha256
    return response


@cached
def safety(request: HttpRequest) -> HttpResponse:
    context = {
        "levels": SafetyLevel.objects.order_by("level"),
        "projects": selectors.projects_with_levels(),
        "escalations": selectors.escalations_public()[:200],
    }
    return render(request, "transparency/safety.html", context)


@cached
def data_index(request: HttpRequest) -> HttpResponse:
    return render(request, "transparency/data.html", {"tables": opendata.TABLES})


@cached
def data_table(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    table = opendata.TABLES.get(name)
    if table is None or fmt not in ("csv", "json"):
        raise Http404
    return opendata.respond(table, fmt)


@cached
def compute(request: HttpRequest) -> HttpResponse:
    """Quotas and use per state and per project, by period, with a chart and its table."""
    from compute import selectors as compute_selectors
    from transparency.charts import Bar, bar_chart

    periods = list(compute_selectors.period_list().select_related("cluster"))
    chosen = next(
        (p for p in periods if str(p.pk) == request.GET.get("period")),
        periods[0] if periods else None,
    )
    quotas = compute_selectors.quota_lines(period=chosen) if chosen else []
    allocations = compute_selectors.allocation_lines(period=chosen) if chosen else []
    chart = ""
    if quotas:
        chart = bar_chart(
            chart_id="quota-chart",
            title=str(_("GPU quotas and use, in GPU-minutes")),
            description=str(
                _(
                    "Each bar is a quota; the dark part is what has been used. The table below gives every figure."
                )
            ),
            bars=[
                Bar(q.key, q.minutes, q.used) for q in sorted(quotas, key=lambda q: -q.minutes)[:40]
            ],
        )
    context = {
        "periods": periods,
        "period": chosen,
        "quotas": quotas,
        "allocations": allocations,
        "chart": chart,
    }
    return render(request, "transparency/compute.html", context)

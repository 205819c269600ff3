"""The public portal: no sign-in; reads only, through the other apps' selectors."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from governance import selectors, wording
from governance.models import BallotChoice, MotionStatus, SafetyLevel
from governance.verification import chain_file, signed_head
from transparency import opendata
from transparency.cache import cached
from transparency.throttle import rate_limited

CHOICE_LABELS = {
    **{c.value: c.label for c in BallotChoice},
    "recused": _("recused"),
    "absent": _("absent"),
}


def _this_year() -> int:
    return selectors.today().year


def _status(year: int) -> dict[str, Any]:
    """The status of contributions for every fiscal year up to `year` (arrears need them all)."""
    from funding import selectors as funding_selectors

    years = [fy.year for fy in funding_selectors.fiscal_year_list() if fy.year <= year] or [year]
    return funding_selectors.status_of_contributions(years, as_of=selectors.today())


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of funding's report data with the state's name in the active language."""
    lang = (get_language() or "en")[:2]
    return [{**r, "name": r.get(f"name_{lang}") or r["name_en"]} for r in rows]


def _year_block(status: dict[str, Any], year: int) -> dict[str, Any] | None:
    return next((b for b in status["years"] if b["year"] == year), None)


@cached
def portal_home(request: HttpRequest) -> HttpResponse:
    """This year's budget and contributions, compute capacity and use, the latest decisions."""
    from compute import selectors as compute_selectors
    from transparency.figures import contributions_chart

    year = _this_year()
    status = _status(year)
    block = _year_block(status, year)
    periods = [
        (p, compute_selectors.period_used_minutes(p))
        for p in compute_selectors.periods_on(selectors.today())
    ]
    context = {
        "year": year,
        "currency": status["base_currency"],
        "fy": block,
        "chart": contributions_chart(status, year=year) if block else "",
        "rows": _named(block["rows"]) if block else [],
        "periods": periods,
        "decisions": list(selectors.decisions_published()[:10]),
    }
    return render(request, "transparency/home.html", context)


@cached
def member_states(request: HttpRequest) -> HttpResponse:
    """Every member state's share, assessed, paid, outstanding, arrears and voting rights."""
    from funding import selectors as funding_selectors

    year = _this_year()
    status = _status(year)
    block = _year_block(status, year)
    accounts = {s["code"]: s for s in status["states"]}
    this_year = {r["code"]: r for r in block["rows"]} if block else {}
    shares = funding_selectors.shares_for_year(year)
    rows: list[dict[str, Any]] = [
        {
            "state": state,
            "share": shares.get(state.code),
            "year": this_year.get(state.code),
            "account": accounts.get(state.code),
        }
        for state in selectors.member_state_list()
    ]
    context = {
        "year": year,
        "currency": status["base_currency"],
        "as_of": status["as_of"],
        "arrears_rule": status["arrears_rule"],
        "rows": rows,
        "fy": block,
        "honour_roll": [r for r in rows if (this_year.get(r["state"].code) or {}).get("honour")],
        "totals": status["totals"],
    }
    return render(request, "transparency/states.html", context)


@cached
def member_state(request: HttpRequest, code: str) -> HttpResponse:
    """One state's history: contributions per year, payments, arrears, voting rights, votes, quotas."""
    from compute import selectors as compute_selectors
    from funding import selectors as funding_selectors

    state = selectors.member_state_get(code=code)
    if state is None or state.code != code:
        raise Http404
    statement = funding_selectors.statement_of(state, as_of=selectors.today())
    votes = [
        {"ballot": b, "label": CHOICE_LABELS[str(b.choice)]}
        for b in selectors.state_vote_record(state, limit=50)
    ]
    context = {
        "state": state,
        "statement": statement,
        "currency": statement["base_currency"],
        "years": sorted(statement["years"], key=lambda y: -y["year"]),
        "payments": [p for p in statement["payments"] if not p["reversed"]],
        "share": funding_selectors.shares_for_year(_this_year()).get(state.code),
        "suspensions": list(selectors.voting_rights_history(state)),
        "seats": list(selectors.seat_list(member_state=state)),
        "votes": votes,
        "quotas": compute_selectors.state_quota_history(member_state=state),
    }
    return render(request, "transparency/state.html", context)


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
        "statement": selectors.decision_statements().filter(motion=motion).first(),
        "rule_in_words": wording.rule_in_words(motion.rule),
        "electorate_rule": selectors.electorate_rule_in_words(),
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
    from django.conf import settings

    context = {"tables": opendata.TABLES, "data_rate": settings.PORTAL_DATA_RATE}
    return render(request, "transparency/data.html", context)


@rate_limited
@cached
def data_table(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    table = opendata.TABLES.get(name)
    if table is None or fmt not in ("csv", "json"):
        raise Http404
    return opendata.respond(table, fmt)


@rate_limited
@cached
def data_package(request: HttpRequest) -> HttpResponse:
    """The Frictionless Data Package describing every open-data table (datapackage.json)."""
    import json

    from transparency import datapackage

    body = json.dumps(datapackage.descriptor(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@cached
def compute(request: HttpRequest) -> HttpResponse:
    """Quotas and use per state and per project, by period, with a chart and its table."""
    from compute import selectors as compute_selectors
    from transparency.figures import quota_chart

    periods = list(compute_selectors.period_list().select_related("cluster"))
    chosen = next(
        (p for p in periods if str(p.pk) == request.GET.get("period")),
        periods[0] if periods else None,
    )
    quotas = compute_selectors.quota_lines(period=chosen) if chosen else []
    allocations = compute_selectors.allocation_lines(period=chosen) if chosen else []
    for i, q in enumerate(quotas):
        if q.key == "programme":
            quotas[i] = dataclasses.replace(q, label=str(_("facility programme")))
    chart = quota_chart(quotas)
    context = {
        "periods": periods,
        "period": chosen,
        "quotas": quotas,
        "allocations": allocations,
        "chart": chart,
    }
    return render(request, "transparency/compute.html", context)


@cached
def decision_log(request: HttpRequest) -> HttpResponse:
    """The public decision log: the key, the latest signed tree head, every statement."""
    import json

    head = selectors.tree_head_latest()
    entries = [
        {
            "index": s.index,
            "reference": s.motion.reference,
            # only a published decision has a portal page to link to
            "motion_id": s.motion.pk if s.motion.status == MotionStatus.PUBLISHED else None,
            "closed_at": s.motion.closed_at,
            "leaf_hash": s.leaf_hash,
        }
        for s in selectors.decision_statements().order_by("-index")[:200]
    ]
    context = {
        "key": selectors.decision_log_key_info(),
        "head": head,
        "head_json": json.dumps(signed_head(head), indent=2) if head else None,
        "entries": entries,
    }
    return render(request, "transparency/decision_log.html", context)


@cached
def decision_log_key(request: HttpRequest) -> HttpResponse:
    """The public key as a PEM file, to pin and give to the recompute command."""
    info = selectors.decision_log_key_info()
    response = HttpResponse(info["public_key_pem"], content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="concordia-decision-log.pem"'
    return response

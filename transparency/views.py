"""The public portal: no sign-in; reads only, through the other apps' selectors."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core import l10n
from governance import selectors, wording
from governance.choices import BallotChoice, MotionStatus
from governance.verification import chain_file, signed_head
from transparency import opendata
from transparency import selectors as portal_selectors
from transparency.cache import cached
from transparency.throttle import rate_limited

if TYPE_CHECKING:
    from governance.models import Motion

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
    """Rows of funding's report data named in the reader's language and sorted as they sort names."""
    named = [{**r, "name": l10n.country_name(r["code"], r["name_en"])} for r in rows]
    return l10n.sorted_by_name(named, lambda r: r["name"])


def _crumbs(*trail: tuple[StrOrPromise, str]) -> list[dict[str, str]]:
    """Breadcrumbs from the portal's overview down to the page itself (given without a URL)."""
    home = {"label": str(_("Transparency portal")), "url": reverse("transparency:home")}
    return [home, *({"label": str(label), "url": url} for label, url in trail)]


def _year_block(status: dict[str, Any], year: int) -> dict[str, Any] | None:
    return next((b for b in status["years"] if b["year"] == year), None)


@cached
def portal_home(request: HttpRequest) -> HttpResponse:
    """This year's budget and contributions, compute capacity and use, the latest decisions."""
    from compute import selectors as compute_selectors
    from transparency.figures import CONTRIBUTIONS_LEGEND, contributions_bars

    year = _this_year()
    status = _status(year)
    block = _year_block(status, year)
    periods = []
    for period in compute_selectors.periods_on(selectors.today()):
        used = compute_selectors.period_used_minutes(period)
        capacity = int(period.capacity_minutes)
        periods.append(
            {
                "period": period,
                "used": used,
                "share": Fraction(used, capacity) if capacity else Fraction(0),
            }
        )
    rows = _named(block["rows"]) if block else []
    context = {
        "year": year,
        "currency": status["base_currency"],
        "fy": block,
        "paid_share": Fraction(block["paid"], block["assessed"])
        if block and block["assessed"]
        else None,
        "owing": [r for r in rows if r["outstanding"] > 0],
        "bars": contributions_bars(block["rows"], currency=status["base_currency"])
        if block
        else [],
        "legend": CONTRIBUTIONS_LEGEND,
        "rows": rows,
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
    rows: list[dict[str, Any]] = l10n.sorted_by_name(
        (
            {
                "state": state,
                "name": l10n.country_name(state.code, state.name_en),
                "share": shares.get(state.code),
                "year": this_year.get(state.code),
                "account": accounts.get(state.code),
            }
            for state in selectors.member_state_list()
        ),
        lambda r: r["name"],
    )
    context = {
        "year": year,
        "currency": status["base_currency"],
        "as_of": dt.date.fromisoformat(status["as_of"]),
        "arrears_rule": status["arrears_rule"],
        "rows": rows,
        "fy": block,
        "honour_roll": [r for r in rows if (this_year.get(r["state"].code) or {}).get("honour")],
        "suspended": [r for r in rows if (r["account"] or {}).get("votes_suspended")],
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
    today = selectors.today()
    statement = funding_selectors.statement_of(state, as_of=today)
    votes = [
        {"ballot": b, "label": CHOICE_LABELS[str(b.choice)]}
        for b in selectors.state_vote_record(state, limit=50)
    ]
    name = l10n.country_name(state.code, state.name_en)
    context = {
        "state": state,
        "name": name,
        "statement": statement,
        "currency": statement["base_currency"],
        "years": sorted(statement["years"], key=lambda y: -y["year"]),
        "payments": [p for p in statement["payments"] if not p["reversed"]],
        "share": funding_selectors.shares_for_year(_this_year()).get(state.code),
        "standing": portal_selectors.arrears_standing(state, on=today),
        "suspensions": list(selectors.voting_rights_history(state)),
        "seats": list(selectors.seat_list(member_state=state)),
        "votes": votes,
        "quotas": compute_selectors.state_quota_history(member_state=state),
        "breadcrumbs": _crumbs((_("Member states"), reverse("transparency:states")), (name, "")),
    }
    return render(request, "transparency/state.html", context)


@cached
def decision_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.decisions_published(), 50).get_page(request.GET.get("page"))
    return render(request, "transparency/decisions.html", {"page": page})


def _published_decision(request: HttpRequest, motion_id: int) -> Motion | HttpResponse:
    """The published decision, or a page saying it is not published yet (404, in plain words)."""
    motion = selectors.decisions_published().filter(pk=motion_id).first()
    if motion is not None:
        return motion
    if selectors.motion_unpublished(motion_id):
        context = {
            "breadcrumbs": _crumbs(
                (_("Decisions"), reverse("transparency:decisions")), (_("Not published yet"), "")
            ),
        }
        return render(request, "transparency/decision_unpublished.html", context, status=404)
    raise Http404


def _decision_crumbs(motion: Motion, *more: tuple[StrOrPromise, str]) -> list[dict[str, str]]:
    here = reverse("transparency:decision", args=[motion.pk]) if more else ""
    return _crumbs(
        (_("Decisions"), reverse("transparency:decisions")), (motion.reference, here), *more
    )


@cached
def decision_detail(request: HttpRequest, motion_id: int) -> HttpResponse:
    """A published decision: its outcome first, the count, each state's vote, how to check it."""
    found = _published_decision(request, motion_id)
    if isinstance(found, HttpResponse):
        return found
    motion = found
    stored = dict(selectors.member_state_list().values_list("code", "name_en"))
    roll = l10n.sorted_by_name(
        (
            {
                **row,
                "name": l10n.country_name(str(row["state"]), stored.get(str(row["state"]), "")),
                "label": CHOICE_LABELS[str(row["choice"])],
            }
            for row in selectors.roll_call(motion)
        ),
        lambda r: str(r["name"]),
    )
    context: dict[str, Any] = {
        "motion": motion,
        # The latest statement counts: a casting vote after a tie signs a second one.
        "statement": selectors.decision_statement_latest(motion),
        "present_states": sorted(
            selectors.present_states_for(selectors.decisions_published().filter(pk=motion.pk))
            .get(motion.pk, set())
            .intersection(selectors.voting_members(motion))
        ),
        "rule_in_words": wording.rule_in_words(motion.rule),
        "electorate_rule": selectors.electorate_rule_in_words(),
        "tally": motion.tally,
        "roll_call": roll,
        "breadcrumbs": _decision_crumbs(motion),
    }
    secret_vote = selectors.secret_vote_of(motion) if motion.secret else None
    if secret_vote is not None:
        context["secret_vote"] = secret_vote
        context["trustees"] = selectors.trustee_rows(secret_vote)
    return render(request, "transparency/decision.html", context)


def decision_receipt(request: HttpRequest, motion_id: int) -> HttpResponse:
    """Whether a delegation's receipt was counted, read from the published chain (a GET form).

    Not cached: every answer depends on what was pasted, and a cache keyed by it would only
    fill up; the look-up is one indexed query.
    """
    found = _published_decision(request, motion_id)
    if isinstance(found, HttpResponse):
        return found
    motion = found
    pasted = request.GET.get("receipt", "")
    receipt = portal_selectors.receipt_clean(pasted)
    check = portal_selectors.receipt_check(motion, receipt) if receipt else None
    context: dict[str, Any] = {
        "motion": motion,
        "pasted": pasted[:200],
        "check": check,
        "choice_label": CHOICE_LABELS.get(check.choice, check.choice) if check else "",
        "error": not receipt,
        "breadcrumbs": _decision_crumbs(motion, (_("Check a receipt"), "")),
    }
    return render(
        request, "transparency/decision_receipt.html", context, status=200 if receipt else 400
    )


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
        "levels": selectors.safety_levels(),
        "projects": selectors.projects_with_levels(),
        "escalations": selectors.escalations_public()[:200],
    }
    return render(request, "transparency/safety.html", context)


@cached
def programmes(request: HttpRequest) -> HttpResponse:
    """Optional programmes: who takes part in each, with its own contribution key, today."""
    day = selectors.today()
    rows = [
        {
            "programme": programme,
            "participants": l10n.sorted_by_name(
                [
                    {"code": code, "name": l10n.country_name(code), "share": share}
                    for code, share in key
                ],
                lambda r: str(r["name"]),
            ),
        }
        for programme, key in selectors.programmes_with_keys(day)
    ]
    context = {
        "rows": rows,
        "day": day,
        "breadcrumbs": _crumbs((_("Programmes"), "")),
    }
    return render(request, "transparency/programmes.html", context)


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
    from transparency.figures import PROGRAMME, QUOTAS_LEGEND, quota_bars, quota_name

    periods = list(compute_selectors.period_list().select_related("cluster"))
    chosen = next(
        (p for p in periods if str(p.pk) == request.GET.get("period")),
        periods[0] if periods else None,
    )
    quotas = compute_selectors.quota_lines(period=chosen) if chosen else []
    allocations = compute_selectors.allocation_lines(period=chosen) if chosen else []
    states = [q for q in quotas if q.key != PROGRAMME]
    programme = [q for q in quotas if q.key == PROGRAMME]
    rows = [
        {"line": q, "name": quota_name(q)}
        for q in [*l10n.sorted_by_name(states, quota_name), *programme]
    ]
    used = compute_selectors.period_used_minutes(chosen) if chosen else 0
    context = {
        "periods": periods,
        "period": chosen,
        "quotas": rows,
        "allocations": allocations,
        "bars": quota_bars(quotas),
        "legend": QUOTAS_LEGEND,
        "used": used,
        "allocated": sum(q.allocated for q in quotas),
        "used_share": Fraction(used, int(chosen.capacity_minutes)) if chosen else None,
        "fair_shares": _fair_shares(chosen.cluster) if chosen else [],
    }
    return render(request, "transparency/compute.html", context)


def _fair_shares(cluster: Any) -> list[dict[str, Any]]:
    """Each state's Slurm fair share on the cluster now, in parts per 10,000, by name."""
    from compute import selectors as compute_selectors

    fair = compute_selectors.fair_shares(cluster=cluster)
    rows = [
        {
            "code": code,
            "name": l10n.country_name(code, code),
            "share": share,
            "parts": fair.parts.get(compute_selectors.state_account(code)),
        }
        for code, share in fair.shares.items()
    ]
    return [
        {**r, "source": fair.source} for r in l10n.sorted_by_name(rows, lambda r: str(r["name"]))
    ]


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

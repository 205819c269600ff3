"""Open data: every public table as CSV and JSON, with the same columns as the pages show."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from governance import rules, selectors
from governance.verification import chain_entries


@dataclass(frozen=True)
class Table:
    """One open-data table: its name, title, columns (name, type, description) and rows."""

    name: str
    title: Any
    columns: tuple[tuple[str, str, str], ...]
    rows: Callable[[], Iterator[dict[str, Any]]]


def _decisions() -> Iterator[dict[str, Any]]:
    for m in selectors.decisions_published().iterator(chunk_size=500):
        tally = m.tally or {}
        yield {
            "motion_id": m.pk,
            "reference": m.reference,
            "council": m.council.code,
            "kind": m.kind,
            "title": m.title,
            "outcome": m.outcome,
            "rule": json.dumps(m.rule, sort_keys=True),
            "rule_in_words": rules.VotingRule.from_dict(m.rule).describe(),
            "secret": m.secret,
            "members": tally.get("members"),
            "yes": tally.get("yes"),
            "no": tally.get("no"),
            "abstain": tally.get("abstain"),
            "absent": tally.get("absent"),
            "summary": tally.get("summary"),
            "electorate_sha256": m.electorate.sha256,
            "chain_head": m.chain_head,
            "chain_length": m.chain_length,
            "published_at": m.published_at.isoformat() if m.published_at else "",
        }


def _roll_calls() -> Iterator[dict[str, Any]]:
    for m in selectors.decisions_published().iterator(chunk_size=200):
        for row in selectors.roll_call(m):
            yield {"reference": m.reference, **row}


def _chains() -> Iterator[dict[str, Any]]:
    for m in selectors.decisions_published().iterator(chunk_size=200):
        yield from chain_entries(m)


def _electorates() -> Iterator[dict[str, Any]]:
    for m in selectors.decisions_published().iterator(chunk_size=200):
        yield {
            "reference": m.reference,
            "sha256": m.electorate.sha256,
            "canonical": m.electorate.canonical,
        }


def _quotas() -> Iterator[dict[str, Any]]:
    from compute.models import NationalQuota

    rows = NationalQuota.objects.select_related("period__cluster", "member_state").order_by(
        "period__starts_on", "period_id", "member_state__code"
    )
    for q in rows.iterator(chunk_size=500):
        p = q.period
        yield {
            "period_id": p.pk,
            "cluster": p.cluster.name,
            "period": p.name,
            "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(),
            "capacity_minutes": p.capacity_minutes,
            "programme_share": str(p.programme_share),
            "reserve_share": str(p.reserve_share),
            "equal_share": str(p.equal_share),
            "programme_minutes": p.programme_minutes,
            "reserve_minutes": p.reserve_minutes,
            "state": q.member_state.code,
            "share": str(q.share),
            "equal_minutes": q.equal_minutes,
            "proportional_minutes": q.proportional_minutes,
            "minutes": q.minutes,
        }


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "decisions",
            _("Published decisions"),
            (
                ("motion_id", "integer", "Identifier of the motion"),
                ("reference", "string", "Reference of the motion, e.g. GC/2026/001"),
                ("council", "string", "Council that voted"),
                ("kind", "string", "project_approval, budget, safety_escalation or general"),
                ("title", "string", "Title of the motion"),
                ("outcome", "string", "adopted, rejected or no_quorum"),
                ("rule", "string", "The voting rule as JSON (governance.rules.VotingRule)"),
                ("rule_in_words", "string", "The voting rule in plain words"),
                ("secret", "boolean", "Whether the ballot was secret"),
                ("members", "integer", "States entitled to vote and not recused"),
                ("yes", "integer", "Yes votes"),
                ("no", "integer", "No votes"),
                ("abstain", "integer", "Abstentions"),
                ("absent", "integer", "States that did not vote"),
                ("summary", "string", "The outcome and margin in words"),
                ("electorate_sha256", "string", "SHA-256 of the frozen electorate"),
                ("chain_head", "string", "Hash of the last ballot-chain entry"),
                ("chain_length", "integer", "Number of ballot-chain entries"),
                ("published_at", "datetime", "When the decision was published (UTC)"),
            ),
            _decisions,
        ),
        Table(
            "roll_calls",
            _("Roll-call votes by state"),
            (
                ("reference", "string", "Reference of the motion"),
                ("state", "string", "ISO 3166 alpha-2 code of the state"),
                ("choice", "string", "yes, no, abstain, absent or recused"),
                ("proxy_holder", "string", "State that cast the vote as proxy, if any"),
            ),
            _roll_calls,
        ),
        Table(
            "ballot_chains",
            _("Ballot chains"),
            (
                ("motion", "string", "Reference of the motion"),
                ("seq", "integer", "Position in the chain, from 1"),
                ("tag", "string", "State code (roll-call) or pseudonym (secret ballot)"),
                ("choice", "string", "yes, no or abstain"),
                ("proxy_holder", "string", "State that cast it as proxy, if any"),
                (
                    "prev_hash",
                    "string",
                    "Hash of the previous entry (the electorate hash for the first)",
                ),
                (
                    "entry_hash",
                    "string",
                    "SHA-256 of prev_hash bytes and the entry's canonical JSON",
                ),
            ),
            _chains,
        ),
        Table(
            "quotas",
            _("National GPU quotas and the inputs of their split"),
            (
                ("period_id", "integer", "Identifier of the allocation period"),
                ("cluster", "string", "Slurm cluster name"),
                ("period", "string", "Name of the period"),
                ("starts_on", "date", "First day of the period"),
                ("ends_on", "date", "First day after the period"),
                ("capacity_minutes", "integer", "Capacity of the period in GPU-minutes"),
                ("programme_share", "number", "Share reserved for the facility's own programme"),
                ("reserve_share", "number", "Share kept as the director's reserve"),
                ("equal_share", "number", "Part of the national pool split equally"),
                ("programme_minutes", "integer", "GPU-minutes of the facility programme"),
                ("reserve_minutes", "integer", "GPU-minutes of the director's reserve"),
                ("state", "string", "ISO 3166 alpha-2 code of the state"),
                ("share", "number", "Contribution share used for the proportional part"),
                ("equal_minutes", "integer", "The state's equal part"),
                ("proportional_minutes", "integer", "The state's part by contribution share"),
                ("minutes", "integer", "The state's quota in GPU-minutes"),
            ),
            _quotas,
        ),
        Table(
            "electorates",
            _("Frozen electorates"),
            (
                ("reference", "string", "Reference of the motion"),
                ("sha256", "string", "SHA-256 of the canonical text"),
                ("canonical", "string", "The electorate as canonical JSON, exactly as hashed"),
            ),
            _electorates,
        ),
    )
}


def respond(table: Table, fmt: str) -> HttpResponse:
    names = [c[0] for c in table.columns]
    if fmt == "json":
        body = json.dumps(
            [{k: row.get(k) for k in names} for row in table.rows()], ensure_ascii=False, indent=1
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in table.rows():
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{table.name}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response

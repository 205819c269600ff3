"""Open data: every public table as CSV and JSON, with the same columns as the pages show.

Each table reads the other apps only through their selectors and costs a fixed number of
queries however many rows it has (compute_use: a fixed number per allocation period); the
tests count them at 10 and at 10,000 rows. Money is integer cents in columns named
``*_cents``; exact shares are fractions written "n/d"; decimals are text in JSON as well as in
CSV, so no figure ever passes through a binary float. In CSV, booleans are ``true``/``false``
and an empty cell is a null. :mod:`transparency.datapackage` describes every table as a
Frictionless Data Package, and ``python -m transparency.recompute`` re-checks them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.spreadsheet import SafeCsvWriter
from governance import rules, selectors, wording

if TYPE_CHECKING:
    from governance.models import Ballot, Motion

Column = tuple[str, str, str]  # name, Frictionless type, description


@dataclass(frozen=True)
class Table:
    """One open-data table: its name, title, columns (name, type, description) and rows."""

    name: str
    title: Any
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]
    primary_key: tuple[str, ...] = ()


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dec(value: Decimal | None) -> str | None:
    """A decimal as plain text, never in exponent form ("1E-18"), so every reader parses it."""
    return None if value is None else format(value, "f")


# -- decisions ---------------------------------------------------------------------------


def _verdict(tally: dict[str, Any]) -> rules.Verdict | None:
    try:
        return rules.Tally.from_dict(tally).verdict
    except rules.RuleError:
        return None  # a tally this release cannot read: its structured columns stay empty


def _decisions() -> Iterator[dict[str, Any]]:
    present = selectors.present_states_for(selectors.decisions_published())
    in_words: dict[str, str] = {}  # a handful of rules serve every decision
    for m in selectors.decisions_published().iterator(chunk_size=500):
        tally = m.tally or {}
        rule = json.dumps(m.rule, sort_keys=True)
        if rule not in in_words:
            # Open data is read by programs as much as by people: one language for every reader.
            with translation.override("en"):
                in_words[rule] = wording.rule_in_words(m.rule)
        verdict = _verdict(tally)
        margin = verdict.margin if verdict else None
        yield {
            "motion_id": m.pk,
            "reference": m.reference,
            "council": m.council.code,
            "kind": m.kind,
            "title": m.title,
            "outcome": m.outcome,
            "rule": rule,
            "rule_in_words": in_words[rule],
            "secret": m.secret,
            "members": tally.get("members"),
            "yes": tally.get("yes"),
            "no": tally.get("no"),
            "abstain": tally.get("abstain"),
            "absent": tally.get("absent"),
            "summary": tally.get("summary"),
            "outcome_reason": verdict.reason.value if verdict else None,
            "failed_tests": " ".join(verdict.failed) if verdict else None,
            "margin_states": margin.states if margin else None,
            "margin_test": margin.weighted_test.value if margin and margin.weighted_test else None,
            "margin_share": (
                rules.exact(margin.weighted_share)
                if margin and margin.weighted_share is not None
                else None
            ),
            "casting_vote": m.casting_vote or None,
            "present_states": (
                " ".join(sorted(present[m.pk] & selectors.voting_members(m)))
                if m.pk in present
                else None
            ),
            "electorate_sha256": m.electorate.sha256,
            "chain_head": m.chain_head,
            "chain_length": m.chain_length,
            "published_at": _iso(m.published_at),
        }


_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def _beside(
    motions: Iterable[Motion], ballots: Iterable[Ballot]
) -> Iterator[tuple[Motion, list[Ballot]]]:
    """Each motion with its ballots, from two streams in the same order (two queries in all).

    Both streams are ordered newest decision first; ballots annotated with their motion's
    ``motion_published_at``. A ballot of a motion missing from the first stream (published
    between the two reads) is skipped rather than holding up the rest.
    """

    def key(published_at: dt.datetime | None, motion_id: int) -> tuple[dt.datetime, int]:
        return (published_at or _LATEST, motion_id)  # PostgreSQL sorts NULL first when DESC

    pending = iter(ballots)
    ballot = next(pending, None)
    for motion in motions:
        here = key(motion.published_at, motion.pk)
        group: list[Ballot] = []
        while ballot is not None:
            there = key(ballot.motion_published_at, ballot.motion_id)  # type: ignore[attr-defined]
            if there < here:
                break
            if there == here:
                group.append(ballot)
            ballot = next(pending, None)
        yield motion, group


def _roll_calls() -> Iterator[dict[str, Any]]:
    motions = selectors.decisions_published().filter(secret=False)
    ballots = (
        selectors.ballots_published(current_only=True)
        .filter(motion__secret=False)
        .annotate(motion_published_at=F("motion__published_at"))
    )
    for m, current in _beside(motions.iterator(chunk_size=500), ballots.iterator(chunk_size=2000)):
        by_tag = {b.tag: b for b in current}
        for elector in m.electorate.as_electorate().electors:
            ballot = by_tag.get(elector.state)
            choice = ballot.choice if ballot else ("recused" if elector.recused else "absent")
            holder = ballot.proxy_holder.code if ballot and ballot.proxy_holder else None
            yield {
                "reference": m.reference,
                "state": elector.state,
                "choice": choice,
                "proxy_holder": holder,
            }


def _chains() -> Iterator[dict[str, Any]]:
    rows = selectors.ballots_published().values(
        "seq", "tag", "choice", "prev_hash", "entry_hash",
        motion_reference=F("motion__reference"), proxy_holder_code=F("proxy_holder__code"),
    )  # fmt: skip
    for b in rows.iterator(chunk_size=2000):
        yield {
            "motion": b["motion_reference"],
            "seq": b["seq"],
            "tag": b["tag"],
            "choice": b["choice"],
            "proxy_holder": b["proxy_holder_code"],
            "prev_hash": b["prev_hash"],
            "entry_hash": b["entry_hash"],
        }


def _secret_boards() -> Iterator[dict[str, Any]]:
    published = {m.pk for m in selectors.decisions_published()}
    for m in selectors.boards_public():
        if m.pk in published:
            yield {
                "motion": m.reference,
                "board": json.dumps(selectors.board_document(m), sort_keys=True),
            }


def _electorates() -> Iterator[dict[str, Any]]:
    for m in selectors.decisions_published().iterator(chunk_size=200):
        yield {
            "reference": m.reference,
            "sha256": m.electorate.sha256,
            "canonical": m.electorate.canonical,
        }


def _decision_log() -> Iterator[dict[str, Any]]:
    for s in selectors.decision_statements().iterator(chunk_size=500):
        yield {
            "index": s.index,
            "motion": s.motion.reference,
            "statement": s.body,
            "signature": s.signature,
            "key_id": s.key_id,
        }


def _tree_heads() -> Iterator[dict[str, Any]]:
    for h in selectors.tree_heads().iterator(chunk_size=500):
        yield {
            "tree_size": h.tree_size,
            "root_hash": h.root_hash,
            "signed_at": _iso(h.signed_at),
            "reason": h.reason,
            "tree_head": h.body,
            "signature": h.signature,
            "key_id": h.key_id,
        }


# -- compute -----------------------------------------------------------------------------


def _quotas() -> Iterator[dict[str, Any]]:
    from compute import selectors as compute

    rows = compute.national_quota_list()
    for q in rows.iterator(chunk_size=500):
        p = q.period
        yield {
            "period_id": p.pk,
            "cluster": p.cluster.name,
            "period": p.name,
            "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(),
            "capacity_minutes": p.capacity_minutes,
            "programme_share": _dec(p.programme_share),
            "reserve_share": _dec(p.reserve_share),
            "equal_share": _dec(p.equal_share),
            "programme_minutes": p.programme_minutes,
            "reserve_minutes": p.reserve_minutes,
            "state": q.member_state.code,
            "share": _dec(q.share),
            "equal_minutes": q.equal_minutes,
            "proportional_minutes": q.proportional_minutes,
            "minutes": q.minutes,
        }


def _compute_use() -> Iterator[dict[str, Any]]:
    from compute import selectors as compute

    for p in compute.period_list():
        period = {"period_id": p.pk, "cluster": p.cluster.name, "period": p.name}
        for line in compute.quota_lines(period=p):
            programme = line.key == "programme"
            yield {
                **period,
                "kind": "programme" if programme else "state",
                "key": line.key,
                "state": None if programme else line.key,
                "minutes": line.minutes,
                "allocated_minutes": line.allocated,
                "used_minutes": line.used,
                "status": None,
            }
        for allocation, line in compute.allocation_lines(period=p):
            yield {
                **period,
                "kind": "project",
                "key": line.key,
                "state": allocation.member_state.code if allocation.member_state else None,
                "minutes": line.minutes,
                "allocated_minutes": line.allocated,
                "used_minutes": line.used,
                "status": allocation.status,
            }


# -- funding -----------------------------------------------------------------------------


def _scales() -> Iterator[dict[str, Any]]:
    from funding import selectors as funding
    from funding.scale_io import canonical_json

    for s in funding.adopted_scales():
        yield {
            "reference": s.reference,
            "first_year": s.first_year,
            "last_year": s.last_year,
            "budget_currency": s.budget_currency,
            "parameters": canonical_json(s.parameters).decode(),
            "inputs": canonical_json(s.inputs).decode(),
            "inputs_sha256": s.inputs_sha256,
            "motion": s.motion.reference if s.motion else None,
            "decided_at": _iso(s.decided_at),
        }


def _scale_shares() -> Iterator[dict[str, Any]]:
    from funding import selectors as funding

    for s in funding.scale_shares_adopted().iterator(chunk_size=2000):
        yield {
            "scale": s.scale.reference,
            "year": s.year,
            "state": s.member_state.code,
            "share_exact": s.share_exact,
            "share": _dec(s.share),
            "full_share": _dec(s.full_share),
            "reasons": " ".join(s.reasons),
        }


def _budgets() -> Iterator[dict[str, Any]]:
    from funding import selectors as funding

    # A budget in preparation is not yet a decision; it is published once approved.
    years = funding.fiscal_year_list().exclude(status="draft").select_related("budget_motion")
    for fy in years:
        lines = sorted(fy.lines.all(), key=lambda line: line.code)
        total = sum(line.amount_cents for line in lines)
        for line in lines:
            yield {
                "year": fy.year,
                "base_currency": fy.base_currency,
                "status": fy.status,
                "budget_motion": fy.budget_motion.reference if fy.budget_motion else None,
                "approved_at": _iso(fy.approved_at),
                "code": line.code,
                "title": line.title,
                "amount_cents": line.amount_cents,
                "budget_total_cents": total,
            }


def _assessments() -> Iterator[dict[str, Any]]:
    from funding import selectors as funding

    for a in funding.assessment_list().iterator(chunk_size=2000):
        yield {
            "year": a.fiscal_year.year,
            "state": a.member_state.code,
            "scale": a.scale.reference,
            "share_exact": a.share_exact,
            "share": _dec(a.share),
            "amount_cents": a.amount_cents,
        }


def _status() -> tuple[dt.date, dict[str, Any]]:
    from funding import selectors as funding

    as_of = selectors.today()
    years = [fy.year for fy in funding.fiscal_year_list()]
    return as_of, funding.status_of_contributions(years, as_of=as_of)


def _contributions() -> Iterator[dict[str, Any]]:
    as_of, status = _status()
    for block in status["years"]:
        for r in block["rows"]:
            yield {
                "as_of": as_of.isoformat(),
                "year": block["year"],
                "state": r["code"],
                "assessed_cents": r["assessed"],
                "paid_cents": r["paid"],
                "outstanding_cents": r["outstanding"],
                "due_on": r["due_on"],
                "paid_by_due_date_cents": r["paid_by_due_date"],
                "honour": r["honour"],
            }


def _member_states() -> Iterator[dict[str, Any]]:
    as_of, status = _status()
    shares = selectors.contribution_shares_on(as_of)
    for s in status["states"]:
        yield {
            "as_of": as_of.isoformat(),
            "state": s["code"],
            "name": s["name_en"],
            "share": _dec(shares.get(s["code"])),
            "assessed_cents": s["assessed"],
            "paid_cents": s["paid"],
            "outstanding_cents": s["outstanding"],
            "credit_cents": s["credit"],
            "arrears_cents": s["arrears"],
            "arrears_threshold_cents": s["threshold"],
            "over_line": s["over_line"],
            "exempt": s["exempt"],
            "votes_suspended": s["votes_suspended"],
        }


# -- safety ------------------------------------------------------------------------------


def _project_levels() -> Iterator[dict[str, Any]]:
    for p in selectors.projects_with_levels().iterator(chunk_size=2000):
        yield {
            "code": p.code,
            "title": p.title,
            "host_state": p.host_state.code,
            "status": p.status,
            "safety_level": p.safety_level,
        }


def _escalations() -> Iterator[dict[str, Any]]:
    # Only the fields escalations_public() selects: touching any other would load it.
    for e in selectors.escalations_public():
        yield {
            "reference": e.reference,
            "severity": e.severity,
            "proposed_measure": e.proposed_measure,
            "proposed_level": e.proposed_level,
            "status": e.status,
            "raised_at": _iso(e.raised_at),
            "public_summary": e.public_summary,
            "projects": " ".join(sorted(p.code for p in e.projects.all())),
            "decisions": "; ".join(
                f"{d.motion.reference} {d.measure} {'adopted' if d.adopted else 'rejected'}"
                for d in e.decisions.all()
            ),
        }


STATE = ("state", "string", "ISO 3166 alpha-2 code of the member state")
YEAR = ("year", "integer", "Fiscal year")
AS_OF = ("as_of", "date", "The day the figures are taken on (arrears depend on it)")

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
                ("summary", "string", "The outcome and margin in words, as stored at closing"),
                (
                    "outcome_reason",
                    "string",
                    "Why the vote ended so (governance.rules.Reason): met, not_met, no_quorum, "
                    "tie_fails, casting_vote_yes, casting_vote_no, casting_vote_not_given, "
                    "nobody_voted, objection or no_yes",
                ),
                (
                    "failed_tests",
                    "string",
                    "The tests not met (governance.rules.ConditionCode), separated by spaces",
                ),
                (
                    "margin_states",
                    "integer",
                    "States to spare (≥ 0) or short (< 0), in the worst case; for no_quorum, "
                    "minus the ballots missing",
                ),
                (
                    "margin_test",
                    "string",
                    "Where weights decide: population_share or contribution_share",
                ),
                (
                    "margin_share",
                    "string",
                    "Where weights decide: the yes states' share of the weight minus the share "
                    "needed, exact (n/d or decimal; × 100 = percentage points; < 0 below)",
                ),
                (
                    "casting_vote",
                    "string",
                    "The chair's casting vote after a tie (yes or no), else empty",
                ),
                (
                    "present_states",
                    "string",
                    "The states present for the vote (marked present or voted), separated by "
                    "spaces; empty where no attendance was taken and the rule does not count it",
                ),
                ("electorate_sha256", "string", "SHA-256 of the frozen electorate"),
                ("chain_head", "string", "Hash of the last ballot-chain entry"),
                ("chain_length", "integer", "Number of ballot-chain entries"),
                ("published_at", "datetime", "When the decision was published (UTC)"),
            ),
            _decisions,
            ("motion_id",),
        ),
        Table(
            "decision_log",
            _("Signed decision statements (the decision log)"),
            (
                ("index", "integer", "Position in the log, from 0, in the order votes closed"),
                ("motion", "string", "Reference of the motion"),
                (
                    "statement",
                    "string",
                    "The signed statement: canonical JSON of the chain head, electorate hash "
                    "and tally at closing (the Merkle leaf's bytes)",
                ),
                ("signature", "string", "Ed25519 signature of the statement, base64"),
                ("key_id", "string", "SHA-256 of the platform's raw Ed25519 public key"),
            ),
            _decision_log,
            ("index",),
        ),
        Table(
            "tree_heads",
            _("Signed tree heads of the decision log"),
            (
                ("tree_size", "integer", "Number of statements the tree covers"),
                (
                    "root_hash",
                    "string",
                    "Merkle root (RFC 9162) over the first tree_size statements",
                ),
                ("signed_at", "datetime", "When the tree head was signed (UTC)"),
                ("reason", "string", "close (after a vote closed) or daily"),
                ("tree_head", "string", "The signed tree head as canonical JSON"),
                ("signature", "string", "Ed25519 signature of tree_head, base64"),
                ("key_id", "string", "SHA-256 of the platform's raw Ed25519 public key"),
            ),
            _tree_heads,
            ("tree_head",),
        ),
        Table(
            "roll_calls",
            _("Roll-call votes by state"),
            (
                ("reference", "string", "Reference of the motion"),
                STATE,
                ("choice", "string", "yes, no, abstain, absent or recused"),
                ("proxy_holder", "string", "State that cast the vote as proxy, if any"),
            ),
            _roll_calls,
            ("reference", "state"),
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
            ("motion", "seq"),
        ),
        Table(
            "secret_boards",
            _("Public boards of secret votes"),
            (
                ("motion", "string", "Reference of the motion"),
                (
                    "board",
                    "string",
                    "The board as JSON (concordia-secret-board/1): the electorate, the trustees' "
                    "keys with their proofs, every encrypted ballot with its proofs and tracker "
                    "in chain order, the encrypted totals, the partial decryptions with their "
                    "proofs and the decrypted totals (governance.secret_board)",
                ),
            ),
            _secret_boards,
            ("motion",),
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
            ("reference",),
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
                STATE,
                ("share", "number", "Contribution share used for the proportional part"),
                ("equal_minutes", "integer", "The state's equal part"),
                ("proportional_minutes", "integer", "The state's part by contribution share"),
                ("minutes", "integer", "The state's quota in GPU-minutes"),
            ),
            _quotas,
            ("period_id", "state"),
        ),
        Table(
            "compute_use",
            _("GPU quotas and allocations with their use"),
            (
                ("period_id", "integer", "Identifier of the allocation period"),
                ("cluster", "string", "Slurm cluster name"),
                ("period", "string", "Name of the period"),
                ("kind", "string", "state (a national quota), programme or project"),
                ("key", "string", "State code, 'programme' or project code"),
                ("state", "string", "The state whose quota it counts against; empty: programme"),
                ("minutes", "integer", "GPU-minutes of the quota or allocation"),
                ("allocated_minutes", "integer", "GPU-minutes allocated to projects from it"),
                ("used_minutes", "integer", "GPU-minutes used in the period (Slurm accounting)"),
                ("status", "string", "Status of a project's allocation; empty for quotas"),
            ),
            _compute_use,
            ("period_id", "kind", "key"),
        ),
        Table(
            "scales",
            _("Adopted contribution scales and their frozen inputs"),
            (
                ("reference", "string", "Reference of the scale"),
                ("first_year", "integer", "First fiscal year the scale covers"),
                ("last_year", "integer", "Last fiscal year the scale covers"),
                ("budget_currency", "string", "ISO 4217 currency of the budget"),
                ("parameters", "string", "The scale's parameters as canonical JSON"),
                (
                    "inputs",
                    "string",
                    "Frozen inputs of every year as canonical JSON, exactly as hashed "
                    "(funding.scale_io): statistics, exchange rates, parameters",
                ),
                ("inputs_sha256", "string", "SHA-256 of the inputs text (UTF-8)"),
                ("motion", "string", "Reference of the motion that adopted it"),
                ("decided_at", "datetime", "When the adoption took effect (UTC)"),
            ),
            _scales,
            ("reference",),
        ),
        Table(
            "scale_shares",
            _("Contribution shares by scale, year and state"),
            (
                ("scale", "string", "Reference of the scale"),
                YEAR,
                STATE,
                ("share_exact", "string", "The applied share, exact, as a fraction n/d"),
                ("share", "number", "The applied share, rounded half up to 18 places"),
                ("full_share", "number", "The share before phase-in and associate terms"),
                ("reasons", "string", "Why it differs from income: ceiling, floor, ... (spaces)"),
            ),
            _scale_shares,
            ("scale", "year", "state"),
        ),
        Table(
            "budgets",
            _("Approved budgets by line"),
            (
                YEAR,
                ("base_currency", "string", "ISO 4217 currency of the budget"),
                ("status", "string", "approved or closed"),
                ("budget_motion", "string", "Reference of the motion that approved it"),
                ("approved_at", "datetime", "When the budget was approved (UTC)"),
                ("code", "string", "Code of the budget line"),
                ("title", "string", "Title of the budget line"),
                ("amount_cents", "integer", "Amount of the line, in cents"),
                ("budget_total_cents", "integer", "Total of the year's lines, in cents"),
            ),
            _budgets,
            ("year", "code"),
        ),
        Table(
            "assessments",
            _("Assessed contributions by year and state"),
            (
                YEAR,
                STATE,
                ("scale", "string", "Reference of the scale used"),
                ("share_exact", "string", "The share applied, exact, as a fraction n/d"),
                ("share", "number", "The share applied, rounded half up to 18 places"),
                (
                    "amount_cents",
                    "integer",
                    "The year's budget total apportioned by the shares (largest remainder)",
                ),
            ),
            _assessments,
            ("year", "state"),
        ),
        Table(
            "contributions",
            _("Status of contributions by year and state"),
            (
                AS_OF,
                YEAR,
                STATE,
                ("assessed_cents", "integer", "Called for the year, in cents"),
                ("paid_cents", "integer", "Paid towards it, in cents"),
                ("outstanding_cents", "integer", "Still unpaid, in cents"),
                ("due_on", "date", "Due date of the call"),
                ("paid_by_due_date_cents", "integer", "Paid by the due date, in cents"),
                ("honour", "boolean", "Paid in full by the due date (honour roll)"),
            ),
            _contributions,
            ("year", "state"),
        ),
        Table(
            "member_states",
            _("Member states: share, contributions, arrears and votes"),
            (
                AS_OF,
                STATE,
                ("name", "string", "Name in English"),
                ("share", "number", "Contribution share in force (weighted votes use it)"),
                ("assessed_cents", "integer", "Called over all years, in cents"),
                ("paid_cents", "integer", "Paid over all years, in cents"),
                ("outstanding_cents", "integer", "Still unpaid, in cents"),
                ("credit_cents", "integer", "Paid beyond what was called, in cents"),
                ("arrears_cents", "integer", "Overdue under the arrears rule, in cents"),
                ("arrears_threshold_cents", "integer", "Arrears beyond which votes are lost"),
                ("over_line", "boolean", "Whether the arrears pass the threshold"),
                ("exempt", "boolean", "Whether a council decision exempts the state"),
                ("votes_suspended", "boolean", "Whether the state's votes are suspended"),
            ),
            _member_states,
            ("state",),
        ),
        Table(
            "project_levels",
            _("Projects and their current safety level"),
            (
                ("code", "string", "Code of the project"),
                ("title", "string", "Title of the project"),
                ("host_state", "string", "ISO 3166 alpha-2 code of the host state"),
                ("status", "string", "approved, active, suspended or ended"),
                ("safety_level", "integer", "Current AI safety level, 1 to 4"),
            ),
            _project_levels,
            ("code",),
        ),
        Table(
            "escalations",
            _("Safety escalations (public facts only)"),
            (
                ("reference", "string", "Reference of the escalation"),
                ("severity", "string", "low, medium, high or critical"),
                ("proposed_measure", "string", "The measure proposed"),
                ("proposed_level", "integer", "The safety level proposed, if any"),
                ("status", "string", "raised, decided or closed"),
                ("raised_at", "datetime", "When it was raised (UTC)"),
                ("public_summary", "string", "The public summary"),
                ("projects", "string", "Codes of the projects concerned (spaces)"),
                ("decisions", "string", "Decisions on it: motion, measure, outcome ('; ')"),
            ),
            _escalations,
            ("reference",),
        ),
    )
}


def csv_cell(value: Any) -> Any:
    """How a value is written in CSV: booleans as true/false, a null as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def respond(table: Table, fmt: str) -> HttpResponse:
    names = [c[0] for c in table.columns]
    if fmt == "json":
        body = json.dumps(
            [{k: row.get(k) for k in names} for row in table.rows()], ensure_ascii=False, indent=1
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        out = io.StringIO()
        writer = SafeCsvWriter(out)
        writer.writerow(names)
        for row in table.rows():
            writer.writerow([csv_cell(row.get(k)) for k in names])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{table.name}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response

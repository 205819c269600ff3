"""Importing statistics and rates from CSV: preview first, then import all of it or nothing."""

from __future__ import annotations

import codecs
import hashlib
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict
from funding import permissions
from funding.errors import ImportRejected
from funding.imports import (
    ParseResult,
    parse_annual_rates,
    parse_ecb_rates,
    parse_national_income,
)
from funding.models import (
    AnnualExchangeRate,
    DataImport,
    ExchangeRate,
    ImportKind,
    ImportStatus,
    NationalIncomeFigure,
)
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

MAX_BYTES = 20 * 1024 * 1024  # the whole ECB history since 1999 is about 1.5 MB
SAMPLE_ROWS = 10


def _parse(kind: str, text: str) -> ParseResult[Any]:
    if kind == ImportKind.NATIONAL_INCOME:
        codes = set(governance_selectors.member_state_list().values_list("code", flat=True))
        return parse_national_income(text, known_codes=codes)
    if kind == ImportKind.ECB_RATES:
        return parse_ecb_rates(text)
    if kind == ImportKind.ANNUAL_RATES:
        return parse_annual_rates(text)
    raise ImportRejected(_("Unknown kind of import."), problems=[])


def _changes(kind: str, rows: list[Any]) -> dict[str, int]:
    """How many rows are new, would change a stored figure, or are already stored as they are."""
    new = changed = same = 0
    if kind == ImportKind.NATIONAL_INCOME:
        stored = {
            (f.member_state.code, f.year): (f.national_income, f.gdp, f.currency)
            for f in NationalIncomeFigure.objects.select_related("member_state")
        }
        for row in rows:
            old = stored.get((row.code, row.year))
            now = (row.national_income, row.gdp, row.currency)
            new, changed, same = _count(old, now, new, changed, same)
    elif kind == ImportKind.ECB_RATES:
        dates = {row.date for row in rows}
        stored_rates = {
            (r.currency, r.date): r.per_eur
            for r in ExchangeRate.objects.filter(date__in=dates)
            if dates
        }
        for row in rows:
            new, changed, same = _count(
                stored_rates.get((row.currency, row.date)), row.per_eur, new, changed, same
            )
    else:
        stored_annual = {(r.currency, r.year): r.per_eur for r in AnnualExchangeRate.objects.all()}
        for row in rows:
            new, changed, same = _count(
                stored_annual.get((row.currency, row.year)), row.per_eur, new, changed, same
            )
    return {"new": new, "changed": changed, "unchanged": same}


def _count(old: Any, now: Any, new: int, changed: int, same: int) -> tuple[int, int, int]:
    if old is None:
        return new + 1, changed, same
    if old != now:
        return new, changed + 1, same
    return new, changed, same + 1


def _sample(rows: list[Any]) -> list[dict[str, str]]:
    return [
        {key: str(value) for key, value in row.__dict__.items() if value is not None}
        for row in rows[:SAMPLE_ROWS]
    ]


def _rejected(line: int, message: str) -> ImportRejected:
    problem = {"line": line, "column": None, "column_name": "", "message": message}
    return ImportRejected(message, problems=[problem])


def _decode(content: bytes) -> str:
    """The file as text, or a rejection that names the line a person can look at."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _rejected(
            1, _("The file is UTF-16 text; save it as UTF-8 (“CSV UTF-8”) and upload it again.")
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise _rejected(
            line,
            _(
                "The file is not UTF-8 text: line %(line)d has the byte 0x%(byte)02X (Latin-1 or "
                "Windows-1252?); save it as UTF-8 and upload it again."
            )
            % {"line": line, "byte": content[exc.start]},
        ) from exc
    if not text.strip():
        raise _rejected(1, _("The file is empty."))
    return text


@transaction.atomic
def data_import_preview(*, actor: Actor, kind: str, filename: str, content: bytes) -> DataImport:
    """Keep the uploaded file and what importing it would do; a bad file is kept as rejected."""
    permissions.check_handle_money(actor)
    if len(content) > MAX_BYTES:
        raise ImportRejected(_("The file is larger than 20 MB."), problems=[])
    text = _decode(content)
    result = _parse(kind, text)
    summary = dict(result.summary)
    if result.ok:
        summary["changes"] = _changes(kind, result.rows)
        summary["sample"] = _sample(result.rows)
    data_import = DataImport(
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=text,
        status=ImportStatus.PREVIEWED if result.ok else ImportStatus.REJECTED,
        row_count=len(result.rows),
        problems=[p.to_dict() for p in result.problems],
        summary=summary,
        created_by=actor.user,
        created_by_label=actor.label[:200],
    )
    data_import.full_clean()
    data_import.save()
    audit_record(
        actor=actor,
        action="import.preview" if result.ok else "import.reject",
        target=data_import,
        after={
            "kind": kind,
            "sha256": data_import.sha256,
            "rows": data_import.row_count,
            "problems": len(result.problems),
        },
    )
    return data_import


@transaction.atomic
def data_import_apply(*, actor: Actor, data_import: DataImport) -> DataImport:
    """Import a previewed file, all rows in one transaction; a figure already stored is replaced."""
    permissions.check_handle_money(actor)
    locked = DataImport.objects.select_for_update().get(pk=data_import.pk)
    if locked.status != ImportStatus.PREVIEWED:
        raise Conflict(_("Only a previewed file without problems can be imported."))
    result = _parse(locked.kind, locked.content)
    if not result.ok:  # the state of the platform changed since the preview (a state removed)
        raise ImportRejected(
            _("The file has problems; nothing was imported."),
            problems=[p.to_dict() for p in result.problems],
        )
    changes = _changes(locked.kind, result.rows)
    if locked.kind == ImportKind.NATIONAL_INCOME:
        states = {s.code: s for s in governance_selectors.member_state_list()}
        for row in result.rows:
            NationalIncomeFigure.objects.update_or_create(
                member_state=states[row.code],
                year=row.year,
                defaults={
                    "currency": row.currency,
                    "national_income": row.national_income,
                    "gdp": row.gdp,
                    "measure": row.measure,
                    "source": row.source,
                    "data_import": locked,
                },
            )
    elif locked.kind == ImportKind.ECB_RATES:
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(
                    currency=r.currency, date=r.date, per_eur=r.per_eur, data_import=locked
                )
                for r in result.rows
            ],
            update_conflicts=True,
            unique_fields=["currency", "date"],
            update_fields=["per_eur", "data_import"],
            batch_size=2000,
        )
    else:
        AnnualExchangeRate.objects.bulk_create(
            [
                AnnualExchangeRate(
                    currency=r.currency,
                    year=r.year,
                    per_eur=r.per_eur,
                    daily_obs=r.daily_obs,
                    source=r.source,
                    data_import=locked,
                )
                for r in result.rows
            ],
            update_conflicts=True,
            unique_fields=["currency", "year"],
            update_fields=["per_eur", "daily_obs", "source", "data_import"],
        )
    locked.status = ImportStatus.APPLIED
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "applied_at"])
    audit_record(
        actor=actor,
        action="import.apply",
        target=locked,
        after={"kind": locked.kind, "sha256": locked.sha256, **changes},
    )
    return locked

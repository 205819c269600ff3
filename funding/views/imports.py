"""Uploading statistics and rates: a preview of what the file would change, then the import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from core import l10n
from core.actors import Actor
from core.errors import DomainError
from core.uswds import UswdsFormMixin
from funding import selectors, services
from funding.errors import ImportRejected
from funding.models import DataImport, ImportKind
from funding.views.common import attempt, context, finance_page


class UploadForm(UswdsFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8)"))


@dataclass(frozen=True)
class Column:
    """A column of the preview table: the row's field, its heading, how to write its values."""

    key: str
    label: Any
    shown_as: str = "text"  # text, number, rate, date, state


_LINE = Column("line", gettext_lazy("Line"), "number")
SAMPLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.ECB_RATES: (
        _LINE,
        Column("date", gettext_lazy("Date"), "date"),
        Column("currency", gettext_lazy("Currency")),
        Column("per_eur", gettext_lazy("Units per euro"), "rate"),
    ),
    ImportKind.ANNUAL_RATES: (
        _LINE,
        Column("currency", gettext_lazy("Currency")),
        Column("year", gettext_lazy("Year")),
        Column("per_eur", gettext_lazy("Average units per euro"), "rate"),
        Column("daily_obs", gettext_lazy("Daily observations"), "number"),
        Column("source", gettext_lazy("Source")),
    ),
    ImportKind.NATIONAL_INCOME: (
        _LINE,
        Column("code", gettext_lazy("State"), "state"),
        Column("year", gettext_lazy("Year")),
        Column("currency", gettext_lazy("Currency")),
        Column("national_income", gettext_lazy("National income"), "number"),
        Column("gdp", pgettext_lazy("gross domestic product", "GDP"), "number"),
        Column("measure", gettext_lazy("Measure")),
        Column("source", gettext_lazy("Source")),
    ),
}


def _sample_table(data_import: DataImport) -> list[list[tuple[Column, str]]]:
    """The first rows as read, one list of (column, value) per row, in the kind's columns."""
    columns = SAMPLE_COLUMNS.get(data_import.kind, ())
    sample = (data_import.summary or {}).get("sample") or []
    return [[(column, str(row.get(column.key, ""))) for column in columns] for row in sample]


def _stored_label(kind: str, n: int) -> str:
    if kind == ImportKind.ECB_RATES:
        text = ngettext("%(n)s exchange rate", "%(n)s exchange rates", n)
    elif kind == ImportKind.ANNUAL_RATES:
        text = ngettext("%(n)s annual average rate", "%(n)s annual average rates", n)
    else:
        text = ngettext("%(n)s national-income figure", "%(n)s national-income figures", n)
    return text % {"n": l10n.number(n)}


@finance_page
def imports(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data_import = services.data_import_preview(
                actor=actor,
                kind=form.cleaned_data["kind"],
                filename=upload.name or "upload.csv",
                content=upload.read(),
            )
        except ImportRejected as exc:
            form.add_error("file", exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return HttpResponseRedirect(reverse("funding:import", args=[data_import.pk]))
    rows = [(i, selectors.import_data_lines(i)) for i in DataImport.objects.all()[:50]]
    return render(
        request,
        "funding/imports.html",
        context(actor, crumbs=[(_("Import data"), None)], form=form, imports=rows),
    )


@finance_page
def import_detail(request: HttpRequest, import_id: int, *, actor: Actor) -> HttpResponse:
    """A file's preview, its problems, or what was imported from it and what to do next."""
    data_import = get_object_or_404(DataImport, pk=import_id)
    columns = SAMPLE_COLUMNS.get(data_import.kind, ())
    return render(
        request,
        "funding/import_detail.html",
        context(
            actor,
            crumbs=[(_("Import data"), reverse("funding:imports")), (data_import.filename, None)],
            data_import=data_import,
            data_lines=selectors.import_data_lines(data_import),
            stored=_stored_label(data_import.kind, data_import.row_count),
            columns=columns,
            sample=_sample_table(data_import),
        ),
    )


@finance_page
@require_POST
def import_apply(request: HttpRequest, import_id: int, *, actor: Actor) -> HttpResponse:
    """Import a previewed file; its page then says what was imported and what comes next."""
    data_import = get_object_or_404(DataImport, pk=import_id)
    attempt(request, lambda: services.data_import_apply(actor=actor, data_import=data_import))
    return HttpResponseRedirect(reverse("funding:import", args=[data_import.pk]))

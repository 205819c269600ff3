"""Uploading statistics and rates: a preview of what the file would change, then the import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.errors import DomainError
from funding import services
from funding.errors import ImportRejected
from funding.models import DataImport, ImportKind
from funding.views.common import attempt, context, finance_page


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8)"))


@finance_page
def imports(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data_import = services.data_import_preview(
                actor=actor, kind=form.cleaned_data["kind"], filename=upload.name or "upload.csv",
                content=upload.read(),
            )  # fmt: skip
        except ImportRejected as exc:
            form.add_error("file", exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return HttpResponseRedirect(reverse("funding:import", args=[data_import.pk]))
    return render(
        request,
        "funding/imports.html",
        context(actor, form=form, imports=DataImport.objects.all()[:50]),
    )


@finance_page
def import_detail(request: HttpRequest, import_id: int, *, actor: Actor) -> HttpResponse:
    data_import = get_object_or_404(DataImport, pk=import_id)
    return render(request, "funding/import_detail.html", context(actor, data_import=data_import))


@finance_page
@require_POST
def import_apply(request: HttpRequest, import_id: int, *, actor: Actor) -> HttpResponse:
    data_import = get_object_or_404(DataImport, pk=import_id)
    ok, applied = attempt(
        request, lambda: services.data_import_apply(actor=actor, data_import=data_import)
    )
    if ok:
        messages.success(request, _("%(n)d rows imported.") % {"n": applied.row_count})
    return HttpResponseRedirect(reverse("funding:import", args=[data_import.pk]))

"""Staff screens for council sessions: read here, written by their services (pages and API).

The rules of procedure are changed here through their service, which checks that the staff
member is the council's secretary (with a second factor) and audits the change. The calendar
subscriptions are not shown at all: their tokens are secrets of their owners.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from core.admin import admin_actor
from core.errors import DomainError
from governance import services
from governance.admin import ReadOnlyAdmin, ServiceAdmin
from governance.models import (
    AgendaItem,
    Amendment,
    Consolidation,
    Minutes,
    MinutesComment,
    MinutesVersion,
    RulesOfProcedure,
    Session,
    SessionAttendance,
    SessionDocument,
)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "council", "kind", "status", "starts_at", "ends_at")
    list_filter = ("council", "kind", "status")
    search_fields = ("reference", "title")
    list_select_related = ("council",)


@admin.register(RulesOfProcedure)
class RulesOfProcedureAdmin(ServiceAdmin):
    list_display = (
        "council",
        "convocation_days",
        "extraordinary_convocation_days",
        "comment_days",
        "late_item_majority",
        "presence_quorum",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("council",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: v for k, v in form.cleaned_data.items() if k != "council"}
        try:
            saved = services.rules_of_procedure_set(
                actor=admin_actor(request), council=obj.council, **values
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk


for model in (
    AgendaItem,
    SessionDocument,
    SessionAttendance,
    Amendment,
    Consolidation,
    Minutes,
    MinutesComment,
    MinutesVersion,
):
    admin.site.register(model, ReadOnlyAdmin)

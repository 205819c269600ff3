"""Staff screens for the kernel: the audit trail is read-only, users change through services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import services
from core.actors import Actor
from core.audit import audit_rows_for_reading
from core.models import ApiToken, AuditEvent, AuditSource, User
from core.permissions import may_read_audit


def admin_actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, source=AuditSource.ADMIN)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Concordia", {"fields": ("preferred_language", "time_zone")}),
    )  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.user_save_from_admin(actor=admin_actor(request), user=obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.user_deactivate(actor=admin_actor(request), user=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are deactivated, never erased: the record of what they did must stay whole.
        return False


class PresentedChangeList(ChangeList):
    """The admin's list of audit rows, each shown as its presenter allows (no ballot early)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = audit_rows_for_reading(self.result_list)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """For auditors and superusers; rows are shown as `audit_rows_for_reading` presents them."""

    list_display = (
        "occurred_at",
        "actor_label",
        "source",
        "action",
        "target_type",
        "target_label",
        "shown_after",
    )
    list_filter = ("source", "action")
    search_fields = ("actor_label", "action", "target_label", "target_id")
    date_hierarchy = "occurred_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        row = super().get_object(request, object_id, from_field)
        return audit_rows_for_reading([row])[0] if row is not None else None

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return PresentedChangeList

    @admin.display(description=_("after"))
    def shown_after(self, obj: AuditEvent) -> str:
        return json.dumps(obj.after, ensure_ascii=False)[:200] if obj.after else ""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_audit(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_read_audit(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = (
        "prefix",
        "name",
        "user",
        "mfa_verified",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "mfa_verified",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    exclude = ("key_sha256",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

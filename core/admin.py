"""Staff screens for the kernel: the audit trail is read-only, users change through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from core import services
from core.actors import Actor
from core.models import ApiToken, AuditEvent, AuditSource, User


def admin_actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, source=AuditSource.ADMIN)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Concordia", {"fields": ("preferred_language",)}))  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.user_save_from_admin(actor=admin_actor(request), user=obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.user_deactivate(actor=admin_actor(request), user=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are deactivated, never erased: the record of what they did must stay whole.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("occurred_at", "actor_label", "source", "action", "target_type", "target_label")
    list_filter = ("source", "action")
    search_fields = ("actor_label", "action", "target_label", "target_id")
    date_hierarchy = "occurred_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]

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

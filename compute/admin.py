"""Staff screens for compute: read-only; every write goes through the services (pages, API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from compute.models import (
    AllocationPeriod,
    AllocationRefusal,
    Cluster,
    ComputeFreeze,
    NationalQuota,
    ProjectAllocation,
    ProjectMember,
    QuotaNotice,
    SyncRun,
    UsageDay,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Quotas, allocations and runs change only through services, which check and audit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ("name", "description")


@admin.register(AllocationPeriod)
class AllocationPeriodAdmin(ReadOnlyAdmin):
    list_display = ("cluster", "name", "starts_on", "ends_on", "capacity_minutes", "split_at")
    list_filter = ("cluster",)


@admin.register(NationalQuota)
class NationalQuotaAdmin(ReadOnlyAdmin):
    list_display = ("period", "member_state", "share", "minutes")
    list_filter = ("period",)


@admin.register(ProjectAllocation)
class ProjectAllocationAdmin(ReadOnlyAdmin):
    list_display = ("project", "period", "member_state", "minutes", "status")
    list_filter = ("period", "status")
    search_fields = ("project__code",)


@admin.register(AllocationRefusal)
class AllocationRefusalAdmin(ReadOnlyAdmin):
    list_display = ("project", "motion", "minutes", "reason", "created_at")


@admin.register(ProjectMember)
class ProjectMemberAdmin(ReadOnlyAdmin):
    list_display = ("project", "user", "added_at", "added_by")


@admin.register(ComputeFreeze)
class ComputeFreezeAdmin(ReadOnlyAdmin):
    """Read-only: an operator lifts an operational freeze on the operators' page or the API;
    a safety freeze is lifted only by the Safety Board's decision or its lapse, never here."""

    list_display = (
        "project",
        "authority",
        "reference",
        "ordered_by",
        "ordered_at",
        "until",
        "lifted_at",
        "lifted_by",
    )
    list_filter = ("authority",)
    search_fields = ("project__code", "reference")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("cluster", "started_at", "dry_run", "status", "duration_ms", "triggered_by")
    list_filter = ("cluster", "status", "dry_run")


# JobUsage is not registered: its primary key is composite (cluster, job_id), which Django 5.2's
# admin refuses. Staff read the per-account daily sums here; single jobs are in sacct.
@admin.register(UsageDay)
class UsageDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "cluster", "account", "project", "jobs", "gpu_seconds")
    list_filter = ("cluster",)
    search_fields = ("account",)


@admin.register(QuotaNotice)
class QuotaNoticeAdmin(ReadOnlyAdmin):
    list_display = ("allocation", "threshold", "used_minutes", "sent_at", "froze")

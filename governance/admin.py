"""Staff screens for governance; every save goes through a service, so it is checked and audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from core.admin import admin_actor
from core.errors import DomainError
from governance import permissions, services
from governance.models import (
    Accreditation,
    Attendance,
    Ballot,
    ContributionShare,
    Council,
    ElectorateSnapshot,
    MemberState,
    Motion,
    Programme,
    ProgrammeParticipation,
    ProxyGrant,
    Recusal,
    ResearchProject,
    Seat,
    StaffRole,
    VotingRightsSuspension,
    VotingRulePolicy,
)


class ServiceAdmin(admin.ModelAdmin):
    """Routes add and change through services; deletion is replaced by ending a period."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _changes(self, form: Any) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in form.changed_data}


@admin.register(MemberState)
class MemberStateAdmin(ServiceAdmin):
    list_display = ("code", "name_en", "status", "accession_date", "population", "currency")
    list_filter = ("status",)
    search_fields = ("code", "name_en", "name_de", "name_fr")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            original = MemberState.objects.get(pk=obj.pk)
            services.member_state_update(actor=actor, state=original, **self._changes(form))
        else:
            created = services.member_state_create(
                actor=actor, **{f: form.cleaned_data[f] for f in services.MEMBER_STATE_FIELDS}
            )
            obj.pk = created.pk


@admin.register(Council)
class CouncilAdmin(ServiceAdmin):
    list_display = ("code", "kind", "name_en")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            original = Council.objects.get(pk=obj.pk)
            services.council_update(actor=actor, council=original, **self._changes(form))
        else:
            created = services.council_create(
                actor=actor, **{f: form.cleaned_data[f] for f in services.COUNCIL_FIELDS}
            )
            obj.pk = created.pk


@admin.register(Seat)
class SeatAdmin(ServiceAdmin):
    list_display = ("council", "member_state", "seated_from", "seated_until")
    list_filter = ("council",)
    list_select_related = ("council", "member_state")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("council", "member_state", "seated_from") if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            services.seat_end(
                actor=actor, seat=Seat.objects.get(pk=obj.pk), seated_until=obj.seated_until
            )
        else:
            created = services.seat_grant(
                actor=actor,
                council=obj.council,
                member_state=obj.member_state,
                seated_from=obj.seated_from,
                seated_until=obj.seated_until,
            )
            obj.pk = created.pk


@admin.register(Accreditation)
class AccreditationAdmin(ServiceAdmin):
    list_display = (
        "user",
        "member_state",
        "council",
        "role",
        "valid_from",
        "valid_until",
        "approval",
    )
    list_filter = ("council", "role", "approval")
    list_select_related = ("user", "member_state", "council")
    search_fields = ("user__username", "user__last_name", "member_state__code")
    actions = ("approve_selected",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The approval is given by the approve action (the service), never typed into the form.
        if obj:
            return ("user", "member_state", "council", "role", "valid_from", "approval")
        return ("approval",)

    @admin.action(description=gettext_lazy("Approve the selected accreditations"))
    def approve_selected(self, request: HttpRequest, queryset: Any) -> None:
        actor = admin_actor(request)
        approved = 0
        for accreditation in queryset.select_related("user", "council", "member_state"):
            try:
                services.accreditation_approve(actor=actor, accreditation=accreditation)
            except DomainError as exc:
                self.message_user(request, f"{accreditation}: {exc.message}", messages.ERROR)
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext(
                    "%(n)d accreditation approved.", "%(n)d accreditations approved.", approved
                )
                % {"n": approved},
                messages.SUCCESS,
            )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            services.accreditation_end(
                actor=actor,
                accreditation=Accreditation.objects.get(pk=obj.pk),
                valid_until=obj.valid_until,
            )
        else:
            created = services.accreditation_grant(
                actor=actor,
                user=obj.user,
                council=obj.council,
                member_state=obj.member_state,
                role=obj.role,
                valid_from=obj.valid_from,
                valid_until=obj.valid_until,
            )
            obj.pk = created.pk


@admin.register(StaffRole)
class StaffRoleAdmin(ServiceAdmin):
    list_display = ("user", "role", "council", "valid_from", "valid_until")
    list_filter = ("role",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        created = services.staff_role_grant(
            actor=admin_actor(request),
            user=obj.user,
            role=obj.role,
            council=obj.council,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
        )
        obj.pk = created.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    """Voting records are written by their services (pages and API) only; staff read them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "title",
        "council",
        "kind",
        "status",
        "outcome",
        "opens_at",
        "closes_at",
    )
    list_filter = ("council", "kind", "status")
    search_fields = ("reference", "title")
    list_select_related = ("council",)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ("motion", "seq", "tag", "choice", "is_current", "entry_hash")
    list_filter = ("is_current",)
    list_select_related = ("motion",)

    def get_queryset(self, request: HttpRequest) -> Any:
        # A secret ballot's row shows no state anyway; this only spares staff the choice column
        # of votes still open.
        return super().get_queryset(request).exclude(motion__status="voting_open")


@admin.register(ResearchProject)
class ResearchProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "host_state", "lead", "gpu_hours_requested", "status")
    list_filter = ("status", "host_state")
    search_fields = ("code", "title")


@admin.register(Programme)
class ProgrammeAdmin(ServiceAdmin):
    """Programmes are kept by the council-wide secretariat; other staff may only read them."""

    list_display = ("code", "name", "council")
    fields = ("code", "name", "council", "description")
    list_select_related = ("council",)
    search_fields = ("code", "name")

    def _may_manage(self, request: HttpRequest) -> bool:
        return permissions.is_secretary(admin_actor(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self._may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_manage(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            original = Programme.objects.get(pk=obj.pk)
            services.programme_update(actor=actor, programme=original, **self._changes(form))
        else:
            created = services.programme_create(
                actor=actor,
                code=obj.code,
                name=obj.name,
                council=obj.council,
                description=obj.description,
            )
            obj.pk = created.pk


@admin.register(ProgrammeParticipation)
class ProgrammeParticipationAdmin(ReadOnlyAdmin):
    """A key is set whole, through the API or the service, so that its shares always sum to 1."""

    list_display = ("programme", "member_state", "share", "valid_from", "valid_until")
    list_filter = ("programme",)
    list_select_related = ("programme", "member_state")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("motion", "member_state", "present", "source", "marked_by", "marked_at")
    list_filter = ("present", "source")
    list_select_related = ("motion", "member_state", "marked_by")


for model in (
    ProxyGrant,
    Recusal,
    VotingRightsSuspension,
    ContributionShare,
    VotingRulePolicy,
    ElectorateSnapshot,
):
    admin.site.register(model, ReadOnlyAdmin)

"""Thin API views over compute services and selectors (/api/v1/compute/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compute import permissions, selectors, services
from compute.backends import get_backend
from compute.models import AllocationPeriod, Cluster, ComputeFreeze, SyncRun
from core.actors import Actor
from core.bounds import DateTimeInput
from core.models import User
from core.validators import NOTE_MAX
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import ResearchProject


def _operator_only(request: Request) -> None:
    if not permissions.user_is_operator(request.user):
        raise PermissionDenied("Only a compute operator may see this.")


class QuotaLineOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    minutes = serializers.IntegerField()
    allocated = serializers.IntegerField()
    used = serializers.IntegerField()
    left = serializers.IntegerField()
    used_percent = serializers.IntegerField()

    class Meta:
        ref_name = "ComputeQuotaLine"


class ClusterOutput(serializers.ModelSerializer[Cluster]):
    gpu_types = serializers.SerializerMethodField()

    class Meta:
        model = Cluster
        fields = ("id", "name", "description", "gpu_types")

    def get_gpu_types(self, obj: Cluster) -> dict[str, int]:
        return {g.gpu_type: g.count for g in obj.gpu_types.all()}


class PeriodOutput(serializers.ModelSerializer[AllocationPeriod]):
    cluster = serializers.CharField(source="cluster.name")

    class Meta:
        model = AllocationPeriod
        fields = (
            "id", "cluster", "name", "starts_on", "ends_on", "capacity_minutes",
            "programme_share", "reserve_share", "equal_share", "freeze_at_full",
            "programme_minutes", "reserve_minutes", "split_at",
        )  # fmt: skip


class SyncRunOutput(serializers.ModelSerializer[SyncRun]):
    cluster = serializers.CharField(source="cluster.name")

    class Meta:
        model = SyncRun
        fields = (
            "id", "cluster", "backend", "dry_run", "triggered_by", "status", "started_at",
            "finished_at", "duration_ms", "steps_total", "steps_done", "diff", "commands",
            "waiting", "unmanaged", "error",
        )  # fmt: skip


class ClusterListApi(APIView):
    """The facility's clusters with their GPU types and counts."""

    @extend_schema(responses=ClusterOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(ClusterOutput(selectors.cluster_list(), many=True).data)


class PeriodListApi(APIView):
    """Allocation periods, newest first."""

    @extend_schema(responses=PeriodOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(PeriodOutput(selectors.period_list(), many=True).data)


class PeriodQuotaApi(APIView):
    """A period's national quotas and project allocations, with what is used and left."""

    @extend_schema(
        responses=inline_serializer(
            "ComputePeriodQuotas",
            {
                "period": PeriodOutput(),
                "quotas": QuotaLineOutput(many=True),
                "allocations": QuotaLineOutput(many=True),
            },
        )
    )
    def get(self, request: Request, period_id: int) -> Response:
        period = get_object_or_404(selectors.period_list(), pk=period_id)
        return Response(
            {
                "period": PeriodOutput(period).data,
                "quotas": QuotaLineOutput(selectors.quota_lines(period=period), many=True).data,
                "allocations": QuotaLineOutput(
                    [line for _a, line in selectors.allocation_lines(period=period)], many=True
                ).data,
            }
        )


def _project(request: Request, code: str) -> ResearchProject:
    project = get_object_or_404(governance_selectors.project_list(), code=code)
    if not permissions.may_view_project(request.user, project):
        raise PermissionDenied("Only the project's lead, members and operators may see this.")
    return project


def _freeze_body(freeze: ComputeFreeze) -> dict[str, Any]:
    return {
        "authority": freeze.authority,
        "safety": freeze.is_safety,
        "ordered_by": freeze.ordered_by,
        "reference": freeze.reference,
        "ordered_at": freeze.ordered_at,
        "until": freeze.until,
        "reason": freeze.reason,
    }


def _project_body(project: ResearchProject) -> dict[str, Any]:
    freeze = selectors.freeze_in_force(project)
    return {
        "code": project.code,
        "lead": project.lead.username,
        "allocations": [
            {
                "period": a.period.name,
                "cluster": a.period.cluster.name,
                "charged_to": a.charged_to,
                "status": a.status,
                **QuotaLineOutput(line).data,
            }
            for a, line in selectors.project_allocations(project=project)
        ],
        "members": [m.user.username for m in selectors.project_members(project=project)],
        "frozen": freeze is not None,
        "freeze_reason": freeze.reason if freeze else None,
        "freeze_until": freeze.until if freeze else None,
        "freezes": [_freeze_body(f) for f in selectors.freezes_in_force(project)],
        "usage_daily": selectors.usage_daily(project=project),
    }


class ProjectComputeApi(APIView):
    """A project's allocations (quota, used, left), members, freeze and daily usage."""

    @extend_schema(responses=inline_serializer("ComputeProject", {"code": serializers.CharField()}))
    def get(self, request: Request, code: str) -> Response:
        return Response(_project_body(_project(request, code)))


class ProjectMemberApi(APIView):
    """The lead adds a member (POST) or removes one (DELETE ?username=)."""

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)

        class Meta:
            ref_name = "ComputeMemberInput"

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request, code: str) -> Response:
        project = _project(request, code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(User, username=data.validated_data["username"])
        services.project_member_add(actor=Actor.from_request(request), project=project, user=user)
        return Response(_project_body(project), status=status.HTTP_201_CREATED)

    @extend_schema(request=InputSerializer, responses={200: None})
    def delete(self, request: Request, code: str) -> Response:
        project = _project(request, code)
        data = self.InputSerializer(data=request.data or request.query_params)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(User, username=data.validated_data["username"])
        services.project_member_remove(
            actor=Actor.from_request(request), project=project, user=user
        )
        return Response(_project_body(project))


class ProjectFreezeApi(APIView):
    """An operational freeze (POST) or its lifting (DELETE); the sync runs on commit.

    DELETE lifts only the operator's own freeze. A Safety Board freeze is refused with 409
    ``safety_freeze_in_force``; where both were in force, the answer says the project is still
    frozen and by whom.
    """

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=NOTE_MAX)
        until = DateTimeInput(required=False, allow_null=True)

        class Meta:
            ref_name = "ComputeFreezeInput"

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request, code: str) -> Response:
        project = get_object_or_404(governance_selectors.project_list(), code=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        freeze: ComputeFreeze = services.project_compute_freeze(
            actor=Actor.from_request(request), project=project, **data.validated_data
        )
        return Response({"frozen": True, "since": freeze.ordered_at}, status=201)

    @extend_schema(request=InputSerializer, responses={200: None})
    def delete(self, request: Request, code: str) -> Response:
        project = get_object_or_404(governance_selectors.project_list(), code=code)
        body = request.data if isinstance(request.data, dict) else {}
        reason = str(body.get("reason") or request.query_params.get("reason") or "")
        services.project_compute_unfreeze(
            actor=Actor.from_request(request), project=project, reason=reason or "lifted"
        )
        holding = selectors.freeze_in_force(project)
        if holding is None:
            return Response({"frozen": False})
        return Response(
            {
                "frozen": True,
                "code": "safety_freeze_in_force",
                "message": services.safety_freeze_message(holding),
                "freezes": [_freeze_body(f) for f in selectors.freezes_in_force(project)],
            }
        )


class SyncRunListApi(APIView):
    """The last sync runs (operators); POST runs a sync or a dry run now."""

    class InputSerializer(serializers.Serializer):
        cluster = serializers.CharField(max_length=64)
        dry_run = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "ComputeSyncInput"

    @extend_schema(responses=SyncRunOutput(many=True))
    def get(self, request: Request) -> Response:
        _operator_only(request)
        return Response(SyncRunOutput(selectors.sync_run_list()[:50], many=True).data)

    @extend_schema(request=InputSerializer, responses={201: SyncRunOutput})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cluster = get_object_or_404(Cluster, name=data.validated_data["cluster"])
        run = services.sync_run(
            actor=Actor.from_request(request),
            cluster=cluster,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(SyncRunOutput(run).data, status=status.HTTP_201_CREATED)


class SyncRunDetailApi(APIView):
    """One sync run with its diff, commands, output and progress (operators)."""

    @extend_schema(responses=SyncRunOutput)
    def get(self, request: Request, run_id: int) -> Response:
        _operator_only(request)
        return Response(SyncRunOutput(get_object_or_404(SyncRun, pk=run_id)).data)


class DriftApi(APIView):
    """What a sync would change now (operators); nothing is recorded."""

    @extend_schema(
        responses=inline_serializer(
            "ComputeDrift",
            {
                "backend": serializers.CharField(),
                "simulated": serializers.BooleanField(),
                "changes": serializers.ListField(child=serializers.DictField()),
                "waiting": serializers.ListField(child=serializers.CharField()),
                "unmanaged": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request, cluster: str) -> Response:
        _operator_only(request)
        target = get_object_or_404(Cluster, name=cluster)
        backend = get_backend(cluster=target.name)
        drift = services.drift(cluster=target, backend=backend)
        return Response(
            {
                "backend": backend.name,
                "simulated": backend.simulated,
                "changes": [c.to_dict() for c in drift.changes],
                "waiting": drift.waiting,
                "unmanaged": drift.unmanaged,
            }
        )

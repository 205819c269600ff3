"""Thin API views over governance services and selectors (/api/v1/)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api import PAGE_PARAMETERS, paginated
from core.bounds import DateInput
from core.models import User
from core.validators import validate_name
from governance import selectors, services
from governance.models import (
    Accreditation,
    Council,
    CouncilKind,
    DelegateRole,
    MemberState,
    MemberStatus,
    Seat,
)


def _paginate(
    view: APIView, request: Request, qs: Any, serializer: type[serializers.Serializer]
) -> Response:
    paginator = view.paginator  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class PaginatedApi(APIView):
    @property
    def paginator(self) -> Any:
        from rest_framework.pagination import LimitOffsetPagination

        if not hasattr(self, "_paginator"):
            self._paginator = LimitOffsetPagination()
        return self._paginator


class MemberStateOutput(serializers.ModelSerializer[MemberState]):
    class Meta:
        model = MemberState
        fields = (
            "code",
            "name_en",
            "name_de",
            "name_fr",
            "status",
            "accession_date",
            "population",
            "population_year",
            "currency",
        )


class MemberStateInput(serializers.Serializer):
    code = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        max_length=2,
        error_messages={"invalid": "Use the two-letter ISO 3166 code, e.g. DE."},
    )
    name_en = serializers.CharField(max_length=100, validators=[validate_name])
    name_de = serializers.CharField(max_length=100, validators=[validate_name])
    name_fr = serializers.CharField(max_length=100, validators=[validate_name])
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    accession_date = DateInput()
    population = serializers.IntegerField(min_value=1, max_value=10_000_000_000)
    population_year = serializers.IntegerField(
        min_value=1900, max_value=2200, required=False, allow_null=True
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": "Use the three-letter ISO 4217 code, e.g. EUR."}
    )


class MemberStateListApi(PaginatedApi):
    """Member states (read: signed-in users; create: council secretaries with a second factor)."""

    @extend_schema(
        operation_id="v1_member_states_list",
        responses=paginated(MemberStateOutput),
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("status", enum=MemberStatus.values)],
    )
    def get(self, request: Request) -> Response:
        return _paginate(
            self,
            request,
            selectors.member_state_list(status=request.query_params.get("status")),
            MemberStateOutput,
        )

    @extend_schema(request=MemberStateInput, responses={201: MemberStateOutput})
    def post(self, request: Request) -> Response:
        data = MemberStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        state = services.member_state_create(
            actor=Actor.from_request(request), **data.validated_data
        )
        return Response(MemberStateOutput(state).data, status=status.HTTP_201_CREATED)


class MemberStateDetailApi(APIView):
    """One member state by its ISO code; PATCH changes it (secretaries)."""

    @extend_schema(responses=MemberStateOutput)
    def get(self, request: Request, code: str) -> Response:
        return Response(MemberStateOutput(get_object_or_404(MemberState, code=code.upper())).data)

    @extend_schema(request=MemberStateInput(partial=True), responses=MemberStateOutput)
    def patch(self, request: Request, code: str) -> Response:
        state = get_object_or_404(MemberState, code=code.upper())
        data = MemberStateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        state = services.member_state_update(
            actor=Actor.from_request(request), state=state, **data.validated_data
        )
        return Response(MemberStateOutput(state).data)


class SeatOutput(serializers.ModelSerializer[Seat]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Seat
        fields = ("id", "council", "member_state", "seated_from", "seated_until")


class CouncilOutput(serializers.ModelSerializer[Council]):
    current_members = serializers.SerializerMethodField()

    class Meta:
        model = Council
        fields = ("code", "kind", "name_en", "name_de", "name_fr", "current_members")

    def get_current_members(self, council: Council) -> list[str]:
        return [seat.member_state.code for seat in getattr(council, "current_seats", [])]


class CouncilInput(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    kind = serializers.ChoiceField(choices=CouncilKind.choices)
    name_en = serializers.CharField(max_length=150, validators=[validate_name])
    name_de = serializers.CharField(max_length=150, validators=[validate_name])
    name_fr = serializers.CharField(max_length=150, validators=[validate_name])


class CouncilListApi(PaginatedApi):
    """Councils with the states seated today."""

    @extend_schema(
        operation_id="v1_councils_list",
        responses=paginated(CouncilOutput),
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request: Request) -> Response:
        return _paginate(self, request, selectors.council_list(), CouncilOutput)

    @extend_schema(request=CouncilInput, responses={201: CouncilOutput})
    def post(self, request: Request) -> Response:
        data = CouncilInput(data=request.data)
        data.is_valid(raise_exception=True)
        council = services.council_create(actor=Actor.from_request(request), **data.validated_data)
        return Response(CouncilOutput(council).data, status=status.HTTP_201_CREATED)


class CouncilDetailApi(APIView):
    @extend_schema(responses=CouncilOutput)
    def get(self, request: Request, code: str) -> Response:
        return Response(CouncilOutput(get_object_or_404(selectors.council_list(), code=code)).data)

    @extend_schema(request=CouncilInput(partial=True), responses=CouncilOutput)
    def patch(self, request: Request, code: str) -> Response:
        council = get_object_or_404(Council, code=code)
        data = CouncilInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.council_update(
            actor=Actor.from_request(request), council=council, **data.validated_data
        )
        return Response(CouncilOutput(get_object_or_404(selectors.council_list(), code=code)).data)


class SeatInput(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all()
    )
    seated_from = DateInput()
    seated_until = DateInput(required=False, allow_null=True)


class CouncilSeatListApi(PaginatedApi):
    """A council's seats over time; POST grants a seat (the council's secretary)."""

    @extend_schema(
        responses=paginated(SeatOutput),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "on", type=str, description="Only seats held on this date (YYYY-MM-DD)."
            ),
        ],
    )
    def get(self, request: Request, code: str) -> Response:
        council = get_object_or_404(Council, code=code)
        on = (
            DateInput().to_internal_value(request.query_params["on"])
            if "on" in request.query_params
            else None
        )
        return _paginate(self, request, selectors.seat_list(council=council, on=on), SeatOutput)

    @extend_schema(request=SeatInput, responses={201: SeatOutput})
    def post(self, request: Request, code: str) -> Response:
        council = get_object_or_404(Council, code=code)
        data = SeatInput(data=request.data)
        data.is_valid(raise_exception=True)
        seat = services.seat_grant(
            actor=Actor.from_request(request), council=council, **data.validated_data
        )
        return Response(SeatOutput(seat).data, status=status.HTTP_201_CREATED)


class EndInput(serializers.Serializer):
    until = DateInput(help_text="The first day without it.")


class SeatEndApi(APIView):
    @extend_schema(request=EndInput, responses=SeatOutput)
    def post(self, request: Request, seat_id: int) -> Response:
        seat = get_object_or_404(Seat.objects.select_related("council", "member_state"), pk=seat_id)
        data = EndInput(data=request.data)
        data.is_valid(raise_exception=True)
        seat = services.seat_end(
            actor=Actor.from_request(request), seat=seat, seated_until=data.validated_data["until"]
        )
        return Response(SeatOutput(seat).data)


class DelegateOutput(serializers.ModelSerializer[Accreditation]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Accreditation
        fields = (
            "id",
            "username",
            "name",
            "council",
            "member_state",
            "role",
            "valid_from",
            "valid_until",
            "approval",
            "approved_by",
            "approved_at",
        )


class DelegateInput(serializers.Serializer):
    username = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), source="user"
    )
    council = serializers.SlugRelatedField(slug_field="code", queryset=Council.objects.all())
    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all()
    )
    role = serializers.ChoiceField(choices=DelegateRole.choices)
    valid_from = DateInput()
    valid_until = DateInput(required=False, allow_null=True)


class DelegateListApi(PaginatedApi):
    """Accredited delegates; POST accredits one (secretaries, or heads for their own state)."""

    @extend_schema(
        responses=paginated(DelegateOutput),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("council", type=str),
            OpenApiParameter("member_state", type=str),
            OpenApiParameter("current", type=bool, description="Only accreditations valid today."),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        council = (
            get_object_or_404(Council, code=params["council"]) if params.get("council") else None
        )
        state = (
            get_object_or_404(MemberState, code=params["member_state"].upper())
            if params.get("member_state")
            else None
        )
        on = selectors.today() if params.get("current") in ("1", "true") else None
        return _paginate(
            self,
            request,
            selectors.accreditation_list(council=council, member_state=state, on=on),
            DelegateOutput,
        )

    @extend_schema(request=DelegateInput, responses={201: DelegateOutput})
    def post(self, request: Request) -> Response:
        data = DelegateInput(data=request.data)
        data.is_valid(raise_exception=True)
        accreditation = services.accreditation_grant(
            actor=Actor.from_request(request), **data.validated_data
        )
        return Response(DelegateOutput(accreditation).data, status=status.HTTP_201_CREATED)


class DelegateEndApi(APIView):
    @extend_schema(request=EndInput, responses=DelegateOutput)
    def post(self, request: Request, accreditation_id: int) -> Response:
        accreditation = get_object_or_404(
            Accreditation.objects.select_related("council", "member_state", "user"),
            pk=accreditation_id,
        )
        data = EndInput(data=request.data)
        data.is_valid(raise_exception=True)
        accreditation = services.accreditation_end(
            actor=Actor.from_request(request),
            accreditation=accreditation,
            valid_until=data.validated_data["until"],
        )
        return Response(DelegateOutput(accreditation).data)


class DelegateApproveApi(APIView):
    """Approve an accreditation awaiting the secretariat (that council's secretary, with MFA)."""

    @extend_schema(request=None, responses=DelegateOutput)
    def post(self, request: Request, accreditation_id: int) -> Response:
        accreditation = get_object_or_404(selectors.accreditation_list(), pk=accreditation_id)
        accreditation = services.accreditation_approve(
            actor=Actor.from_request(request), accreditation=accreditation
        )
        return Response(DelegateOutput(accreditation).data)

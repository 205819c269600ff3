"""API for the rule-book features: attendance for a vote, the chair's casting vote, programmes."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.bounds import DateInput
from core.validators import MOTION_TEXT_MAX, validate_name
from governance import selectors, services
from governance.api_voting import MotionOutput, PublicThrottle, _motions
from governance.models import Attendance, CastingVote, Council, MemberState, Programme

STATE_CODE = r"^[A-Z]{2}$"


class AttendanceOutput(serializers.ModelSerializer[Attendance]):
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Attendance
        fields = ("member_state", "present", "source", "marked_at")


class AttendanceApi(APIView):
    """Who is present for a motion's vote: the council's secretary marks a state present or absent."""

    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=MemberState.objects.all()
        )
        present = serializers.BooleanField()

        class Meta:
            ref_name = "AttendanceMarkInput"

    @extend_schema(responses=AttendanceOutput(many=True))
    def get(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        return Response(AttendanceOutput(selectors.attendance_marks(motion), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: AttendanceOutput})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mark = services.attendance_mark(
            actor=Actor.from_request(request), motion=motion, **data.validated_data
        )
        return Response(AttendanceOutput(mark).data, status=status.HTTP_201_CREATED)


class CheckInApi(APIView):
    """A voting delegate checks their own state in as present for a motion's vote."""

    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=MemberState.objects.all()
        )

        class Meta:
            ref_name = "AttendanceCheckInInput"

    @extend_schema(request=InputSerializer, responses={201: AttendanceOutput})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mark = services.attendance_check_in(
            actor=Actor.from_request(request), motion=motion, **data.validated_data
        )
        return Response(AttendanceOutput(mark).data, status=status.HTTP_201_CREATED)


class CastingVoteApi(APIView):
    """The council's chair gives the casting vote after a tie (fresh second factor); signed again."""

    class InputSerializer(serializers.Serializer):
        choice = serializers.ChoiceField(choices=CastingVote.choices)

        class Meta:
            ref_name = "CastingVoteInput"

    @extend_schema(request=InputSerializer, responses=MotionOutput)
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.casting_vote_give(
            actor=Actor.from_request(request), motion=motion, choice=data.validated_data["choice"]
        )
        return Response(MotionOutput(get_object_or_404(_motions(request), pk=motion_id)).data)


class ProgrammeOutput(serializers.ModelSerializer[Programme]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    participants = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = ("code", "name", "council", "description", "participants")

    def get_participants(self, programme: Programme) -> dict[str, str]:
        """Each participating state today and its share of the programme's key (decimal text)."""
        key = selectors.programme_key_on(programme, selectors.today())
        return {code: str(share) for code, share in key.items()}


class ProgrammeInput(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200, validators=[validate_name])
    council = serializers.SlugRelatedField(slug_field="code", queryset=Council.objects.all())
    description = serializers.CharField(
        max_length=MOTION_TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ProgrammeListApi(APIView):
    """Programmes, their participants and keys (public); the secretariat creates them."""

    def get_permissions(self) -> list[Any]:
        # Reading is public, like the portal's programme page; creating needs a signed-in actor.
        if self.request.method == "GET":
            return [AllowAny()]
        return list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        return [PublicThrottle()] if self.request.method == "GET" else super().get_throttles()

    @extend_schema(responses=ProgrammeOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(ProgrammeOutput(selectors.programme_list(), many=True).data)

    @extend_schema(request=ProgrammeInput, responses={201: ProgrammeOutput})
    def post(self, request: Request) -> Response:
        data = ProgrammeInput(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.programme_create(
            actor=Actor.from_request(request), **data.validated_data
        )
        return Response(ProgrammeOutput(programme).data, status=status.HTTP_201_CREATED)


class ProgrammeKeyApi(APIView):
    """Set a programme's participants and contribution key from a date (shares sum to 1)."""

    class InputSerializer(serializers.Serializer):
        valid_from = DateInput()
        shares = serializers.DictField(
            child=serializers.DecimalField(
                max_digits=21, decimal_places=18, min_value=0, max_value=1
            ),
            allow_empty=False,
            help_text='State code to share, e.g. {"DE": "0.6", "FR": "0.4"}',
        )

        class Meta:
            ref_name = "ProgrammeKeyInput"

        def validate_shares(self, value: dict[str, Any]) -> dict[str, Any]:
            import re

            for code in value:
                if not re.fullmatch(STATE_CODE, code):
                    raise serializers.ValidationError(
                        f"{code[:10]!r} is not a state code such as DE."
                    )
            return value

    @extend_schema(request=InputSerializer, responses=ProgrammeOutput)
    def post(self, request: Request, code: str) -> Response:
        programme = get_object_or_404(selectors.programme_list(), code=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.programme_key_set(
            actor=Actor.from_request(request), programme=programme, **data.validated_data
        )
        return Response(ProgrammeOutput(programme).data)

"""API for council sessions: the session and its agenda, attendance, amendments, minutes; and
the public list of past sessions with the hashes of their approved minutes."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api import PAGE_PARAMETERS, paginated
from core.bounds import DateTimeInput
from core.errors import NotAllowed
from core.validators import MOTION_TEXT_MAX, NOTE_MAX, validate_name
from governance import permissions, selectors, services
from governance.api import PaginatedApi, _paginate
from governance.api_voting import PublicThrottle
from governance.models import (
    AgendaItem,
    Amendment,
    Council,
    ItemKind,
    MemberState,
    Minutes,
    MinutesVersion,
    Motion,
    Session,
    SessionAttendance,
    SessionFormat,
    SessionKind,
)
from governance.selectors.sessions import (
    presence,
    session_detail,
    sessions_for_user,
    sessions_public,
)

LINE_MAX = 100_000


class AgendaItemOutput(serializers.ModelSerializer[AgendaItem]):
    motion: serializers.SlugRelatedField[Motion] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    admission_motion: serializers.SlugRelatedField[Motion] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )

    class Meta:
        model = AgendaItem
        fields = (
            "id",
            "position",
            "kind",
            "title",
            "description",
            "motion",
            "late",
            "admitted",
            "admission_motion",
        )


class PresenceOutput(serializers.Serializer):
    members = serializers.IntegerField()
    present = serializers.IntegerField()
    represented = serializers.IntegerField()
    needed = serializers.IntegerField()
    reached = serializers.BooleanField()

    class Meta:
        ref_name = "SessionPresence"


class SessionOutput(serializers.ModelSerializer[Session]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    agenda_motion: serializers.SlugRelatedField[Motion] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    items = AgendaItemOutput(many=True, read_only=True)
    presence = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = (
            "id",
            "reference",
            "council",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "format",
            "place",
            "online_url",
            "status",
            "convened_at",
            "opened_at",
            "closed_at",
            "agenda_motion",
            "agenda_sha256",
            "items",
            "presence",
        )

    @extend_schema_field(PresenceOutput)
    def get_presence(self, obj: Session) -> dict[str, Any]:
        figures = presence(obj)
        return PresenceOutput(
            {
                "members": figures.members,
                "present": figures.present,
                "represented": figures.represented,
                "needed": figures.needed,
                "reached": figures.reached,
            }
        ).data


class SessionInput(serializers.Serializer):
    council = serializers.SlugRelatedField(slug_field="code", queryset=Council.objects.all())
    kind = serializers.ChoiceField(choices=SessionKind.choices, default=SessionKind.ORDINARY)
    title = serializers.CharField(max_length=300, validators=[validate_name])
    starts_at = DateTimeInput()
    ends_at = DateTimeInput()
    format = serializers.ChoiceField(choices=SessionFormat.choices, default=SessionFormat.IN_PERSON)
    place = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    online_url = serializers.URLField(max_length=500, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": "The session must end after it starts."})
        return attrs


def _sessions(request: Request) -> Any:
    return session_detail(sessions_for_user(user=request.user))  # type: ignore[arg-type]


class SessionListApi(PaginatedApi):
    """The sessions of the councils the caller sits on or serves; a secretary plans one."""

    @extend_schema(
        responses=paginated(SessionOutput),
        parameters=PAGE_PARAMETERS,
        operation_id="v1_sessions_list",
    )
    def get(self, request: Request) -> Response:
        return _paginate(self, request, _sessions(request), SessionOutput)

    @extend_schema(request=SessionInput, responses={201: SessionOutput})
    def post(self, request: Request) -> Response:
        data = SessionInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(actor=Actor.from_request(request), **data.validated_data)
        return Response(
            SessionOutput(get_object_or_404(_sessions(request), pk=session.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class SessionDetailApi(APIView):
    @extend_schema(responses=SessionOutput)
    def get(self, request: Request, session_id: int) -> Response:
        return Response(SessionOutput(get_object_or_404(_sessions(request), pk=session_id)).data)


SESSION_STEPS = {
    "convene": services.session_convene,
    "open": services.session_open,
    "close": services.session_close,
}


class SessionStepApi(APIView):
    """Convene (the convocation e-mails go out), open (the agenda goes to the vote) or close."""

    @extend_schema(
        request=None,
        responses=SessionOutput,
        operation_id="v1_sessions_step",
        parameters=[
            OpenApiParameter("action", enum=list(SESSION_STEPS), location=OpenApiParameter.PATH)
        ],
    )
    def post(self, request: Request, session_id: int, action: str) -> Response:
        session = get_object_or_404(_sessions(request), pk=session_id)
        if action not in SESSION_STEPS:
            return Response(
                {"code": "not_found", "message": f"No such step {action!r}."}, status=404
            )
        SESSION_STEPS[action](actor=Actor.from_request(request), session=session)
        return Response(SessionOutput(get_object_or_404(_sessions(request), pk=session_id)).data)


class AgendaItemInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ItemKind.choices,
        default=ItemKind.INFORMATION,
        help_text="information or motion; the minutes' approval is put on by the minutes' service.",
    )
    title = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True, validators=[validate_name]
    )
    description = serializers.CharField(
        max_length=NOTE_MAX, required=False, default="", allow_blank=True
    )
    motion = serializers.SlugRelatedField(
        slug_field="reference", queryset=Motion.objects.all(), required=False, allow_null=True
    )


class AgendaItemApi(APIView):
    """Put an item on the agenda (after the convocation: a late item, to be admitted by vote)."""

    @extend_schema(request=AgendaItemInput, responses={201: AgendaItemOutput})
    def post(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(_sessions(request), pk=session_id)
        data = AgendaItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.agenda_item_add(
            actor=Actor.from_request(request), session=session, **data.validated_data
        )
        return Response(AgendaItemOutput(item).data, status=status.HTTP_201_CREATED)


class SessionAttendanceOutput(serializers.ModelSerializer[SessionAttendance]):
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    represented_by: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    people = serializers.ListField(
        child=serializers.IntegerField(), source="people_ids", read_only=True
    )

    class Meta:
        model = SessionAttendance
        fields = ("member_state", "present", "source", "represented_by", "people", "marked_at")


class AttendanceInput(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all()
    )
    present = serializers.BooleanField(default=True)
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2_147_483_647),
        required=False,
        default=list,
        max_length=100,
    )


def _attendance_rows(session: Session) -> list[SessionAttendance]:
    rows = list(session.attendance.prefetch_related("people"))
    for row in rows:
        row.people_ids = sorted(p.pk for p in row.people.all())  # type: ignore[attr-defined]
    return rows


class AttendanceApi(APIView):
    """Who is present; a delegation checks itself in, the secretary marks any delegation."""

    @extend_schema(responses=SessionAttendanceOutput(many=True))
    def get(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(_sessions(request), pk=session_id)
        return Response(SessionAttendanceOutput(_attendance_rows(session), many=True).data)

    @extend_schema(request=AttendanceInput, responses=SessionAttendanceOutput)
    def post(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(_sessions(request), pk=session_id)
        data = AttendanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = Actor.from_request(request)
        values = data.validated_data
        if permissions.is_secretary(actor, session.council):
            row = services.session_attendance_mark(actor=actor, session=session, **values)
        else:
            if not values["present"]:
                raise NotAllowed("A delegation checks itself in; the secretary marks absences.")
            row = services.session_check_in(
                actor=actor,
                session=session,
                member_state=values["member_state"],
                people=values["people"],
            )
        row.people_ids = sorted(p.pk for p in row.people.all())  # type: ignore[attr-defined]
        return Response(SessionAttendanceOutput(row).data)


class AmendmentOutput(serializers.ModelSerializer[Amendment]):
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    vote: serializers.SlugRelatedField[Motion] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )

    class Meta:
        model = Amendment
        fields = (
            "id",
            "number",
            "kind",
            "member_state",
            "line_from",
            "line_to",
            "new_text",
            "base_sha256",
            "reason",
            "group",
            "position",
            "status",
            "vote",
        )


class AmendmentInput(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MemberState.objects.all(),
        required=False,
        allow_null=True,
        help_text="The proposing delegation; omit for the secretariat's change recommendation.",
    )
    line_from = serializers.IntegerField(min_value=1, max_value=LINE_MAX)
    line_to = serializers.IntegerField(min_value=1, max_value=LINE_MAX)
    new_text = serializers.CharField(
        max_length=MOTION_TEXT_MAX, allow_blank=True, required=False, default=""
    )
    reason = serializers.CharField(
        max_length=NOTE_MAX, allow_blank=True, required=False, default=""
    )


class AmendmentListApi(APIView):
    """A motion's amendments; a delegation (or the secretariat) proposes one."""

    @extend_schema(responses=AmendmentOutput(many=True))
    def get(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]
        return Response(AmendmentOutput(motion.amendments.all(), many=True).data)

    @extend_schema(request=AmendmentInput, responses={201: AmendmentOutput})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(selectors.motions_for_user(user=request.user), pk=motion_id)  # type: ignore[arg-type]
        data = AmendmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        state = values.pop("member_state", None)
        actor = Actor.from_request(request)
        if state is None:
            amendment = services.recommendation_propose(actor=actor, motion=motion, **values)
        else:
            amendment = services.amendment_propose(
                actor=actor, motion=motion, member_state=state, **values
            )
        return Response(AmendmentOutput(amendment).data, status=status.HTTP_201_CREATED)


class MinutesVersionOutput(serializers.ModelSerializer[MinutesVersion]):
    class Meta:
        model = MinutesVersion
        fields = ("number", "sha256", "html_sha256", "decisions", "approved_at")


class MinutesOutput(serializers.ModelSerializer[Minutes]):
    session = serializers.CharField(source="session.reference", read_only=True)
    versions = MinutesVersionOutput(many=True, read_only=True)

    class Meta:
        model = Minutes
        fields = (
            "session",
            "status",
            "record",
            "summary",
            "circulated_at",
            "comments_until",
            "approved_at",
            "versions",
        )


class MinutesApi(APIView):
    """A session's minutes as drafted (record, summaries) and each approved version's hashes."""

    @extend_schema(responses=MinutesOutput)
    def get(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(_sessions(request), pk=session_id)
        minutes = get_object_or_404(Minutes.objects.filter(session=session))
        return Response(MinutesOutput(minutes).data)


class PublicSessionOutput(serializers.ModelSerializer[Session]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    items = AgendaItemOutput(many=True, read_only=True)
    minutes = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = (
            "id",
            "reference",
            "council",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "format",
            "place",
            "agenda_sha256",
            "items",
            "minutes",
        )

    @extend_schema_field(MinutesVersionOutput(many=True))
    def get_minutes(self, obj: Session) -> list[dict[str, Any]]:
        minutes = getattr(obj, "minutes", None)
        if minutes is None or minutes.status != "approved":
            return []
        return list(MinutesVersionOutput(minutes.versions.all(), many=True).data)


class PublicSessionListApi(PaginatedApi):
    """Anyone: past sessions, with the hashes of their approved minutes."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        responses=paginated(PublicSessionOutput),
        parameters=PAGE_PARAMETERS,
        operation_id="v1_public_sessions_list",
    )
    def get(self, request: Request) -> Response:
        qs = sessions_public().prefetch_related("items__motion", "minutes__versions")
        return _paginate(self, request, qs, PublicSessionOutput)

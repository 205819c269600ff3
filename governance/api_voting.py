"""API for projects, motions, ballots, proxies, recusals and public verification."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.actors import Actor
from core.api import PAGE_PARAMETERS, paginated
from core.bounds import DateInput, DateTimeInput
from core.validators import ABSTRACT_MAX, MOTION_TEXT_MAX, NOTE_MAX, validate_name
from governance import rules, selectors, services, wording
from governance.api import PaginatedApi, _paginate
from governance.models import (
    Council,
    MemberState,
    Motion,
    MotionKind,
    Procedure,
    Programme,
    ProxyGrant,
    ResearchProject,
)
from governance.verification import chain_entries, verify_motion

# GPU-hours are stored in a PositiveIntegerField: at most what a 32-bit column holds.
GPU_HOURS_MAX = 2_147_483_647


class ProjectOutput(serializers.ModelSerializer[ResearchProject]):
    host_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    lead = serializers.CharField(source="lead.username", read_only=True)

    class Meta:
        model = ResearchProject
        fields = (
            "code", "title", "abstract", "host_institution", "host_state", "charged_to_programme", "lead",
            "gpu_hours_requested", "period_start", "period_end", "safety_self_assessment",
            "proposed_safety_level", "status", "submitted_at",
        )  # fmt: skip


class ProjectInput(serializers.Serializer):
    title = serializers.CharField(max_length=300, validators=[validate_name])
    abstract = serializers.CharField(max_length=ABSTRACT_MAX)
    host_institution = serializers.CharField(max_length=300)
    host_state = serializers.SlugRelatedField(slug_field="code", queryset=MemberState.objects.all())
    gpu_hours_requested = serializers.IntegerField(min_value=1, max_value=GPU_HOURS_MAX)
    period_start = DateInput()
    period_end = DateInput()
    safety_self_assessment = serializers.CharField(max_length=ABSTRACT_MAX)
    proposed_safety_level = serializers.IntegerField(min_value=1, max_value=4, default=1)
    charged_to_programme = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["period_end"] <= attrs["period_start"]:
            raise serializers.ValidationError(
                {"period_end": "The period must end after it starts."}
            )
        return attrs


class ProjectListApi(PaginatedApi):
    """Research projects; any signed-in researcher may submit one and becomes its lead."""

    @extend_schema(responses=paginated(ProjectOutput), parameters=PAGE_PARAMETERS)
    def get(self, request: Request) -> Response:
        qs = ResearchProject.objects.select_related("host_state", "lead").order_by("-submitted_at")
        return _paginate(self, request, qs, ProjectOutput)

    @extend_schema(request=ProjectInput, responses={201: ProjectOutput})
    def post(self, request: Request) -> Response:
        data = ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_submit(actor=Actor.from_request(request), **data.validated_data)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class MotionOutput(serializers.ModelSerializer[Motion]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    # Most motions are about no project: the schema must say null is a value.
    project: serializers.SlugRelatedField[ResearchProject] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    programme: serializers.SlugRelatedField[Programme] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    procedure_in_words = serializers.SerializerMethodField()
    rule_in_words = serializers.SerializerMethodField()
    rule_terms = serializers.SerializerMethodField()
    electorate_rule_in_words = serializers.SerializerMethodField()
    electorate_sha256 = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()
    summary_in_words = serializers.SerializerMethodField()

    class Meta:
        model = Motion
        fields = (
            "id",
            "reference",
            "council",
            "kind",
            "title",
            "text",
            "status",
            "procedure",
            "procedure_in_words",
            "programme",
            "rule",
            "rule_in_words",
            "rule_terms",
            "electorate_rule_in_words",
            "secret",
            "opens_at",
            "closes_at",
            "project",
            "gpu_hours",
            "opened_at",
            "closed_at",
            "certified_at",
            "published_at",
            "outcome",
            "casting_vote",
            "casting_vote_at",
            "tally",
            "verdict",
            "summary_in_words",
            "chain_head",
            "chain_length",
            "electorate_sha256",
        )

    def get_procedure_in_words(self, motion: Motion) -> str:
        """The procedure in a sentence; the silence procedure says what silence does."""
        if motion.procedure == Procedure.SILENCE:
            return _(
                "Silence procedure: adopted unless a delegation objects (votes no) by %(when)s."
            ) % {"when": motion.closes_at.isoformat()}
        return str(Procedure(motion.procedure).label)

    def get_rule_in_words(self, motion: Motion) -> str:
        # In the request's language (Accept-Language), like every other text of the API.
        return wording.rule_in_words(motion.rule)

    @extend_schema_field(serializers.DictField())
    def get_rule_terms(self, motion: Motion) -> dict[str, object]:
        """The rule's tests, thresholds ('n/d'), absences, ties and quorum, in no language."""
        return rules.VotingRule.from_dict(motion.rule).description().to_dict()

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_verdict(self, motion: Motion) -> dict[str, object] | None:
        """Why the vote ended as it did (reason, failed tests, margin), in no language."""
        tally = wording.read(motion.tally) if motion.closed_at else None
        return tally.verdict.to_dict() if tally else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary_in_words(self, motion: Motion) -> str | None:
        tally = wording.read(motion.tally) if motion.closed_at else None
        return wording.summary_text(tally) if tally else None

    def get_electorate_rule_in_words(self, motion: Motion) -> str:
        return selectors.electorate_rule_in_words()

    def get_electorate_sha256(self, motion: Motion) -> str | None:
        snapshot = getattr(motion, "electorate", None)
        return snapshot.sha256 if snapshot else None

    def get_tally(self, motion: Motion) -> dict[str, Any] | None:
        # Until the vote closes only the turnout is shown, never the running score.
        return motion.tally if motion.closed_at else None


class MotionInput(serializers.Serializer):
    council = serializers.SlugRelatedField(slug_field="code", queryset=Council.objects.all())
    kind = serializers.ChoiceField(choices=MotionKind.choices)
    title = serializers.CharField(max_length=300, validators=[validate_name])
    text = serializers.CharField(max_length=MOTION_TEXT_MAX)
    opens_at = DateTimeInput()
    closes_at = DateTimeInput()
    secret = serializers.BooleanField(default=False)
    procedure = serializers.ChoiceField(choices=Procedure.choices, default=Procedure.ORDINARY)
    project = serializers.SlugRelatedField(
        slug_field="code", queryset=ResearchProject.objects.all(), required=False, allow_null=True
    )
    gpu_hours = serializers.IntegerField(
        min_value=1, max_value=GPU_HOURS_MAX, required=False, allow_null=True
    )
    rule = serializers.JSONField(
        required=False,
        help_text="governance.rules.VotingRule as JSON; the council's policy if left out",
    )
    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Programme.objects.all(),
        required=False,
        allow_null=True,
        help_text="A programme's matter: only its participating states vote, by its key",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["closes_at"] <= attrs["opens_at"]:
            raise serializers.ValidationError({"closes_at": "Voting must close after it opens."})
        return attrs


def _motions(request: Request) -> QuerySet[Motion]:
    """The motions the caller may read (drafts only for their council's delegates and secretariat)."""
    return selectors.motions_for_user(user=request.user).order_by("-opens_at", "-id")  # type: ignore[arg-type]


class MotionListApi(PaginatedApi):
    """Motions of every council; secretaries draft new ones."""

    @extend_schema(
        operation_id="v1_motions_list",
        responses=paginated(MotionOutput),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("council", type=str),
            OpenApiParameter("status", type=str),
        ],
    )
    def get(self, request: Request) -> Response:
        qs = _motions(request)
        if council := request.query_params.get("council"):
            qs = qs.filter(council__code=council)
        if state := request.query_params.get("status"):
            qs = qs.filter(status=state)
        return _paginate(self, request, qs, MotionOutput)

    @extend_schema(request=MotionInput, responses={201: MotionOutput})
    def post(self, request: Request) -> Response:
        data = MotionInput(data=request.data)
        data.is_valid(raise_exception=True)
        motion = services.motion_create(actor=Actor.from_request(request), **data.validated_data)
        return Response(MotionOutput(motion).data, status=status.HTTP_201_CREATED)


class MotionDetailApi(APIView):
    @extend_schema(responses=MotionOutput)
    def get(self, request: Request, motion_id: int) -> Response:
        return Response(MotionOutput(get_object_or_404(_motions(request), pk=motion_id)).data)


TRANSITIONS = {
    "table": services.motion_table,
    "open": services.motion_open,
    "close": services.motion_close,
    "certify": services.motion_certify,
    "publish": services.motion_publish,
}


class MotionTransitionApi(APIView):
    """Move a motion one step: table, open, close, certify, publish (the council's secretary, with MFA)."""

    @extend_schema(
        request=None,
        responses=MotionOutput,
        operation_id="v1_motions_step",
        parameters=[
            OpenApiParameter("action", enum=list(TRANSITIONS), location=OpenApiParameter.PATH)
        ],
    )
    def post(self, request: Request, motion_id: int, action: str) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        if action not in TRANSITIONS:
            return Response(
                {"code": "not_found", "message": f"No such step {action!r}."}, status=404
            )
        TRANSITIONS[action](actor=Actor.from_request(request), motion=motion)
        return Response(MotionOutput(get_object_or_404(_motions(request), pk=motion_id)).data)


class MotionWithdrawApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=NOTE_MAX)

        class Meta:
            ref_name = "MotionWithdrawInput"

    @extend_schema(request=InputSerializer, responses=MotionOutput)
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.motion_withdraw(
            actor=Actor.from_request(request), motion=motion, reason=data.validated_data["reason"]
        )
        return Response(MotionOutput(get_object_or_404(_motions(request), pk=motion_id)).data)


class BallotInput(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all()
    )
    choice = serializers.ChoiceField(choices=[("yes", "yes"), ("no", "no"), ("abstain", "abstain")])


ReceiptOutput = inline_serializer(
    "BallotReceipt",
    {
        "motion": serializers.CharField(),
        "seq": serializers.IntegerField(),
        "receipt": serializers.CharField(
            help_text="The SHA-256 of your entry in the ballot chain."
        ),
        "state": serializers.CharField(),
        "choice": serializers.CharField(allow_null=True),
        "superseded_earlier": serializers.BooleanField(),
    },
)


class BallotCastApi(APIView):
    """Cast or change your state's vote (an accredited voting delegate with MFA); returns the receipt."""

    @extend_schema(request=BallotInput, responses={201: ReceiptOutput})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = BallotInput(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.ballot_cast(
            actor=Actor.from_request(request), motion=motion, **data.validated_data
        )
        return Response(
            {
                "motion": receipt.motion,
                "seq": receipt.seq,
                "receipt": receipt.entry_hash,
                "state": receipt.state,
                "choice": receipt.choice,
                "superseded_earlier": receipt.superseded_earlier,
            },
            status=status.HTTP_201_CREATED,
        )


class RecusalApi(APIView):
    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=MemberState.objects.all()
        )
        reason = serializers.CharField(max_length=NOTE_MAX)

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recusal_declare(
            actor=Actor.from_request(request), motion=motion, **data.validated_data
        )
        return Response(
            {"state": data.validated_data["member_state"].code}, status=status.HTTP_201_CREATED
        )


class ProxyOutput(serializers.ModelSerializer[ProxyGrant]):
    council: serializers.SlugRelatedField[Council] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    grantor: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    holder: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    motion: serializers.SlugRelatedField[Motion] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True
    )

    class Meta:
        model = ProxyGrant
        fields = (
            "id",
            "council",
            "grantor",
            "holder",
            "motion",
            "session_from",
            "session_until",
            "instruction",
            "granted_at",
            "revoked_at",
        )


class ProxyInput(serializers.Serializer):
    council = serializers.SlugRelatedField(slug_field="code", queryset=Council.objects.all())
    grantor = serializers.SlugRelatedField(slug_field="code", queryset=MemberState.objects.all())
    holder = serializers.SlugRelatedField(slug_field="code", queryset=MemberState.objects.all())
    motion = serializers.PrimaryKeyRelatedField(
        queryset=Motion.objects.all(), required=False, allow_null=True
    )
    session_from = DateInput(required=False, allow_null=True)
    session_until = DateInput(required=False, allow_null=True)
    instruction = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )


class ProxyListApi(PaginatedApi):
    """Proxies given and held; a delegation's voting delegate gives its state's proxy."""

    @extend_schema(responses=paginated(ProxyOutput), parameters=PAGE_PARAMETERS)
    def get(self, request: Request) -> Response:
        qs = ProxyGrant.objects.select_related("council", "grantor", "holder", "motion")
        return _paginate(self, request, qs, ProxyOutput)

    @extend_schema(request=ProxyInput, responses={201: ProxyOutput})
    def post(self, request: Request) -> Response:
        data = ProxyInput(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.proxy_grant(actor=Actor.from_request(request), **data.validated_data)
        return Response(ProxyOutput(grant).data, status=status.HTTP_201_CREATED)


class ProxyRevokeApi(APIView):
    @extend_schema(request=None, responses=ProxyOutput)
    def post(self, request: Request, proxy_id: int) -> Response:
        grant = get_object_or_404(ProxyGrant, pk=proxy_id)
        return Response(
            ProxyOutput(services.proxy_revoke(actor=Actor.from_request(request), proxy=grant)).data
        )


class PublicThrottle(AnonRateThrottle):
    rate = "120/minute"


class PublicVerifyApi(APIView):
    """Anyone, without signing in: re-walk a counted motion's chain and recount it."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        responses=inline_serializer(
            "Verification",
            {
                "motion": serializers.CharField(),
                "ok": serializers.BooleanField(),
                "chain_length": serializers.IntegerField(),
                "chain_head": serializers.CharField(),
                "electorate_sha256": serializers.CharField(),
                "recount": serializers.DictField(),
                "problems": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(selectors.motions_public(), pk=motion_id)
        result = verify_motion(motion)
        return Response(result.__dict__)


class PublicChainApi(APIView):
    """Anyone: the electorate snapshot and every ballot-chain entry of a counted motion, to check offline."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        responses=inline_serializer(
            "Chain", {"electorate": serializers.DictField(), "entries": serializers.ListField()}
        )
    )
    def get(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(selectors.motions_public(), pk=motion_id)
        snapshot = motion.electorate
        return Response(
            {
                "motion": motion.reference,
                "electorate": {"canonical": snapshot.canonical, "sha256": snapshot.sha256},
                "rule": motion.rule,
                "secret": motion.secret,
                "tally": motion.tally,
                "chain_head": motion.chain_head,
                "entries": chain_entries(motion),
            }
        )

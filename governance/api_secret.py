"""API for secret votes with encrypted ballots: trustees, the key ceremony, ballots, the board.

Thin: each view validates its envelope and calls one service or selector; the services check
the cryptography and refuse a bad key, share, ballot or partial decryption with a 400 naming
the problem (`code` is the verifier's, e.g. `ballot.zero_or_one_proof_invalid`).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.errors import NotAllowed
from governance import selectors
from governance.api_voting import PublicThrottle, _motions
from governance.models import MemberState, Motion
from governance.services import secret_ballots, trustees

_STATE = inline_serializer(
    "SecretVoteState",
    {
        "motion": serializers.CharField(),
        "vote_id": serializers.CharField(),
        "status": serializers.CharField(),
        "threshold": serializers.IntegerField(),
        "trustees": serializers.ListField(child=serializers.DictField()),
        "joint_public_key": serializers.CharField(allow_null=True),
        "encrypted_tally": serializers.DictField(allow_null=True),
        "decrypted": serializers.BooleanField(),
        "partials_posted": serializers.ListField(child=serializers.IntegerField()),
    },
)


def _secret_motion(request: Request, motion_id: int) -> Motion:
    motion = get_object_or_404(_motions(request), pk=motion_id)
    if selectors.secret_vote_of(motion) is None:
        raise NotAllowed(_("This motion is not a secret vote with trustees."), code="not_encrypted")
    return motion


class SecretVoteStateApi(APIView):
    """The ceremony's state: trustees, their published keys, the joint key, the encrypted totals."""

    @extend_schema(responses=_STATE)
    def get(self, request: Request, motion_id: int) -> Response:
        motion = _secret_motion(request, motion_id)
        return Response(selectors.ceremony_state(motion))


class TrusteesNameApi(APIView):
    """The council's secretary names the trustee delegations (threshold: the council's policy)."""

    class InputSerializer(serializers.Serializer):
        trustees = serializers.ListField(
            child=serializers.SlugRelatedField(
                slug_field="code", queryset=MemberState.objects.all()
            ),
            min_length=1,
            max_length=64,
        )
        threshold = serializers.IntegerField(min_value=1, max_value=64, required=False)

        class Meta:
            ref_name = "TrusteesNameInput"

    @extend_schema(request=InputSerializer, responses={201: _STATE})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trustees.trustees_name(
            actor=Actor.from_request(request),
            motion=motion,
            trustees=data.validated_data["trustees"],
            threshold=data.validated_data.get("threshold"),
        )
        return Response(selectors.ceremony_state(motion), status=status.HTTP_201_CREATED)


class CeremonyApi(APIView):
    """A trustee's view of the ceremony: the state plus the encrypted shares sent to it."""

    @extend_schema(responses=_STATE)
    def get(self, request: Request, motion_id: int) -> Response:
        motion = _secret_motion(request, motion_id)
        trustee = trustees.trustee_of(Actor.from_request(request), motion)
        return Response(selectors.ceremony_state(motion, trustee=trustee))


def _posted(request: Request, motion_id: int, field: str, call: Any) -> Response:
    motion = _secret_motion(request, motion_id)
    value = request.data.get(field) if isinstance(request.data, dict) else None
    if value is None:
        return Response(
            {"code": "invalid", "message": f"Send the {field}.", "fields": {field: ["required"]}},
            status=400,
        )
    call(actor=Actor.from_request(request), motion=motion, **{field: value})
    return Response(selectors.ceremony_state(motion), status=status.HTTP_201_CREATED)


def _json_input(name: str, field: str, *, many: bool = False) -> type[serializers.Serializer]:
    value: serializers.Field = (
        serializers.ListField(child=serializers.JSONField()) if many else serializers.JSONField()
    )
    return type(
        name,
        (serializers.Serializer,),
        {field: value, "Meta": type("Meta", (), {"ref_name": name})},
    )


KeyInput = _json_input("TrusteeKeyInput", "key")
SharesInput = _json_input("TrusteeSharesInput", "shares", many=True)
PartialInput = _json_input("PartialDecryptionInput", "partial")


class CeremonyKeyApi(APIView):
    """A trustee publishes its commitments with their proofs (`concordia-trustee-key/1`)."""

    @extend_schema(request=KeyInput, responses={201: _STATE})
    def post(self, request: Request, motion_id: int) -> Response:
        return _posted(request, motion_id, "key", trustees.trustee_key_publish)


class CeremonySharesApi(APIView):
    """A trustee hands over its shares for the others, each encrypted to its recipient's key."""

    @extend_schema(request=SharesInput, responses={201: _STATE})
    def post(self, request: Request, motion_id: int) -> Response:
        return _posted(request, motion_id, "shares", trustees.trustee_shares_post)


class CeremonyConfirmApi(APIView):
    """A trustee's device found every share it received sound against the commitments."""

    @extend_schema(request=None, responses={201: _STATE})
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _secret_motion(request, motion_id)
        trustees.trustee_confirm(actor=Actor.from_request(request), motion=motion)
        return Response(selectors.ceremony_state(motion), status=status.HTTP_201_CREATED)


class CeremonyPartialApi(APIView):
    """After the close, a trustee posts its partial decryption of the totals with its proofs."""

    @extend_schema(request=PartialInput, responses={201: _STATE})
    def post(self, request: Request, motion_id: int) -> Response:
        return _posted(request, motion_id, "partial", trustees.partial_decryption_post)


class EncryptedBallotApi(APIView):
    """Cast or change your state's encrypted ballot (`concordia-ballot/1`); returns the tracker.

    Make the ballot with `governance.ballotcrypto.encrypt_ballot(vote_id=<reference>,
    voter=<state code>, public_key=<joint key bytes>, choice="yes"|"no"|"abstain").to_json()`.
    """

    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=MemberState.objects.all()
        )
        ballot = serializers.JSONField()

        class Meta:
            ref_name = "EncryptedBallotInput"

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "EncryptedReceipt",
                {
                    "motion": serializers.CharField(),
                    "seq": serializers.IntegerField(),
                    "tracker": serializers.CharField(),
                    "state": serializers.CharField(),
                    "superseded_earlier": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(_motions(request), pk=motion_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = secret_ballots.encrypted_ballot_cast(
            actor=Actor.from_request(request), motion=motion, **data.validated_data
        )
        return Response(
            {
                "motion": receipt.motion,
                "seq": receipt.seq,
                "tracker": receipt.tracker,
                "state": receipt.state,
                "superseded_earlier": receipt.superseded_earlier,
            },
            status=status.HTTP_201_CREATED,
        )


class PublicBoardApi(APIView):
    """Anyone: a closed secret vote's whole board, to recount it offline."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(responses=inline_serializer("SecretBoard", {"format": serializers.CharField()}))
    def get(self, request: Request, motion_id: int) -> Response:
        motion = get_object_or_404(
            selectors.motions_public().filter(secret=True, secret_vote__isnull=False), pk=motion_id
        )
        return Response(selectors.board_document(motion))

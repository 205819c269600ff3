"""The public decision log over HTTP: tree heads, entries and proofs, for anyone to check."""

from __future__ import annotations

import base64
import json
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound, ValidationFailed
from governance import merkle, selectors
from governance.api_voting import PublicThrottle
from governance.log_keys import key_info
from governance.models import TreeHead
from governance.verification import signed_head

MAX_ENTRIES = 1000


class _PublicApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


def published_head(head: TreeHead) -> dict[str, Any]:
    """A signed tree head as served; save it whole and give it to `verify_votes --checkpoint`."""
    data = signed_head(head)
    data["timestamp_authority"] = head.timestamp_authority or None
    data["rfc3161_response"] = (
        base64.b64encode(bytes(head.timestamp_token)).decode() if head.timestamp_token else None
    )
    return data


class _SizeInput(serializers.Serializer):
    tree_size = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    s = serializer_class(data=request.query_params)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _latest_size() -> int:
    head = selectors.tree_head_latest()
    return head.tree_size if head else 0


class LogHeadApi(_PublicApi):
    """The newest signed tree head (or the newest of `tree_size`) and the platform's public key."""

    @extend_schema(
        parameters=[_SizeInput],
        responses=inline_serializer(
            "SignedTreeHead",
            {
                "tree_head": serializers.DictField(),
                "signature": serializers.CharField(),
                "key_id": serializers.CharField(),
                "public_key_pem": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        size = _query(_SizeInput, request).get("tree_size")
        head = selectors.tree_head_latest() if size is None else selectors.tree_head_of_size(size)
        if head is None:
            raise NotFound(
                "No tree head has been signed" + ("" if size is None else f" at size {size}") + "."
            )
        return Response({**published_head(head), **key_info()})


class _EntriesInput(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    end = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end", attrs["start"] + MAX_ENTRIES)
        if end < attrs["start"]:
            raise serializers.ValidationError({"end": "end comes before start."})
        if end - attrs["start"] > MAX_ENTRIES:
            raise serializers.ValidationError({"end": f"At most {MAX_ENTRIES} entries at a time."})
        attrs["end"] = end
        return attrs


class LogEntriesApi(_PublicApi):
    """The signed statements with index in [start, end): everything needed to rebuild the tree."""

    @extend_schema(
        parameters=[_EntriesInput],
        responses=inline_serializer(
            "LogEntry",
            {
                "index": serializers.IntegerField(),
                "motion": serializers.CharField(),
                "statement": serializers.DictField(),
                "signature": serializers.CharField(),
                "leaf_hash": serializers.CharField(),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        q = _query(_EntriesInput, request)
        rows = selectors.decision_statements().filter(index__gte=q["start"], index__lt=q["end"])
        return Response(
            [
                {
                    "index": s.index,
                    "motion": s.motion.reference,
                    "statement": json.loads(s.body),
                    "signature": s.signature,
                    "leaf_hash": merkle.leaf_hash(s.body.encode()).hex(),
                }
                for s in rows
            ]
        )


class _InclusionInput(_SizeInput):
    motion = serializers.CharField(max_length=40)


class LogInclusionApi(_PublicApi):
    """The audit path proving a decision's statement is in the tree of `tree_size` (default: latest)."""

    @extend_schema(
        parameters=[_InclusionInput],
        responses=inline_serializer(
            "InclusionProof",
            {
                "motion": serializers.CharField(),
                "index": serializers.IntegerField(),
                "tree_size": serializers.IntegerField(),
                "leaf_hash": serializers.CharField(),
                "statement": serializers.DictField(),
                "signature": serializers.CharField(),
                "audit_path": serializers.ListField(child=serializers.CharField()),
                "root_hash": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        q = _query(_InclusionInput, request)
        statement = selectors.decision_statements().filter(motion__reference=q["motion"]).first()
        if statement is None:
            raise NotFound(f"No signed statement of {q['motion']} is in the log.")
        size = q.get("tree_size", _latest_size())
        if statement.index >= size:
            raise ValidationFailed(
                f"{q['motion']} is entry {statement.index}; a tree of {size} does not hold it.",
                field="tree_size",
            )
        leaves = selectors.decision_log_leaf_hashes(size)
        if len(leaves) < size:
            raise ValidationFailed(f"The log holds only {len(leaves)} entries.", field="tree_size")
        return Response(
            {
                "motion": q["motion"],
                "index": statement.index,
                "tree_size": size,
                "leaf_hash": leaves[statement.index].hex(),
                "statement": json.loads(statement.body),
                "signature": statement.signature,
                "audit_path": [h.hex() for h in merkle.inclusion_proof(statement.index, leaves)],
                "root_hash": merkle.root(leaves).hex(),
            }
        )


class _ConsistencyInput(serializers.Serializer):
    first = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    second = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        second = attrs.get("second", _latest_size())
        if second < attrs["first"]:
            raise serializers.ValidationError({"second": "second must be at least first."})
        attrs["second"] = second
        return attrs


class LogConsistencyApi(_PublicApi):
    """The proof that the tree of `first` entries is the start of the tree of `second` entries."""

    @extend_schema(
        parameters=[_ConsistencyInput],
        responses=inline_serializer(
            "ConsistencyProof",
            {
                "first": serializers.IntegerField(),
                "second": serializers.IntegerField(),
                "first_root": serializers.CharField(),
                "second_root": serializers.CharField(),
                "proof": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        q = _query(_ConsistencyInput, request)
        leaves = selectors.decision_log_leaf_hashes(q["second"])
        if len(leaves) < q["second"]:
            raise ValidationFailed(f"The log holds only {len(leaves)} entries.", field="second")
        return Response(
            {
                "first": q["first"],
                "second": q["second"],
                "first_root": merkle.root(leaves[: q["first"]]).hex(),
                "second_root": merkle.root(leaves).hex(),
                "proof": [h.hex() for h in merkle.consistency_proof(q["first"], leaves)],
            }
        )

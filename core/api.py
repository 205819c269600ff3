"""API plumbing every app uses (errors as JSON) and the kernel's own endpoints (tokens, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import services
from core.actors import Actor
from core.audit import audit_rows_for_reading
from core.errors import DomainError, MfaStale
from core.models import ApiToken, AuditEvent
from core.otp import OTP_HEADER
from core.permissions import may_read_audit
from core.validators import validate_name


class UtcDateTimeField(serializers.DateTimeField):
    """A date-time the API writes in UTC (`...Z`), and reads like any other.

    Written in the viewer's zone (Europe/Zurich) a date before 1894 carries the local mean time
    offset `+00:34:08`, which RFC 3339 (OpenAPI's `date-time`) does not allow; UTC is valid for
    every date and is what machine clients want. Naive input is still read in the site's zone.
    """

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            text = value.astimezone(dt.UTC).isoformat()
            return text.removesuffix("+00:00") + "Z"
        return super().to_representation(value)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            k: _field_errors(v)
            if isinstance(v, dict)
            else [str(e) for e in v]
            if isinstance(v, list)
            else [str(v)]
            for k, v in detail.items()
        }
    return {
        "non_field_errors": [str(e) for e in detail] if isinstance(detail, list) else [str(detail)]
    }


_PAGINATED: dict[type[serializers.Serializer], type[serializers.Serializer]] = {}
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="How many results to return (default: all)."),
    OpenApiParameter("offset", int, description="How many results to skip first."),
]


def paginated(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a list answered a page at a time: `{count, next, previous, results}`."""
    if serializer not in _PAGINATED:
        name = "Paginated" + serializer.__name__.removesuffix("Output") + "List"
        _PAGINATED[serializer] = type(
            name,
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializer(many=True),
                "__module__": serializer.__module__,
            },
        )
    return _PAGINATED[serializer]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as `{"code", "message", "fields"?}` with the right status."""
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else None
        body = error_body(exc.code, exc.message, fields)
        if isinstance(exc, MfaStale):
            # How a client makes the next request fresh, machine-readable beside the message.
            body["refresh"] = {"header": OTP_HEADER, "page": reverse("mfa_reauthenticate")}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = _field_errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response(error_body("invalid", _("The input is not valid."), fields), status=400)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", _("Not found.")), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("permission_denied", str(exc) or _("Not allowed.")), status=403)
    if isinstance(exc, IntegrityError):
        # A race lost against a database constraint: the request clashed with a concurrent one.
        return Response(
            error_body(
                "conflict",
                _("This clashes with a change made at the same moment; reload and retry."),
            ),
            status=409,
        )
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            error_body("invalid", _("The input is not valid."), _field_errors(exc.detail)),
            status=400,
        )
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else _("Request refused.")
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        headers = {}
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            headers["WWW-Authenticate"] = "Token"
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        return Response(error_body(code, message), status=exc.status_code, headers=headers)
    return None


def actor_for(request: Request) -> Actor:
    return Actor.from_request(request)


class IsAuditor(BasePermission):
    """The audit trail is for auditors and superusers, not for every staff account."""

    message = gettext_lazy("Only an auditor may read the audit trail.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return may_read_audit(request.user)


class ApiTokenOutput(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "prefix",
            "mfa_verified",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        )


class ApiTokenListCreateApi(APIView):
    """List your API tokens, or create one (the key is shown once)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, validators=[validate_name])

        class Meta:
            ref_name = "ApiTokenCreateInput"

    @extend_schema(responses=ApiTokenOutput(many=True))
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.filter(user_id=int(request.user.pk or 0)).order_by("-created_at")
        return Response(ApiTokenOutput(tokens, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "ApiTokenCreated", {"token": ApiTokenOutput(), "key": serializers.CharField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            # A token must not mint tokens, or a leaked key would outlive its own revocation.
            raise exceptions.PermissionDenied(_("Create tokens from a signed-in browser session."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            actor=actor_for(request), name=data.validated_data["name"]
        )
        return Response(
            {"token": ApiTokenOutput(token).data, "key": key}, status=status.HTTP_201_CREATED
        )


class ApiTokenRevokeApi(APIView):
    """Revoke one of your API tokens."""

    @extend_schema(request=None, responses=ApiTokenOutput)
    def post(self, request: Request, token_id: int) -> Response:
        token = services.api_token_revoke(actor=actor_for(request), token_id=token_id)
        return Response(ApiTokenOutput(token).data)


class AuditEventOutput(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor_label",
            "source",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
            "reason",
        )


class AuditEventListApi(APIView):
    """The audit trail, newest first (auditors and superusers; read-only by design).

    Rows are shown through the presenters apps register: a ballot's choice appears only once
    its vote has closed, and never for a secret vote.
    """

    permission_classes = [IsAuditor]

    @extend_schema(responses=paginated(AuditEventOutput), parameters=PAGE_PARAMETERS)
    def get(self, request: Request) -> Response:
        from rest_framework.pagination import LimitOffsetPagination

        qs = AuditEvent.objects.select_related(None).all()
        if action := request.query_params.get("action"):
            qs = qs.filter(action=action)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        rows = audit_rows_for_reading(page)
        return paginator.get_paginated_response(AuditEventOutput(rows, many=True).data)

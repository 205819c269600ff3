"""Thin API views over the funding services and selectors (/api/v1/funding/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api import error_body
from core.bounds import DateInput, decimal_input
from core.validators import NOTE_MAX
from funding import clock, permissions, selectors, services
from funding.errors import ImportRejected
from funding.models import (
    ContributionScale,
    DataImport,
    FiscalYear,
    ImportKind,
    ImportStatus,
    Payment,
    Report,
    ReportKind,
    VoluntaryContribution,
    VoluntaryKind,
)
from funding.reports.data import build_statement, build_status
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import MemberState

FREE_JSON = inline_serializer("FundingReportData", {"kind": serializers.CharField()})


def _reader(request: Request) -> Actor:
    actor = Actor.from_request(request)
    permissions.check_view_finances(actor)
    return actor


class FiscalYearOutput(serializers.ModelSerializer[FiscalYear]):
    budget_cents = serializers.SerializerMethodField()

    class Meta:
        model = FiscalYear
        fields = ("year", "base_currency", "status", "approved_at", "budget_cents")

    def get_budget_cents(self, fiscal_year: FiscalYear) -> int:
        return sum(line.amount_cents for line in fiscal_year.lines.all())


class FiscalYearListApi(APIView):
    """Fiscal years with their budget in cents of the base currency (finance staff)."""

    @extend_schema(responses=FiscalYearOutput(many=True))
    def get(self, request: Request) -> Response:
        _reader(request)
        return Response(FiscalYearOutput(selectors.fiscal_year_list(), many=True).data)


class StatusApi(APIView):
    """Status of contributions for one year: assessed, paid, outstanding, arrears, honour roll."""

    @extend_schema(responses=FREE_JSON)
    def get(self, request: Request, year: int) -> Response:
        _reader(request)
        get_object_or_404(FiscalYear, year=year)
        return Response(build_status([year], as_of=clock.today()))


class StatementApi(APIView):
    """Statement of account of one state: entries with running balance, payments as received."""

    @extend_schema(responses=FREE_JSON)
    def get(self, request: Request, code: str) -> Response:
        _reader(request)
        state = get_object_or_404(governance_selectors.member_state_list(), code=code.upper())
        return Response(build_statement(state, as_of=clock.today()))


class CallsIssueApi(APIView):
    """Issue the calls of an approved year on a date (a second factor is needed)."""

    class InputSerializer(serializers.Serializer):
        issued_on = DateInput()

        class Meta:
            ref_name = "FundingCallsIssueInput"

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer("FundingCallsIssued", {"calls": serializers.ListField()})
        },
    )
    def post(self, request: Request, year: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fiscal_year = get_object_or_404(FiscalYear, year=year)
        calls = services.calls_issue(
            actor=Actor.from_request(request),
            fiscal_year=fiscal_year,
            issued_on=data.validated_data["issued_on"],
        )
        body = [
            {
                "reference": c.reference,
                "state": c.member_state.code,
                "amount_cents": c.amount_cents,
                "due_on": c.due_on,
                "language": c.language,
                "letter_report": c.letter_id,
            }
            for c in calls
        ]
        return Response({"calls": body}, status=status.HTTP_201_CREATED)


class PaymentOutput(serializers.ModelSerializer[Payment]):
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    reversed = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = (
            "id", "member_state", "value_date", "amount", "currency", "base_currency", "rate",
            "rate_date", "rate_source", "base_amount_cents", "rounding", "reference", "note",
            "recorded_by_label", "recorded_at", "reversed",
        )  # fmt: skip

    def get_reversed(self, payment: Payment) -> bool:
        return hasattr(payment, "reversal")


class PaymentApi(APIView):
    """Record a payment received, in any currency; it is converted at the ECB rate of its date."""

    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=governance_selectors.member_state_list()
        )
        value_date = DateInput()
        amount = decimal_input(Payment._meta.get_field("amount"))
        currency = serializers.RegexField(r"^[A-Z]{3}$")
        reference = serializers.CharField(max_length=100, required=False, default="")
        note = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=NOTE_MAX
        )

        class Meta:
            ref_name = "FundingPaymentInput"

    @extend_schema(request=InputSerializer, responses={201: PaymentOutput})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(actor=Actor.from_request(request), **data.validated_data)
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


class PaymentReverseApi(APIView):
    """Correct a payment recorded in error by reversal entries; the payment stays on record."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=NOTE_MAX)

        class Meta:
            ref_name = "FundingPaymentReverseInput"

    @extend_schema(request=InputSerializer, responses=PaymentOutput)
    def post(self, request: Request, payment_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = get_object_or_404(Payment, pk=payment_id)
        services.payment_reverse(
            actor=Actor.from_request(request), payment=payment, reason=data.validated_data["reason"]
        )
        payment.refresh_from_db()
        return Response(PaymentOutput(Payment.objects.get(pk=payment.pk)).data)


# Output "kind" fields are plain strings: each choice set then belongs to one input component
# only, and the OpenAPI enum names stay unambiguous without settings in config/.
def _kind_field(values: list[str]) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(values))


class VoluntaryOutput(serializers.ModelSerializer[VoluntaryContribution]):
    kind = _kind_field(VoluntaryKind.values)
    member_state: serializers.SlugRelatedField[MemberState] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    fiscal_year = serializers.IntegerField(source="fiscal_year.year", read_only=True)

    class Meta:
        model = VoluntaryContribution
        fields = (
            "id", "member_state", "fiscal_year", "kind", "description", "received_on", "amount",
            "currency", "rate", "rate_date", "rate_source", "base_amount_cents", "valuation_basis",
            "reverses", "recorded_by_label", "recorded_at",
        )  # fmt: skip


class VoluntaryApi(APIView):
    """Record a voluntary contribution, or one in kind with its valuation and its basis."""

    class InputSerializer(serializers.Serializer):
        member_state = serializers.SlugRelatedField(
            slug_field="code", queryset=governance_selectors.member_state_list()
        )
        fiscal_year = serializers.SlugRelatedField(
            slug_field="year", queryset=FiscalYear.objects.all()
        )
        kind = serializers.ChoiceField(choices=VoluntaryKind.choices)
        description = serializers.CharField(max_length=NOTE_MAX)
        received_on = DateInput()
        amount = decimal_input(VoluntaryContribution._meta.get_field("amount"))
        currency = serializers.RegexField(r"^[A-Z]{3}$")
        valuation_basis = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=NOTE_MAX
        )

        class Meta:
            ref_name = "FundingVoluntaryInput"

    @extend_schema(request=InputSerializer, responses={201: VoluntaryOutput})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contribution = services.voluntary_record(
            actor=Actor.from_request(request), **data.validated_data
        )
        return Response(VoluntaryOutput(contribution).data, status=status.HTTP_201_CREATED)


class DataImportOutput(serializers.ModelSerializer[DataImport]):
    kind = _kind_field(ImportKind.values)

    class Meta:
        model = DataImport
        fields = (
            "id", "kind", "filename", "sha256", "status", "row_count", "problems", "summary",
            "created_by_label", "created_at", "applied_at",
        )  # fmt: skip


class DataImportApi(APIView):
    """Upload a CSV file (multipart: kind, file) for a preview; a bad file is refused whole."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ImportKind.choices)
        file = serializers.FileField()

        class Meta:
            ref_name = "FundingImportInput"

    @extend_schema(request=InputSerializer, responses={201: DataImportOutput})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            data_import = services.data_import_preview(
                actor=Actor.from_request(request), kind=data.validated_data["kind"],
                filename=upload.name, content=upload.read(),
            )  # fmt: skip
        except ImportRejected as exc:
            return Response(
                {**error_body(exc.code, exc.message), "problems": exc.problems}, status=400
            )
        if data_import.status == ImportStatus.REJECTED:
            problems = [
                f"line {p['line']}, column {p['column']} ({p['column_name']}): {p['message']}"
                if p["column"]
                else f"line {p['line']}: {p['message']}"
                for p in data_import.problems
            ]
            body = error_body(
                "import_rejected",
                "The file has problems; nothing was imported.",
                {"file": problems},
            )
            return Response({**body, "import": DataImportOutput(data_import).data}, status=400)
        return Response(DataImportOutput(data_import).data, status=status.HTTP_201_CREATED)


class DataImportApplyApi(APIView):
    """Import a previewed file, all of it in one transaction."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=None, responses=DataImportOutput)
    def post(self, request: Request, import_id: int) -> Response:
        data_import = get_object_or_404(DataImport, pk=import_id)
        applied = services.data_import_apply(
            actor=Actor.from_request(request), data_import=data_import
        )
        return Response(DataImportOutput(applied).data)


class ReportOutput(serializers.ModelSerializer[Report]):
    kind = _kind_field(ReportKind.values)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = (
            "id", "kind", "params", "language", "status", "progress", "step", "sha256",
            "data_sha256", "page_count", "error", "requested_at", "generated_at", "download",
        )  # fmt: skip

    def get_download(self, report: Report) -> str | None:
        return reverse("funding:report_download", args=[report.pk]) if report.file else None


class ReportApi(APIView):
    """Ask for a PDF (status: {"years": [...]}, statement: {"state": "DE"}); poll its progress."""

    class InputSerializer(serializers.Serializer):
        # Letters are made when calls are issued; the service refuses them here.
        kind = serializers.ChoiceField(choices=ReportKind.choices)
        params = serializers.DictField()
        language = serializers.ChoiceField(choices=["en", "de", "fr"], default="en")

        class Meta:
            ref_name = "FundingReportInput"

    @extend_schema(request=InputSerializer, responses={202: ReportOutput})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_request(actor=Actor.from_request(request), **data.validated_data)
        report.refresh_from_db()
        return Response(ReportOutput(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(APIView):
    @extend_schema(responses=ReportOutput)
    def get(self, request: Request, report_id: int) -> Response:
        _reader(request)
        return Response(ReportOutput(get_object_or_404(Report, pk=report_id)).data)


class ScaleOutput(serializers.ModelSerializer[ContributionScale]):
    motion = serializers.CharField(
        source="motion.reference", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ContributionScale
        fields: tuple[str, ...] = (
            "id", "reference", "first_year", "last_year", "budget_currency", "status", "motion",
            "parameters", "inputs_sha256", "decided_at",
        )  # fmt: skip


class ScaleListApi(APIView):
    @extend_schema(responses=ScaleOutput(many=True))
    def get(self, request: Request) -> Response:
        _reader(request)
        return Response(ScaleOutput(selectors.scale_list(), many=True).data)


class ScaleDetailOutput(ScaleOutput):
    """A scale and what it was computed from and to, as stored (free-form JSON)."""

    inputs = serializers.JSONField(read_only=True)
    results = serializers.JSONField(read_only=True)

    class Meta(ScaleOutput.Meta):
        fields = (*ScaleOutput.Meta.fields, "inputs", "results")


class ScaleDetailApi(APIView):
    """A scale with its frozen inputs and the full working of every year, to recompute it."""

    @extend_schema(responses=ScaleDetailOutput)
    def get(self, request: Request, scale_id: int) -> Response:
        _reader(request)
        scale = get_object_or_404(ContributionScale.objects.select_related("motion"), pk=scale_id)
        return Response(ScaleDetailOutput(scale).data)
